"""An exit handler that stalls after the run's summary no longer leaves the process hanging until SIGKILL.

Once the run has returned, `exsampling run` ignores every signal to the process's end (cli.ignore_stops) and runs the
exit handlers (cli.exit_at_once): one that never returned (a plugin's atexit handler waiting on something gone) held
the process for good, deaf to Ctrl+C and SIGTERM. Now the exit watch (run_signals.watch_exit) ends it after its grace,
saying so, with the run's own status. The grace is shortened for the test (EXIT_GRACE_ENV); the stall is real, in a
real exit handler of the run's process."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.commands.run_signals import EXIT_GRACE_ENV
from tests.stage.helpers import one_node_run

STALLS_AT_EXIT = '''
import atexit
import sys
import threading

from exsampling_patch import TAKE, Input, Node


def stalls():
    """An exit handler that never returns (its wait far past the test's)."""
    sys.stderr.write("exit handler stalled\\n")
    sys.stderr.flush()
    threading.Event().wait(600)
    sys.stderr.write("stall over\\n")


atexit.register(stalls)


class Quiet(Node):
    """Takes nothing in particular."""

    type_name = "quiet"
    take = Input(TAKE, "takes")

    def on_take(self, take):
        pass
'''


def test_a_stalled_exit_handler_is_ended_after_the_grace_with_the_runs_status(tmp_path: Path) -> None:
    run = one_node_run(tmp_path, STALLS_AT_EXIT, "quiet", "quiet", "--for", "0.1", env={EXIT_GRACE_ENV: "0.5"})
    code = run.wait(120)  # the stall lasts 600 s: only the exit watch ends it in time
    output = run.output() + (tmp_path / "run.log").read_text(encoding="utf-8", errors="replace")
    assert "stopped after" in output, output  # the run's summary, before the exit handlers
    assert "exit handler stalled" in output, output
    assert "stall over" not in output, output
    assert "the exit did not end within 0.5 s" in output and "with the run's status 0" in output, output
    assert code == 0, output  # the run's own status: it ended by --for
