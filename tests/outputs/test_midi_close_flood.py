"""Closing a MIDI input while MIDI floods it: python-rtmidi's JACK thread runs the callback, taking the GIL, and
mido's close deleted the JACK client with the GIL held. A thread waiting for the GIL there was cancelled by
``jack_client_close``, and the process hung for ever (once in tests/outputs/test_pattern_rerun_clock.py). Without
:func:`exsampling_patch.midi_ports.close_port`, 8 runs of 10 here hung (or crashed) within 30 closes, most by the
17th; not every run: the test catches the bug often, not always. A process of its own, under a timeout: a hang fails
the test, and leaves the run going."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLOSES = 30
#: The 30 closes take 4-9 s on a loaded 2-core machine; a hang is a process that never ends.
TIMEOUT = 60.0
#: The slow close takes 0.3-1 s; a hang is a process that never ends.
SLOW_TIMEOUT = 30.0

pytestmark = pytest.mark.jack


def test_inputs_closed_under_a_flood_of_midi_close_and_the_process_goes_on() -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_XDIST")}
    try:
        done = subprocess.run([sys.executable, "-m", "tests.outputs.midi_close_flood", str(CLOSES)], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as hung:
        out = (hung.stdout or b"")[-2000:]
        raise AssertionError(f"closing a flooded MIDI input hung the process after: {out!r}") from None
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"closed {CLOSES}\n" in done.stdout, done.stdout[-500:]


def test_an_input_closed_inside_a_slow_callback_waits_for_it_to_end() -> None:
    """The close waited 50 ms for rtmidi's thread to leave the callback, then deleted the client: a callback slower
    than that (0.3 s of Python here) had JACK cancel its thread waiting for the GIL, and the process hung (3 runs of
    3). The close waits now until the callback is seen out."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_XDIST")}
    try:
        done = subprocess.run([sys.executable, "-m", "tests.outputs.midi_close_flood", "slow"], cwd=REPO,
                              env=env, capture_output=True, text=True, timeout=SLOW_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise AssertionError("closing an input inside its slow callback hung the process") from None
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout == "closed after the callback\n", done.stdout[-500:]
