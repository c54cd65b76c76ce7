"""Two senders on one channel of the sampler's ``midi`` input: a pattern that stops voids its own notes sent ahead and
ends its own sounding ones, not another pattern's hits sent ahead on that channel, nor a keyboard's held note."""

from __future__ import annotations

import os
import time
from typing import Any

import mido
import numpy as np
import pytest

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.pattern import Pattern
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.nodes.sampler.ring import NOTE_ON

from .helpers import sine_take
from .test_pattern_stop import Forward

KEYBOARD, LOW, HIGH = 48, 60, 72  # the notes of the keyboard, of pattern A and of pattern B, all on channel 1 (HH)


def stop(pattern: Pattern) -> None:
    pattern.handle("control", ControlValue("play", 0.0))
    deadline = time.monotonic() + 10
    while pattern._next_step is not None and time.monotonic() < deadline:  # the scheduler has seen the stop
        time.sleep(0.001)
    assert pattern._next_step is None


def sent(pattern: Pattern) -> tuple[list[float], float]:
    """The times of the note-ons ``pattern`` sent, and of its cancel (its all-notes-off on channel 1)."""
    messages = [m for port, m in pattern.context.emitted if port == "midi"]
    cancels = [float(m.time) for m in messages if m.type == "control_change" and m.control == 123]
    assert len(cancels) == 1, cancels
    return [float(m.time) for m in messages if m.type == "note_on"], cancels[0]


def test_a_patterns_stop_voids_its_own_notes_only() -> None:
    sampler = Sampler("smp-senders", {"device": "none", "virtual_port": "", "release_ms": 2.0}, NodeContext())
    sampler.start()
    params: dict[str, Any] = {"tempo": 240.0, "lookahead_ms": 150.0}  # 16ths of 62.5 ms: two or three sent ahead
    a = Pattern("pat-senders-a", {"patterns": {"HH": "x"}, **params}, Forward(sampler))
    b = Pattern("pat-senders-b", {"patterns": {"HH": {"steps": "x", "notes": "+12"}}, **params}, Forward(sampler))
    try:
        sampler.on_assign(SlotAssignment("HH", sine_take(440.0, seconds=10.0, rate=48000)))
        sampler.on_midi(mido.Message("note_on", channel=0, note=KEYBOARD, velocity=100))  # held throughout
        a.start()
        b.start()
        time.sleep(0.4)
        stop(a)  # B's hits sent ahead for after A's stop are in the ring before A's cancel
        time.sleep(0.3)
        stop(b)
    finally:
        a.stop()
        b.stop()
    try:
        (a_due, a_stop), (b_due, b_stop) = sent(a), sent(b)
        assert [d for d in b_due if a_stop < d <= b_stop]  # B had hits to play after A stopped
        core, rate, block = sampler.core, sampler.sample_rate_used, 256
        out = np.zeros((block, 2), np.float32)
        first = min(a_due + b_due) - 0.01
        for n in range(int((max(a_due + b_due) + 0.3 - first) * rate) // block):
            core.render(out, at=first + n * block / rate)
        started: dict[int, list[int]] = {KEYBOARD: [], LOW: [], HIGH: []}
        for kind, _, note, velocity, _, frame, _ in sampler.state.played.take():
            if kind == NOTE_ON and velocity > 0:
                started[note].append(frame)
        keyboard = core.active & (core.note == KEYBOARD)
        keyboard_held = bool((keyboard & ~core.releasing).any())
        still = core.active & ~core.releasing & (core.note != KEYBOARD)
    finally:
        sampler.stop()
    assert len(started[KEYBOARD]) == 1
    assert len(started[LOW]) == len([d for d in a_due if d <= a_stop]), (started[LOW], a_due, a_stop)
    assert len(started[HIGH]) == len([d for d in b_due if d <= b_stop]), (started[HIGH], b_due, a_stop, b_stop)
    assert keyboard_held, "the keyboard's note was ended by a pattern's stop"
    assert not still.any()  # each pattern's notes sounding at its stop ended there


@pytest.mark.jack
def test_a_patterns_stop_drops_its_own_notes_held_in_midi_out_only() -> None:
    from exsampling_patch.nodes.midi import MidiIn, MidiOut

    tag = os.getpid()
    out = MidiOut("mout-senders", {"virtual_port": f"exs-senders-{tag}", "api": "UNIX_JACK"})
    out.start()
    daw = MidiIn("daw-senders", {"virtual_port": "", "port": f"exs-senders-{tag}", "api": "UNIX_JACK"})
    daw.start()
    params: dict[str, Any] = {"tempo": 240.0, "lookahead_ms": 150.0}
    a = Pattern("pat-senders-out-a", {"patterns": {"HH": "x"}, **params}, Forward(out))
    b = Pattern("pat-senders-out-b", {"patterns": {"HH": {"steps": "x", "notes": "+12"}}, **params}, Forward(out))
    try:
        assert out.keeper.wait_open(10)
        daw.keeper.poll_seconds = 0.1
        assert daw.keeper.wait_open(10), daw.context.errors
        a.start()
        b.start()
        time.sleep(0.4)
        stop(a)
        time.sleep(0.3)
        stop(b)
        time.sleep(0.3)  # past every time sent
    finally:
        a.stop()
        b.stop()
        daw.stop()
        out.stop()
    (a_due, a_stop), (b_due, b_stop) = sent(a), sent(b)
    assert [d for d in b_due if a_stop < d <= b_stop]  # B had hits to go out after A stopped
    heard = [m for port, m in daw.context.emitted if m.type == "note_on"]
    assert len([m for m in heard if m.note == LOW]) == len([d for d in a_due if d <= a_stop])
    assert len([m for m in heard if m.note == HIGH]) == len([d for d in b_due if d <= b_stop])
    # each pattern's notes ended with their note-offs; an all-notes-off sent on ended a keyboard's on the channel too
    assert not [m for port, m in daw.context.emitted if m.type == "control_change"]
