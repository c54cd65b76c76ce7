"""Errors as the run stops: a Ctrl+C in a burst left takes on their way, and the sampler, stopped under them, failed
each with an error of its own ("Ana-... not loaded into slot Bass: the sampler has stopped", then Snare's ...): a
dozen lines between "stopping" and the summary, each a new error, where the summary counts those takes as passed on
at the next start. From the stop on, a node's first error is told in full and the rest counted in one line."""

from __future__ import annotations

import io
import signal
import time
from pathlib import Path

from exsampling_patch.commands.error_repeats import RepeatedErrors
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import NodeError, NodeStatus
from tests.stage.helpers import Run

PLUGIN = '''
from exsampling_patch import Node


class LeftTakes(Node):
    """As it stops, fails each of a dozen takes it had on their way, each error its own (the take, its slot)."""

    type_name = "left_takes"

    def stop(self) -> None:
        for number, slot in enumerate(("HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus") * 2):
            self.report_error(f"take-{number:02d} not loaded into slot {slot}: the node has stopped")
        super().stop()
'''


def test_a_dozen_errors_as_the_run_stops_make_two_lines(tmp_path: Path) -> None:
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / "left_takes.py").write_text(PLUGIN, encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: sampler\n  type: left_takes\n", encoding="utf-8")
    run = Run(str(patch), "--nodes", str(tmp_path / "nodes"), "--show-log", "none", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for("running ")
    finally:
        run.signal_group(signal.SIGINT)
    assert run.wait(60) == 130, run.output()
    err = [line.rstrip("\n") for line in run.stderr]
    said = [line.split(" ", 1)[1] for line in err if " error in node " in line]
    assert said == ["error in node 'sampler': take-00 not loaded into slot HH: the node has stopped",
                    "error in node 'sampler': 15 more errors as the run stopped"], run.output()
    # said before the summary, which still counts every one
    assert err.index(next(line for line in err if "15 more errors" in line)) < err.index(
        next(line for line in err if line.startswith("stopped after"))), run.output()
    assert "nodes with errors: sampler (16)" in run.output(), run.output()


def error(node_id: str, text: str, during: str = "") -> NodeError:
    return NodeError(node_id, error=text, port=None, time=time.monotonic(), during=during)


def test_each_node_has_its_first_error_of_the_stop_told_and_its_stop_failing_always() -> None:
    console = StageConsole(Patch(), err=io.StringIO())
    console.repeats = RepeatedErrors(every=3600.0)  # no count due meanwhile, however slow the host
    for take_id in ("take-00", "take-01"):
        console(NodeStatus("phones", status={"take": take_id, "recorder": "Ana"}, time=time.monotonic()))
    console(error("live", "nothing listens on 127.0.0.1:9000"))
    console(error("sampler", "take-00 not loaded into slot HH: the audio process did not answer"))  # before: told
    console.stopping()
    # on a take on its way, as the last, but told: its line may never come (the stop cuts it off)
    console(error("sampler", "take-01 not loaded into slot BD: the sampler has stopped"))
    console(error("sampler", "take-02 not loaded into slot TT: the sampler has stopped"))
    console(error("live", "take-02 not sent: the node has stopped"))
    console(error("sampler", "its audio process did not end", during="stop"))
    console.flush_errors()
    console.flush_errors()  # a second flush tells nothing again
    lines = [line.split(" ", 1)[1] for line in console.err.getvalue().splitlines()]  # type: ignore[union-attr]
    assert lines == [
        "error in node 'live': nothing listens on 127.0.0.1:9000",
        "error in node 'sampler': take-00 not loaded into slot HH: the audio process did not answer",
        "error in node 'sampler': take-01 not loaded into slot BD: the sampler has stopped",
        "error in node 'live': take-02 not sent: the node has stopped",
        "error in node 'sampler' in stop(): its audio process did not end",
        "error in node 'sampler': 1 more error as the run stopped",
    ]
