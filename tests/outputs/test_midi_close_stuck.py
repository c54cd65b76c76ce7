"""A MIDI input closed while its callback is held past the close's bound (see :mod:`.midi_close_stuck_cases`): the
close returns within the bound, unlinks the stuck client's port at once, deletes the client once the callback
returns, and a reopen under the same name is that name again, linked without a false warning, and hears MIDI.
Each in a process of its own under a timeout: a hang fails the test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: Each case takes 1-3 s on a loaded 2-core machine; a hang is a process that never ends.
TIMEOUT = 40.0

pytestmark = pytest.mark.jack


def run_case(case: str) -> str:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_XDIST")}
    try:
        done = subprocess.run([sys.executable, "-m", "tests.outputs.midi_close_stuck_cases", case], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as hung:
        raise AssertionError(f"{case} hung after: {(hung.stdout or b'')[-2000:]!r}") from None
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return done.stdout


def test_a_stuck_input_is_unlinked_then_deleted_and_its_name_reopens_clean() -> None:
    said = run_case("reopen")
    assert said == ("link: ok\nclose bounded: True\nstuck ports: none\nreopened as: True\nlink again: ok\n"
                    "heard again: True stuck left: 0\n"), said


def test_keepers_stuck_in_callbacks_close_outside_the_lock_and_stop_together_within_the_bound() -> None:
    said = run_case("stop")
    assert said == "lock free while closing: True\nstopped within bound: True\n", said
