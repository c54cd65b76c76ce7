"""A Ctrl+C (or SIGTERM) after the run is over, as the process ends: it is ignored, no traceback after the summary.

`exsampling run` puts back the handlers it replaced, then ends the process with os._exit once its exit handlers have
run (killing the classifier's process, flushing). A SIGINT landing there was Python's KeyboardInterrupt, a SIGTERM the
early handler's StopSignal: a traceback in the middle of the exit handlers, which stopped the one it landed in. The
signals are real, sent by the process to itself from an exit handler of the patch's plugin, at that fixed point rather
than after a guessed delay (as test_ctrl_c_at_launch does at its imports)."""

from __future__ import annotations

from pathlib import Path

from tests.stage.helpers import one_node_run

SIGNALLED_AT_EXIT = '''
import atexit
import os
import signal
import sys

from exsampling_patch import TAKE, Input, Node


def signals_at_exit():
    """An exit handler of the run's process: Ctrl+C, then SIGTERM, to the process itself, then says it ran through."""
    os.kill(os.getpid(), signal.SIGINT)
    os.kill(os.getpid(), signal.SIGTERM)
    sys.stderr.write("exit handler ran through\\n")
    sys.stderr.flush()


atexit.register(signals_at_exit)


class Quiet(Node):
    """Takes nothing in particular."""

    type_name = "quiet"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        pass
'''


def test_signals_as_the_run_ends_are_ignored_without_a_traceback(tmp_path: Path) -> None:
    run = one_node_run(tmp_path, SIGNALLED_AT_EXIT, "quiet", "quiet", "--for", "0.1")
    code = run.wait(60)
    output = run.output() + (tmp_path / "run.log").read_text(encoding="utf-8", errors="replace")
    assert "stopped after" in output, output  # the run's summary: its stop, before the exit handlers
    assert "exit handler ran through" in output, output  # neither signal cut it short
    assert "Traceback" not in output and "KeyboardInterrupt" not in output and "StopSignal" not in output, output
    assert code == 0, output  # the run's own status: it ended by --for


SIGNALLED_AFTER_THE_RUN = '''
import os
import signal
import sys

from exsampling_patch import TAKE, Input, Node


def after_the_handlers(frame, event, arg):
    """On the run's main thread, as the run's handlers have just been put back (its StopSignals.uninstall returns),
    before the run has returned: Ctrl+C, SIGTERM and SIGHUP to the process itself."""
    if event == "return" and frame.f_code.co_name == "uninstall" and frame.f_code.co_filename.endswith(
            "run_signals.py"):
        sys.setprofile(None)
        sys.stderr.write("signalled after the run's handlers went\\n")
        sys.stderr.flush()
        for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            os.kill(os.getpid(), stop)


class Quiet(Node):
    """Takes nothing in particular; its stop (on the run's main thread) sets the watch for the handlers' end."""

    type_name = "quiet"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        pass

    def stop(self):
        sys.setprofile(after_the_handlers)
        super().stop()
'''


def test_signals_after_the_run_put_its_handlers_back_are_ignored(tmp_path: Path) -> None:
    """Between the run's handlers going and its return: a SIGINT was Python's KeyboardInterrupt, which main() took for
    one during start-up ("stopped before start-up ended" after the summary, exit 130, for a run that ran and ended),
    a SIGTERM the early handler's 143, a SIGHUP Python's default, killing the process before its exit handlers."""
    run = one_node_run(tmp_path, SIGNALLED_AFTER_THE_RUN, "quiet", "quiet", "--for", "0.1")
    code = run.wait(60)
    output = run.output() + (tmp_path / "run.log").read_text(encoding="utf-8", errors="replace")
    assert "stopped after" in output, output
    assert "signalled after the run's handlers went" in output, output  # the signals came in that window
    assert "stopped before start-up ended" not in output, output
    assert "Traceback" not in output and "KeyboardInterrupt" not in output and "StopSignal" not in output, output
    assert code == 0, output  # the run's own status: it ended by --for
