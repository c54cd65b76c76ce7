"""A run stalled after its summary (its last lines on a stalled pipe, a terminal frozen by Ctrl+S): a second signal
there was ignored, like every signal after the summary, and only SIGKILL ended the process. Now it ends it after a
short grace (run_signals.AFTER_SUMMARY_GRACE), silently, with the first signal's status; a run not stalled ends as it
would have, its JSON line and exit handlers kept. The stall is real time on the run's main thread, right after its
summary (a profile hook set in its plugin node's stop()); the signals are real."""

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


SIGNALLED_RIGHT_AFTER_THE_SUMMARY = '''
import atexit
import os
import signal
import sys
from pathlib import Path

from exsampling_patch import TAKE, Input, Node

EXITED = Path(__file__).with_name("exit-handlers-ran")


def second_signal_after_the_summary(frame, event, arg):
    """As StopSignals.ended returns (the summary said), a second signal, nothing stalled: a supervisor's SIGINT then
    SIGTERM, or a late copy of timeout's signal."""
    if event == "return" and frame.f_code.co_name == "ended" and frame.f_code.co_filename.endswith(
            "run_signals.py"):
        sys.setprofile(None)
        os.kill(os.getpid(), signal.SIGTERM)


class Quiet(Node):
    """Takes nothing in particular; its stop sets the second signal after the summary, and an exit handler."""

    type_name = "quiet"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        pass

    def stop(self):
        atexit.register(EXITED.write_text, "ran")
        sys.setprofile(second_signal_after_the_summary)
        super().stop()
'''


def test_a_second_signal_after_the_summary_of_a_run_not_stalled_loses_neither_its_json_line_nor_its_exit_handlers(
        tmp_path: Path) -> None:
    run = one_node_run(tmp_path, SIGNALLED_RIGHT_AFTER_THE_SUMMARY, "quiet", "quiet", "--json")
    run.wait_for("running ")
    run.process.send_signal(signal.SIGINT)
    code = run.wait(60)
    output = run.output() + (tmp_path / "run.log").read_text(encoding="utf-8", errors="replace")
    assert code == 128 + signal.SIGINT, output  # the first signal's status
    assert any('"RunStopped"' in line for line in run.stdout), output  # the counts a script reads
    assert "Traceback" not in output and "quit at once:" not in output, output
    assert list(tmp_path.rglob("exit-handlers-ran")), output  # the exit handlers (end_spares) ran
