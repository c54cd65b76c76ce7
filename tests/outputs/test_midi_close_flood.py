"""Closing a MIDI input while MIDI floods it, or while its ``on_message`` is held: the close never hangs.

With a callback on python-rtmidi's JACK thread, taking the GIL, deleting the JACK client while that thread waited
for the GIL hung the process for ever (8 runs of 10 here within 30 closes, before a close waited for the thread). No
Python runs on that thread now (exsampling_patch/midi_reader.py): a close is a plain close. Each in a process of its
own, under a timeout: a hang fails the test, and leaves the run going."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CLOSES = 30
#: The 30 closes take 4-9 s on a loaded 2-core machine; a hang is a process that never ends.
TIMEOUT = 60.0
#: The held close takes 1-3 s in all; a hang is a process that never ends.
SLOW_TIMEOUT = 30.0

pytestmark = pytest.mark.jack


def test_inputs_closed_under_a_flood_of_midi_close_and_the_process_goes_on() -> None:
    try:
        done = subprocess.run([sys.executable, "-m", "tests.outputs.midi_close_flood", str(CLOSES)], cwd=REPO,
                              capture_output=True, text=True, timeout=TIMEOUT)
    except subprocess.TimeoutExpired as hung:
        out = (hung.stdout or b"")[-2000:]
        raise AssertionError(f"closing a flooded MIDI input hung the process after: {out!r}") from None
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert f"closed {CLOSES}\n" in done.stdout, done.stdout[-500:]


def test_an_input_closed_while_its_on_message_is_held_closes_at_once_and_its_name_reopens_clean() -> None:
    """A node stuck in what it does with a message: the close is bounded, the client goes at once (a reopen under the
    same name was JACK's ``name-01`` while it stayed, and what connects by name reached the dead one), and the input
    opened again hears MIDI."""
    try:
        done = subprocess.run([sys.executable, "-m", "tests.outputs.midi_close_flood", "held"], cwd=REPO,
                              capture_output=True, text=True, timeout=SLOW_TIMEOUT)
    except subprocess.TimeoutExpired as hung:
        raise AssertionError(f"closing a held input hung the process after: {(hung.stdout or b'')[-2000:]!r}") from None
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert done.stdout == ("link: ok\nclose bounded: True\nclient left: none\nlink again: ok\nheard again: True\n"), \
        done.stdout[-500:]
