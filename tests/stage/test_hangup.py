"""The terminal a show was started from closes (a laptop lid, an ssh session dropped): the run gets SIGHUP and
its terminal's writes fail with EIO. It must stop as on Ctrl+C, and what the console says goes on in the log."""

from __future__ import annotations

import os
import pty
import select
import sys
import time
from pathlib import Path

from tests.stage.helpers import EXE, REPO
from tests.stage.test_exit import folder_patch


def read_until(fd: int, text: bytes, timeout: float) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while text not in seen:
        assert time.monotonic() < deadline, f"no {text!r} in {timeout} s: {seen.decode(errors='replace')}"
        if select.select([fd], [], [], 0.2)[0]:
            seen += os.read(fd, 4096)
    return seen


def wait_exit(pid: int, timeout: float) -> int:
    """The exit status, or the negative signal number that ended the process."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.WEXITSTATUS(status) if os.WIFEXITED(status) else -os.WTERMSIG(status)
        time.sleep(0.05)
    os.kill(pid, 9)
    os.waitpid(pid, 0)
    raise AssertionError(f"still running {timeout} s after its terminal closed")


def test_a_run_whose_terminal_closes_stops_cleanly_and_logs_the_rest(tmp_path: Path) -> None:
    patch, log = folder_patch(tmp_path), tmp_path / "run.log"
    pid, terminal = pty.fork()  # the child leads a session whose controlling terminal is the pty
    if pid == 0:
        os.chdir(REPO)
        os.execv(sys.executable, [*EXE, "run", str(patch), "--show-log", "none", "--log", str(log)])
    try:
        read_until(terminal, b"Ctrl+C stops", 60.0)
    finally:
        os.close(terminal)  # the terminal is gone: SIGHUP to the session's leader, EIO on its writes
    code = wait_exit(pid, 30.0)
    assert code == 129, f"ended with {code}: {log.read_text(errors='replace')}"  # 128 + SIGHUP, after its stop
    said = log.read_text(encoding="utf-8")
    assert "the terminal is gone" in said and "stopped after" in said, said
    # Said for what came: "Ctrl+C again" named a key of a terminal that is gone.
    assert "stopping: the terminal was closed (SIGHUP; a second signal quits at once;" in said, said
    assert "Ctrl+C again" not in said, said
    assert "Traceback" not in said, said
