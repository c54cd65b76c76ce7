"""Run by tests/core/test_inherited_signals.py in a pytest started with SIGINT, SIGHUP and SIGTERM ignored (as a
background job of a script, under nohup): a command a test starts and signals ends on the signal all the same, as
the Ctrl+C, hang-up and stop tests need. Not collected in the suite's own run (its name is no test file's)."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path

import pytest


def _ignored(pid: int) -> int:
    """The mask of the signals process ``pid`` ignores (its /proc status' SigIgn)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return int(line.split()[1], 16)
    raise AssertionError(f"no SigIgn in /proc/{pid}/status")


def test_this_pytest_has_pythons_ctrl_c_handler() -> None:
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


@pytest.mark.parametrize("number", [signal.SIGINT, signal.SIGHUP, signal.SIGTERM], ids=lambda n: n.name)
def test_a_command_started_here_ends_on_the_signal(number: signal.Signals) -> None:
    child = subprocess.Popen(["sleep", "60"])  # returns once it is sleep: its dispositions are its own now
    try:
        # Ignored, the signal would be dropped and the wait below run out: asked first, a failure says so at once.
        assert not _ignored(child.pid) & (1 << (number - 1)), f"{number.name} ignored by the command started"
        child.send_signal(number)
        assert child.wait(timeout=60) == -number
    finally:
        child.kill()
        child.wait()
