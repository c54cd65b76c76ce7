"""Arrival times of a MIDI input read from rtmidi's queue (exsampling_patch/midi_reader.py): rtmidi's delta times,
measured as each message came, anchored to ``time.perf_counter()`` by the looks that saw them soonest."""

from __future__ import annotations

import pickle

import mido
import pytest

from exsampling_patch.midi_reader import DRIFT, ArrivalClock, ArrivedMessage, arrival_of


def test_a_burst_read_late_keeps_the_spacing_it_came_with() -> None:
    """Ten ticks 20 ms apart, queued while the GIL was held, read at once 0.2 s on: stamped as read, they were ten
    ticks at the same time."""
    clock = ArrivalClock()
    assert clock.arrival(0.0, 10.0) == 10.0  # the first, read at once
    burst = [clock.arrival(0.02, 10.2) for _ in range(10)]
    assert burst == pytest.approx([10.0 + 0.02 * n for n in range(1, 11)], abs=DRIFT * 0.2)  # drift allowed for


def test_a_look_sooner_than_any_before_moves_the_arrivals_earlier() -> None:
    """The first message read 0.1 s late (the GIL held): its arrival is then taken as when it was read; the next,
    read at once, shows the offset, and from it on each arrival is its own."""
    clock = ArrivalClock()
    assert clock.arrival(0.0, 5.1) == 5.1
    assert clock.arrival(0.05, 5.05 + 0.001) == pytest.approx(5.051)  # read 1 ms after it came
    assert clock.arrival(0.05, 5.2) == pytest.approx(5.101, abs=DRIFT * 0.15)  # read late, placed where it came


def test_an_arrival_is_never_after_it_was_read_and_follows_a_clock_running_apart() -> None:
    """rtmidi's clock (JACK's: CLOCK_MONOTONIC_RAW) may run slower than ours: the offset rises, by DRIFT a second at
    most, never past what a look saw."""
    clock = ArrivalClock()
    clock.arrival(0.0, 0.0)
    now = 0.0
    for _ in range(100):  # one a second, rtmidi's clock 100 ppm slow, each read at once
        now += 1.0
        assert clock.arrival(1.0 - 1e-4, now) <= now
    assert clock.arrival(1.0 - 1e-4, now + 1.0) == pytest.approx(now + 1.0, abs=DRIFT)


def test_an_arrived_message_is_the_message_and_keeps_its_time_through_pickling() -> None:
    message = ArrivedMessage.from_bytes([0x90, 60, 100])
    object.__setattr__(message, "arrived", 12.5)
    assert message == mido.Message("note_on", note=60, velocity=100)
    again = pickle.loads(pickle.dumps(message))  # as it goes to a sampler's process
    assert again == message and arrival_of(again) == 12.5
    assert arrival_of(message.copy(velocity=1)) is None  # a changed copy is another message, not when it came
    assert arrival_of(mido.Message("clock")) is None
