"""An exit handler that stalls after the run's summary no longer leaves the process hanging until SIGKILL.

Once the run has returned, `exsampling run` ignores every signal to the process's end (cli.ignore_stops) and runs the
exit handlers (cli.exit_at_once): one that never returned (a plugin's atexit handler waiting on something gone) held
the process for good, deaf to Ctrl+C and SIGTERM. Now the exit watch (run_signals.watch_exit) ends it after its grace,
saying so, with a status of its own where the run's was 0 (EXIT_CUT_OFF). The grace is shortened for the test
(EXIT_GRACE_ENV), yet long enough for the exit handlers that run before the stalled one; the stall is real, in a real
exit handler of the run's process, and far longer than any grace. Without a stderr (None), the watch still ends it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from exsampling_patch.commands.run_signals import EXIT_CUT_OFF, EXIT_GRACE_ENV
from tests.stage.helpers import one_node_run

REPO = Path(__file__).resolve().parents[2]

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


def test_a_stalled_exit_handler_is_ended_after_the_grace_with_a_status_of_its_own(tmp_path: Path) -> None:
    run = one_node_run(tmp_path, STALLS_AT_EXIT, "quiet", "quiet", "--for", "0.1", env={EXIT_GRACE_ENV: "2"})
    code = run.wait(120)  # the stall lasts 600 s: only the exit watch ends it in time
    output = run.output() + (tmp_path / "run.log").read_text(encoding="utf-8", errors="replace")
    assert "stopped after" in output, output  # the run's summary, before the exit handlers
    assert "stall over" not in output, output
    # The line and the status alone: whether the stalled handler had said its word by the grace is the host's load
    assert (f"the exit did not end within 2 s (an exit handler stalled: a plugin's atexit handler, or output nobody "
            f"reads): ended without it, with status {EXIT_CUT_OFF} (the run's own, 0, would say all went well)"
            in output), output
    assert code == EXIT_CUT_OFF, output  # the run ended well by --for: its 0 would hide the cut-off


#: A process whose sys.stderr is None and whose exit stalls: the exit watch ends it all the same.
NO_STDERR = f"""
import os, sys, threading
os.environ[{EXIT_GRACE_ENV!r}] = "0.2"
from exsampling_patch.commands.run_signals import watch_exit
sys.stderr = None
watch_exit(7)
threading.Event().wait(600)  # a stalled exit handler
"""


def test_the_exit_watch_ends_a_stalled_exit_without_a_stderr() -> None:
    # The AttributeError of None's fileno() ended the watch's thread before its os._exit: the wait ran its 600 s
    ended = subprocess.run([sys.executable, "-c", NO_STDERR], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert ended.returncode == 7, ended
    assert "the exit did not end within 0.2 s" in ended.stderr, ended  # descriptor 2, open here, took the line


def test_quit_at_once_ends_the_process_without_a_stderr() -> None:
    script = ("import sys\nfrom exsampling_patch.commands.run_signals import quit_at_once\n"
              "sys.stderr = None\nquit_at_once(15)\n")
    ended = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert ended.returncode == 128 + 15, ended
    assert "quit at once:" in ended.stderr, ended
