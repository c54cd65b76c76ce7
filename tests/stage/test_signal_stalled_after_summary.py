"""A run stalled after its summary (its last lines on a stalled pipe, a terminal frozen by Ctrl+S): a second signal
there was ignored, like every signal after the summary, and only SIGKILL ended the process. Now it ends it at once,
silently, with the first signal's status. The stall is real time on the run's main thread, right after its summary
(a profile hook set in its plugin node's stop()); both signals are real."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.stage.helpers import one_node_run

STALLS_AFTER_THE_SUMMARY = '''
import sys
import time

from exsampling_patch import TAKE, Input, Node


def stall_after_the_summary(frame, event, arg):
    """On the run's main thread, as StopSignals.ended returns (the summary said): it stalls, as on a frozen
    terminal."""
    if event == "return" and frame.f_code.co_name == "ended" and frame.f_code.co_filename.endswith(
            "run_signals.py"):
        sys.setprofile(None)
        sys.stderr.write("stalled after the summary\\n")
        sys.stderr.flush()
        time.sleep(300)  # a signal's handler runs in it; without one that ends the process, the test's wait fails
        sys.stderr.write("stall over\\n")


class Quiet(Node):
    """Takes nothing in particular; its stop (on the run's main thread) sets the stall after the summary."""

    type_name = "quiet"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        pass

    def stop(self):
        sys.setprofile(stall_after_the_summary)
        super().stop()
'''


def test_a_second_signal_ends_a_run_stalled_after_its_summary_silently_with_the_first_ones_status(
        tmp_path: Path) -> None:
    run = one_node_run(tmp_path, STALLS_AFTER_THE_SUMMARY, "quiet", "quiet")
    run.wait_for("running ")
    run.process.send_signal(signal.SIGINT)
    run.wait_for("stalled after the summary")
    run.process.send_signal(signal.SIGTERM)
    code = run.wait(60)  # the stall lasts 300 s: only the signal ends it in time
    output = run.output() + (tmp_path / "run.log").read_text(encoding="utf-8", errors="replace")
    assert "stopped after" in output, output  # the summary, before the stall
    assert "stall over" not in output, output
    assert "quit at once:" not in output, output  # silently
    assert "Traceback" not in output, output
    assert code == 128 + signal.SIGINT, output  # the first signal's status
