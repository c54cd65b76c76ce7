"""Errors on takes in a burst: a sampler whose audio process stopped answering failed each take with an error of its
own ("Bo-... not loaded into slot Piano: the audio process did not answer within 3 s", then Wind's ...), each a new
error to the repeat count, each followed by its take's line saying the same: two lines a take. The first error on a
take is told in full; the node's next ones on takes are counted, each take's line telling its end."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.commands.error_repeats import RepeatedErrors
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import NodeError, NodeStatus, TakeEnded
from tests.stage.helpers import Run

PLUGIN = '''
from exsampling_patch import TAKE, Input, Node, Take


class Picky(Node):
    """Tells an error on each take it is given, naming it, as the sampler names each take it could not load; the take
    goes on (ends done)."""

    type_name = "picky"
    take = Input(TAKE, "takes")

    def on_take(self, message: Take) -> None:
        self.report_error(f"{message.take_id} not kept: {len(message.samples)} frames is not a prime number")
'''


def test_a_burst_of_takes_failed_one_by_one_makes_one_line_a_take(tmp_path: Path) -> None:
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "picky.py").write_text(PLUGIN, encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- {id: inbox, type: folder_source, params: {folder: inbox, poll_interval: 0.05}}
- {id: picky, type: picky}
links:
- inbox.take -> picky.take
""", encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    run = Run(str(patch), "--nodes", str(tmp_path / "nodes"), "--show-log", "none", "--log", str(tmp_path / "lib.log"),
              cwd=tmp_path)
    try:
        run.wait_for("running ")
        for number in range(8):
            sf.write(tmp_path / "inbox" / f"take{number}.wav", np.full(4800 + number, 0.1, np.float32), 48000)
        for number in range(8):
            run.wait_for(f"take{number}.wav from inbox", timeout=60)
    finally:
        run.signal_group()
    assert run.wait(60) == 130, run.output()
    err = [line.rstrip("\n") for line in run.stderr]
    # each take's line says its error: the first also in a line of its own, the next ones counted
    said = r" from inbox, 0\.10 s: done \(picky\)(; error in node 'picky': \S+ not kept: 48\d\d frames is not a prime"
    take_lines = [line for line in err if re.search(said + r" number)? \(\d+ ms\)$", line)]
    assert len(take_lines) == 8 and sum("not kept" in line for line in take_lines) == 7, run.output()
    errors = [line.split(" ", 1)[1] for line in err if line.split(" ", 1)[-1].startswith("error in node 'picky'")]
    assert re.fullmatch(r"error in node 'picky': \S+ not kept: 48\d\d frames is not a prime number", errors[0]), errors
    counts = [int(re.fullmatch(r"error in node 'picky': (\d+) more errors? on takes, each said on its take's line",
                               line).group(1)) for line in errors[1:]]  # type: ignore[union-attr]
    assert sum(counts) == 7, run.output()
    assert "; 8 takes done; nodes with errors: picky (8)" in run.output(), run.output()


def error(node_id: str, text: str) -> NodeError:
    return NodeError(node_id, error=text, port="take", time=time.monotonic())


def arrived(take_id: str) -> NodeStatus:
    return NodeStatus("phones", status={"take": take_id, "recorder": "Ana", "duration": 2.0}, time=time.monotonic())


def ended(take_id: str) -> TakeEnded:
    return TakeEnded("map", take_id=take_id, recorder="Ana", fate="slot", reason="slot Bass, not loaded into sampler "
                     "'sampler': the audio process did not answer within 3 s", slots=("Bass",), time=time.monotonic(),
                     loaded=())


def test_errors_on_takes_on_their_way_are_counted_and_quiet_tells_every_one() -> None:
    for mode in ("normal", "quiet"):
        console = StageConsole(Patch(), mode=mode, err=io.StringIO())
        console.repeats = RepeatedErrors(every=3600.0)  # no count due meanwhile, however slow the host
        for take_id in ("Ana-0001", "Ana-0002", "Ana-0003"):
            console(arrived(take_id))
        console(error("sampler", "the audio process is not answering"))
        console(error("sampler", "Ana-0001 not loaded into slot Bass: no answer"))
        console(ended("Ana-0001"))
        console(error("sampler", "Ana-0002 not loaded into slot HH: no answer"))
        console(error("sampler", "Ana-0001 not loaded into slot TT: no answer"))  # its line is out: not on its way
        console(error("sampler", "Ana-00031 not loaded into slot TT: no answer"))  # not Ana-0003 (no take of that id)
        console(NodeStatus("sampler", status={"take": "Ana-0001", "slot": "TT"}, time=time.monotonic()))  # after all
        console(error("sampler", "Ana-0003 not loaded into slot BD: no answer"))
        console(error("sampler", "Ana-0001 rolled back from slot TT: no answer"))  # its line is out all the same
        console.flush_errors()
        lines = [line.split(" ", 1)[1] for line in console.err.getvalue().splitlines()  # type: ignore[union-attr]
                 if "error in node" in line]
        # Ana-0002's error is counted once its line tells it: no count of it before, which said it told there
        second = [] if mode == "normal" else ["error in node 'sampler': Ana-0002 not loaded into slot HH: no answer"]
        assert lines == ["error in node 'sampler': the audio process is not answering",
                         "error in node 'sampler': Ana-0001 not loaded into slot Bass: no answer", *second,
                         "error in node 'sampler': Ana-0001 not loaded into slot TT: no answer",
                         "error in node 'sampler': Ana-00031 not loaded into slot TT: no answer",
                         "error in node 'sampler': Ana-0003 not loaded into slot BD: no answer",
                         "error in node 'sampler': Ana-0001 rolled back from slot TT: no answer",
                         # Ana-0002's line never came (the run stopped): its error is told at the flush
                         *(["error in node 'sampler': Ana-0002 not loaded into slot HH: no answer"]
                           if mode == "normal" else [])], (mode, lines)
