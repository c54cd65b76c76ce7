"""A second signal after the run's summary, before its handlers go: the run is already ending. It said "quit at once"
and exited with the second signal's status (143 after a Ctrl+C's summary); now it says nothing more and exits with
the first one's. The signals are real: the first sent by the test, the second by the process to itself as its run's
handlers are about to be put back, at that fixed point rather than after a guessed delay."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.stage.helpers import one_node_run

SIGNALLED_AFTER_THE_SUMMARY = '''
import os
import signal
import sys

from exsampling_patch import TAKE, Input, Node


def before_the_handlers_go(frame, event, arg):
    """On the run's main thread, as its StopSignals.uninstall is called (the summary said): SIGTERM to itself."""
    if event == "call" and frame.f_code.co_name == "uninstall" and frame.f_code.co_filename.endswith(
            "run_signals.py"):
        sys.setprofile(None)
        sys.stderr.write("signalled after the summary\\n")
        sys.stderr.flush()
        os.kill(os.getpid(), signal.SIGTERM)


class Quiet(Node):
    """Takes nothing in particular; its stop (on the run's main thread) sets the watch for the handlers' end."""

    type_name = "quiet"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        pass

    def stop(self):
        sys.setprofile(before_the_handlers_go)
        super().stop()
'''


def test_a_second_signal_after_the_summary_says_nothing_and_keeps_the_first_ones_status(tmp_path: Path) -> None:
    run = one_node_run(tmp_path, SIGNALLED_AFTER_THE_SUMMARY, "quiet", "quiet")
    run.wait_for("running ")
    run.process.send_signal(signal.SIGINT)
    code = run.wait(60)
    output = run.output() + (tmp_path / "run.log").read_text(encoding="utf-8", errors="replace")
    assert "stopped after" in output, output  # the summary, before the second signal
    assert "signalled after the summary" in output, output  # the second signal came in that window
    assert "quit at once:" not in output, output  # the line of quit_at_once, not the stopping line's hint
    assert "Traceback" not in output, output
    assert code == 128 + signal.SIGINT, output  # the first signal's status
