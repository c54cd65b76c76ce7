"""scripts/xvfb.sh: a DISPLAY that no X server answers on is replaced by an Xvfb of the run's own, and the Xvfb it
starts ends with the shell that started it, even one killed (SIGKILL runs no trap)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
needs_xvfb = pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xdotool") is None,
                                reason="needs Xvfb and xdotool")


def running(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie is gone: it only waits for its parent to reap it)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def free_display() -> str:
    """A display number no server holds here, drawn at random so that two runs of these tests at once do not meet."""
    return f":{random.choice([n for n in range(900, 1000) if not Path(f'/tmp/.X11-unix/X{n}').exists()])}"


@needs_xvfb
def test_a_display_no_server_answers_on_is_said_and_replaced_by_an_xvfb_of_its_own() -> None:
    """Before: a stale DISPLAY was trusted, and every editor test failed on it, far from the cause."""
    stale = free_display()
    script = 'source scripts/xvfb.sh; echo "$DISPLAY $(xdotool getdisplaygeometry)"; kill "${_started_pids[@]}"; wait'
    done = subprocess.run(["bash", "-c", script], cwd=REPO, env=os.environ | {"DISPLAY": stale}, capture_output=True,
                          text=True, timeout=60)
    display, *size = done.stdout.split()
    assert display != stale and size == ["1280", "1024"], (done.stdout, done.stderr)
    assert f"no X server answers on DISPLAY={stale}; starting an Xvfb of this run's own" in done.stderr, done.stderr


@pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("setpriv") is None, reason="needs Xvfb and setpriv")
def test_a_runs_xvfb_ends_with_its_shell_even_killed() -> None:
    """Before: a services shell killed (SIGKILL, with a pytest that hung) left its Xvfb running for good."""
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    # exec: the shell's process goes on as sleep; killing it kills the shell that started Xvfb, and leaves nothing.
    script = 'source scripts/xvfb.sh; echo "${DISPLAY:-none} ${_started_pids[0]:-0}"; exec sleep 60'
    shell = subprocess.Popen(["bash", "-c", script], cwd=REPO, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        assert shell.stdout is not None
        display, pid = shell.stdout.readline().split()
        xvfb = int(pid)
        assert display != "none" and running(xvfb), (display, pid)
    finally:
        shell.kill()
        shell.wait()
    try:
        deadline = time.monotonic() + 10
        while running(xvfb) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not running(xvfb), "the killed shell's Xvfb still runs"
    finally:
        if running(xvfb):
            os.kill(xvfb, signal.SIGTERM)
