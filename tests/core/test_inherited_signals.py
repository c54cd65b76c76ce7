"""A test run started with the stop signals ignored (`(setsid nohup bash scripts/test.sh > log 2>&1 &)`: a script's
background job ignores SIGINT, nohup SIGHUP) runs its signal tests as one started from a terminal does.

Ignored dispositions outlive exec: every command the tests started and signalled ignored them too, and the whole
suite started so failed 11 of them (the Ctrl+C, hang-up and cache-lock tests). tests/conftest.py puts them back at
each test process's start. Here a pytest is started with them ignored, on one small file of cases."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _ignore_stop_signals() -> None:
    # In the child, before exec: as a non-interactive shell starts a background job, and as nohup does
    for number in (signal.SIGINT, signal.SIGHUP, signal.SIGTERM):
        signal.signal(number, signal.SIG_IGN)


def test_a_run_started_with_the_stop_signals_ignored_signals_its_commands_all_the_same() -> None:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:xdist", "-p", "no:cacheprovider",
                           "tests/core/ignored_signal_cases.py"], cwd=REPO, capture_output=True, text=True,
                          timeout=120, preexec_fn=_ignore_stop_signals)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "4 passed" in done.stdout, done.stdout[-2000:]
