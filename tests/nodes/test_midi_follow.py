"""The MIDI clock follower's timeline (nodes/midi_follow.py) fed ticks directly, as the engine's worker feeds them."""

from __future__ import annotations

import os
import sys
import time
from types import FrameType
from typing import Any

import mido
import pytest

from exsampling_patch.midi_ports import PortKeeper, backend
from exsampling_patch.midi_reader import arrival_of
from exsampling_patch.nodes.midi_follow import MidiClockTimeline
from exsampling_patch.nodes.tick_line import TickLine
from tests.waiting import wait_for


def test_a_tempo_change_is_looked_for_outside_the_lock_the_scheduler_captures_by() -> None:
    """Each tick asks whether the master changed tempo: dozens of small least-squares solves, a millisecond or more a
    tick on a busy host. They ran holding the lock the pattern's scheduler takes for every capture of the clock, so
    the scheduler waited for them to send its steps. They run on a copy of the line now, put in under the lock."""
    timeline = MidiClockTimeline(120.0, 4.0)
    held: list[bool] = []
    looked_for = {TickLine._change.__code__, TickLine._bend.__code__, TickLine._stepped.__code__}

    def watch(frame: FrameType, event: str, arg: Any) -> None:
        if event == "call" and frame.f_code in looked_for:
            held.append(timeline._lock.locked())

    timeline.feed(mido.Message("start"), 0.0)
    at = 0.0
    sys.setprofile(watch)
    try:
        for bpm in [120.0] * 96 + [60.0] * 48:  # a change: bends looked for and found
            timeline.feed(mido.Message("clock"), at)
            at += 60.0 / bpm / 24
    finally:
        sys.setprofile(None)
    assert timeline._ticks.changes == 1
    assert held and not any(held)
    assert abs(timeline.capture().tempo - 60.0) < 0.5  # the change found, and put in


def test_a_continue_sent_again_while_playing_is_no_new_start() -> None:
    """A continue while the master plays (a DAW's play pressed twice, a MIDI merger doubling it) was a new start from
    the tick it came on: the groove voided the steps it had sent ahead, a midi_clock's slave got a stop and a
    continue. The master plays on: so does the clock, on the same ticks."""
    timeline = MidiClockTimeline(120.0, 4.0)
    tick = 60.0 / 120.0 / 24
    at = 0.0
    for _ in range(24):  # its clock running while stopped
        timeline.feed(mido.Message("clock"), at)
        at += tick
    timeline.feed(mido.Message("songpos", pos=8), at)
    timeline.feed(mido.Message("continue"), at)
    for _ in range(31):  # a beat and a tick on from beat 2
        timeline.feed(mido.Message("clock"), at)
        at += tick
    # its snapshot as the scheduler captures it (capture() reads ticks at these made-up times as a master gone)
    before = timeline._clock
    timeline.feed(mido.Message("continue"), at)  # again, mid-sixteenth
    assert timeline.starts == 1 and timeline.transport()[:3] == (True, 1, 2.0)
    assert timeline._clock == before  # the same line: nothing to send again
    for _ in range(6):
        timeline.feed(mido.Message("clock"), at)
        at += tick
    clock = timeline._clock
    assert clock.playing and clock.start_beat == 2.0
    assert clock.beat_at(at - tick) == pytest.approx(2.0 + 36 / 24)  # its ticks counted on from where they were


@pytest.mark.jack
def test_a_continue_after_a_silence_goes_on_from_the_last_tick_heard() -> None:
    """A master stopped while its cable was out: its stop unheard, its continue came while the clock still played.
    Taken for a continue sent again, it was left alone, and its next tick counted the whole silence as played: the
    groove came back off by the gap. Through a real JACK MIDI port, as the node hears it."""
    timeline = MidiClockTimeline(240.0, 4.0)
    name = f"exs-lost-stop-{os.getpid()}"
    master = backend("UNIX_JACK").open_output(name, virtual=True, client_name=name)
    keeper = PortKeeper("input", port=name, client_name=f"{name}-in", api="UNIX_JACK", poll_seconds=0.05,
                        on_message=lambda message: timeline.feed(message, time.perf_counter()))
    keeper.start()
    try:
        assert keeper.wait_open(10.0), keeper._last_error
        master.send(mido.Message("start"))
        for _ in range(24):  # a beat at 240 BPM
            sent = time.perf_counter()  # before it goes: it arrives after
            master.send(mido.Message("clock"))
            time.sleep(60.0 / 240.0 / 24)
        assert wait_for(lambda: timeline.last_tick() >= sent)
        # its stop lost: the clock plays on until the silence shows
        assert wait_for(lambda: timeline.gone_since(time.perf_counter()) is not None)
        stopped_at = timeline._next  # the song position its next tick has (24, or more after a stall counted)
        sent = time.perf_counter()
        master.send(mido.Message("continue"))
        master.send(mido.Message("clock"))
        assert wait_for(lambda: timeline.last_tick() >= sent)
    finally:
        keeper.stop()
        master.close()
    assert timeline.transport()[:3] == (True, 2, stopped_at / 24)  # a new start, from where it stopped
    assert timeline._clock.beat0 == stopped_at / 24  # its first tick there, not the silence's ticks on


class JackMaster:
    """A master on a JACK MIDI port of its own, heard by ``timeline`` through a real input port, each message at its
    arrival (as the pattern node feeds it)."""

    def __init__(self, timeline: MidiClockTimeline, name: str) -> None:
        self.timeline = timeline
        self.clocks_fed = 0
        self.port = backend("UNIX_JACK").open_output(name, virtual=True, client_name=name)
        self.keeper = PortKeeper("input", port=name, client_name=f"{name}-in", api="UNIX_JACK", poll_seconds=0.05,
                                 on_message=self._feed)
        self.keeper.start()

    def _feed(self, message: Any) -> None:
        arrived = arrival_of(message)
        self.timeline.feed(message, time.perf_counter() if arrived is None else arrived)
        if message.type == "clock":
            self.clocks_fed += 1

    def ticks(self, count: int, bpm: float = 240.0) -> None:
        """Send ``count`` clock ticks at ``bpm``; return once the last is fed. Counted, not timed: arrival times are
        rebuilt from rtmidi's deltas, so a tick before the last could read as arrived after the last was sent (CI
        once read 107 ticks counted of 108 so)."""
        expected = self.clocks_fed + count
        for _ in range(count):
            self.port.send(mido.Message("clock"))
            time.sleep(60.0 / bpm / 24)
        assert wait_for(lambda: self.clocks_fed >= expected)

    def close(self) -> None:
        self.keeper.stop()
        self.port.close()


@pytest.mark.jack
def test_a_continue_after_a_song_position_goes_there_though_the_stop_was_lost() -> None:
    """A DAW that sends its clock while stopped: its stop lost, its song position (taken only while stopped) and its
    continue (taken for one sent again: ticks came between) were dropped, and the stopped ticks counted as played.
    The groove went on 24 ticks off the master's song position; it goes on from it now."""
    timeline = MidiClockTimeline(240.0, 4.0)
    master = JackMaster(timeline, f"exs-spp-lost-stop-{os.getpid()}")
    try:
        assert master.keeper.wait_open(10.0), master.keeper._last_error
        master.ticks(24)  # its clock running while stopped
        master.port.send(mido.Message("start"))
        master.ticks(48)  # two beats, then its stop (lost) and a beat stopped
        master.ticks(24)
        master.port.send(mido.Message("songpos", pos=4))  # on from beat 1
        master.port.send(mido.Message("continue"))
        master.ticks(1)
    finally:
        master.close()
    assert timeline.transport()[:3] == (True, 2, 1.0)  # a new start, from the song position
    assert timeline._clock.beat0 == 1.0  # its first tick there, not the stopped ticks on


@pytest.mark.jack
def test_a_continue_a_bar_after_the_last_start_is_the_masters_own() -> None:
    """A master that sends its clock while stopped and no song position: its stop lost, its continue came amid ticks
    (no silence) and was dropped as one sent again. A doubled continue comes within a tick or two of the first (a
    play pressed twice within a second); one a bar or more after the last start is the master going on: a start."""
    timeline = MidiClockTimeline(240.0, 4.0)
    master = JackMaster(timeline, f"exs-lost-stop-ticking-{os.getpid()}")
    try:
        assert master.keeper.wait_open(10.0), master.keeper._last_error
        master.port.send(mido.Message("start"))
        master.ticks(96 + 12)  # a bar and a half beat, its stop lost amid them
        went_on = timeline._next
        master.port.send(mido.Message("continue"))
        master.ticks(1)
    finally:
        master.close()
    assert timeline.transport()[:3] == (True, 2, went_on / 24)  # a new start (steps and a slave go again from it)
    assert timeline._clock.beat0 == went_on / 24
