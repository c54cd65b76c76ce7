"""Ctrl+C while the nodes are still starting (a model loading, a device opening) stops the run at once: it does not
wait for start-up to finish. A node whose start() ends only when the test lets it (a file appears) stands in for the
slow one, so a run that exits before the test lets it did not wait for it, however busy the machine; a real SIGINT
goes to the run's whole process group, as a terminal's Ctrl+C does."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

from tests.stage.helpers import Run

SLOW_NODE = '''
import time
from pathlib import Path

from exsampling_patch import TAKE, Node, Output, Param


class SlowStart(Node):
    """Starts slowly, as a node loading a large model does."""

    type_name = "slow_start"
    out = Output(TAKE, "nothing")
    marker = Param(str, "", "a file written when start() begins")
    release = Param(str, "", "the file whose appearance lets start() end")

    def start(self) -> None:
        Path(self.marker).write_text("starting")
        deadline = time.monotonic() + 120.0  # a process left by a failed test does not wait forever
        while not Path(self.release).exists() and time.monotonic() < deadline:
            time.sleep(0.02)
'''

HANG_SECONDS = 60.0  # a hang's limit: start-up ends only when the test lets it, so a run waiting for it hangs


def interrupt_start_up(tmp_path: Path, more: str = "", links: str = "[]") -> tuple[int, float, str]:
    """Run a patch whose node 'slow' starts until let, plus the nodes ``more``; Ctrl+C it while 'slow' starts.
    Returns the exit status, the seconds from the signal to the exit, and the output."""
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    (nodes / "slow_start.py").write_text(SLOW_NODE, encoding="utf-8")
    marker, release = tmp_path / "starting", tmp_path / "release"
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
node_dirs: [{nodes}]
nodes:
- id: slow
  type: slow_start
  params: {{marker: '{marker}', release: '{release}'}}
{more}links: {links}
""", encoding="utf-8")
    run = Run(str(patch), "--show-log", "none", "--log", str(tmp_path / "run.log"))
    try:
        deadline = time.monotonic() + 60.0
        while not marker.exists():
            assert run.process.poll() is None, run.output()
            assert time.monotonic() < deadline, "the slow node never began to start"
            time.sleep(0.02)
        time.sleep(0.2)
        sent = run.signal_group(signal.SIGINT)
        try:
            code = run.wait(HANG_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {HANG_SECONDS:g} s after Ctrl+C, its start-up not let end: it "
                                 f"waits for start-up (killed)\n{run.output()}") from None
        took = time.monotonic() - sent
    finally:
        if run.process.poll() is None:
            run.kill()
        release.write_text("go")  # only now: the run has ended (or was killed) with start() still waiting
    return code, took, run.output()


def test_ctrl_c_during_start_up_stops_the_run_at_once(tmp_path: Path) -> None:
    code, took, output = interrupt_start_up(tmp_path)
    assert code == 130, f"exit {code} {took:.2f} s after Ctrl+C, during start-up\n{output}"
    assert "Traceback" not in output and "KeyboardInterrupt" not in output, output
    assert "Ctrl+C stops" not in output, output  # it never said it was running
    assert "stopped during start-up" in output and "node 'slow' never started: the run was stopped first" in output


def test_the_nodes_a_ctrl_c_kept_from_starting_are_told_in_one_line(tmp_path: Path) -> None:
    # Before, each got a line of its own with the same why: eight lines after a Ctrl+C in the default patch's start-up.
    # Three slow sources: whichever starts first holds the start-up, and the other two never begin.
    params = f"  params: {{marker: '{tmp_path / 'starting'}', release: '{tmp_path / 'release'}'}}\n"
    more = f"- id: slow2\n  type: slow_start\n{params}- id: slow3\n  type: slow_start\n{params}"
    code, _took, output = interrupt_start_up(tmp_path, more)
    assert code == 130, output
    told = [line for line in output.splitlines() if "never started" in line]
    assert len(told) == 1 and told[0].startswith("nodes "), output
    assert told[0].endswith(" never started: the run was stopped first"), output
    assert sorted(told[0].split(" never started")[0].removeprefix("nodes ").split(", ")) == [
        "'slow'", "'slow2'", "'slow3'"], output
