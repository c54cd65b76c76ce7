"""A pattern stopped: the notes it sent ahead (up to a lookahead) for after the stop do not sound, in the sampler nor
through midi_out, and the notes sounding at the stop end there."""

from __future__ import annotations

import os
import threading
import time
from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import clock as clocks
from exsampling_patch.nodes.pattern import Pattern, parse_patterns
from exsampling_patch.nodes.sampler.ring import NOTE_ON

from .helpers import sine_take


class Forward(NodeContext):
    """The pattern's context: what it sends goes to ``to`` (the sampler's or midi_out's midi input), as the engine
    would deliver it, and is kept."""

    def __init__(self, to: Any) -> None:
        super().__init__()
        self.to = to

    def emit(self, node_id: str, port: str, message: Any) -> None:
        super().emit(node_id, port, message)
        self.to.on_midi(message)


def play_then_stop(pattern: Pattern) -> list[Any]:
    """Run the groove a while, stop it with play 0, and return what it sent."""
    pattern.start()
    try:
        time.sleep(0.4)
        pattern.handle("control", ControlValue("play", 0.0))
        deadline = time.monotonic() + 10
        while pattern._next_step is not None and time.monotonic() < deadline:  # the scheduler has seen the stop
            time.sleep(0.001)
        assert pattern._next_step is None
    finally:
        pattern.stop()
    return [m for port, m in pattern.context.emitted if port == "midi"]


def cancel_time(sent: list[Any]) -> float:
    cancels = [m for m in sent if m.type == "control_change" and m.control == 123]
    assert [m.channel for m in cancels] == [0], cancels  # one per channel played
    return float(cancels[0].time)


def render_hits(sampler: Any, due: list[float]) -> tuple[float, int, list[int]]:
    """Render the sampler's core block by block on the notes' clock, from just before the first note ``due`` to
    0.3 s after the last: (that first time, the core's frame it began at, each note-on's frame in order)."""
    core, rate, block = sampler.core, sampler.sample_rate_used, 256
    out = np.zeros((block, 2), np.float32)
    first, frame0 = min(due) - 0.01, core.frame
    for b in range(int((max(due) + 0.3 - first) * rate) // block):
        core.render(out, at=first + b * block / rate)
    frames = sorted(frame for kind, _, _, velocity, _, frame, _ in sampler.state.played.take()
                    if kind == NOTE_ON and velocity > 0)
    return first, frame0, frames


def test_notes_sent_ahead_for_after_a_stop_do_not_sound_in_the_sampler() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    sampler = Sampler("smp-stop-ahead", {"device": "none", "virtual_port": "", "release_ms": 2.0}, NodeContext())
    sampler.start()
    try:
        sampler.on_assign(SlotAssignment("HH", sine_take(440.0, rate=48000)))
        # 16ths at 240 BPM (62.5 ms) a lookahead of 100 ms ahead: one or two steps are out at the stop
        sent = play_then_stop(Pattern("pat-stop-ahead", {"patterns": {"HH": "x"}, "tempo": 240.0,
                                                          "lookahead_ms": 100.0}, Forward(sampler)))
        stop = cancel_time(sent)
        due = [float(m.time) for m in sent if m.type == "note_on"]
        before, after = [d for d in due if d <= stop], [d for d in due if d > stop]
        assert before and after, (due, stop)  # some were due after the stop: sent ahead
        first, frame0, frames = render_hits(sampler, due)
        started = [first + (frame - frame0) / sampler.sample_rate_used for frame in frames]
        assert len(started) == len(before), (started, before, after)
        assert max(started) <= stop
        assert not sampler.core.active.any()  # what sounded at the stop ended there
    finally:
        sampler.stop()


@pytest.mark.jack
def test_notes_sent_ahead_for_after_a_stop_do_not_go_out_of_midi_out() -> None:
    from exsampling_patch.nodes.midi import MidiIn, MidiOut

    tag = os.getpid()
    out = MidiOut("mout-stop-ahead", {"virtual_port": f"exs-stop-ahead-{tag}", "api": "UNIX_JACK"})
    out.start()
    daw = MidiIn("daw-stop-ahead", {"virtual_port": "", "port": f"exs-stop-ahead-{tag}", "api": "UNIX_JACK"})
    daw.start()
    try:
        assert out.keeper.wait_open(10)
        daw.keeper.poll_seconds = 0.1
        assert daw.keeper.wait_open(10), daw.context.errors
        sent = play_then_stop(Pattern("pat-stop-out", {"patterns": {"HH": "x"}, "tempo": 240.0,
                                                        "lookahead_ms": 100.0}, Forward(out)))
        time.sleep(0.3)  # past every time sent
    finally:
        daw.stop()
        out.stop()
    stop = cancel_time(sent)
    due = [float(m.time) for m in sent if m.type == "note_on"]
    before = [d for d in due if d <= stop]
    assert before and len(before) < len(due), (due, stop)
    heard = [m.type for port, m in daw.context.emitted]
    assert heard.count("note_on") == len(before), heard
    assert heard.count("note_off") == len(due)  # every note sent ends, at the latest at the stop
    assert heard[-1] == "note_off", heard  # the last note-on's: nothing begins after the stop


def hits_played(pattern: Pattern, sampler: Any) -> tuple[int, list[int], int]:
    """What ``sampler`` plays of the note-ons ``pattern`` sent it (:func:`render_hits`): the core's frame it began at,
    each note-on's frame, and the sampler's rate; stops the sampler."""
    try:
        sent = [m for port, m in pattern.context.emitted if port == "midi"]
        due = [float(m.time) for m in sent if m.type == "note_on"]
        _, frame0, frames = render_hits(sampler, due)
        rate = sampler.sample_rate_used
    finally:
        sampler.stop()
    return frame0, frames, rate


def test_a_master_started_again_does_not_double_the_new_step_0() -> None:
    """A start while playing is step 0 again, on its time: the step the old run had sent ahead for then (or just
    after) played too, two hits a few milliseconds apart."""
    import mido

    from exsampling_patch.nodes.sampler import Sampler

    sampler = Sampler("smp-again-ahead", {"device": "none", "virtual_port": "", "release_ms": 2.0}, NodeContext())
    sampler.start()
    pattern = Pattern("pat-again-ahead", {"patterns": {"HH": "x"}, "follow_midi_clock": True,
                                          "lookahead_ms": 100.0}, Forward(sampler))
    tick = 60 / 240 / 24  # 16ths at 240 BPM: a step every 6 ticks, 62.5 ms
    try:
        sampler.on_assign(SlotAssignment("HH", sine_take(440.0, rate=48000)))
        pattern.start()
        at = time.perf_counter()
        for what, ticks in (("clock", 12), ("start", 24), ("start", 24), ("stop", 0)):  # again on a step's time
            if what != "clock":
                pattern.handle("sync", mido.Message(what))
            for _ in range(ticks):
                at += tick
                time.sleep(max(0.0, at - time.perf_counter()))
                pattern.handle("sync", mido.Message("clock"))
        time.sleep(0.05)
    finally:
        pattern.stop()
    frame0, frames, rate = hits_played(pattern, sampler)
    assert frame0 == 0 and len(frames) >= 8, frames
    gaps = np.diff(frames) / rate
    # one hit a step, never two for one: a doubled step 0 is two hits within a millisecond (0.0-0.2 ms). The ticks
    # come from this thread's sleeps, and on a loaded machine one woken late moves the line they make, and a step
    # with it, by more than a JACK period (45.4 ms for 62.5 once): half a step tells the one from the other.
    assert gaps.min() > 0.5 * 6 * tick, np.round(gaps * 1000, 1)


def test_a_beat_jumping_back_does_not_double_the_steps_sent_ahead() -> None:
    """A Link session's beat jumped back (a peer moved it): the node goes on from the step the beat is at, and the
    steps it had sent ahead on the old beats played too, two hits on one time where the grids met. Here its own
    timeline moves its beat 0 a bar later, as a session's would move: the same path in the scheduler."""
    from exsampling_patch.nodes.sampler import Sampler

    sampler = Sampler("smp-jump-ahead", {"device": "none", "virtual_port": "", "release_ms": 2.0}, NodeContext())
    sampler.start()
    # 16ths at 240 BPM (62.5 ms), sent 300 ms ahead: the steps sent again after the jump meet 2 or 3 sent before
    pattern = Pattern("pat-jump-ahead", {"patterns": {"HH": "x"}, "tempo": 240.0, "lookahead_ms": 300.0},
                      Forward(sampler))
    try:
        sampler.on_assign(SlotAssignment("HH", sine_take(440.0, rate=48000)))
        pattern.start()
        time.sleep(0.6)
        clock = pattern.timeline.capture()
        assert isinstance(pattern.timeline, clocks.LocalTimeline)
        pattern.timeline.set_origin(clock.time_at(0.0) + 4 * 60 / 240.0)  # a bar back, on the same grid of times
        time.sleep(0.6)
    finally:
        pattern.stop()
    frame0, frames, rate = hits_played(pattern, sampler)
    assert frame0 == 0 and len(frames) >= 12, frames
    gaps = np.diff(frames) / rate
    assert gaps.min() > 0.8 * 60 / 240 / 4, np.round(gaps * 1000, 1)  # one hit a step, never two together


class JumpsBack(Pattern):
    """A pattern whose session's beat jumps back a bar once ``jump`` is set, and whose slot starts to play there:
    done on the scheduler's own thread, between two of its looks ahead, so no step of the old beats plays a hit."""

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.jump, self.jumped = threading.Event(), False

    def _schedule(self, now: float, clock: clocks.BeatClock) -> clocks.BeatClock:
        if self.jump.is_set() and not self.jumped:
            self.jumped = True
            assert isinstance(self.timeline, clocks.LocalTimeline)
            self.timeline.set_origin(clock.time_at(0.0) + 4 * 60 / 240.0)  # a bar back, on the same grid of times
            clock = self.timeline.capture()
            self._patterns = parse_patterns({"HH": "x"}, self.slots, self.root_note)
        return super()._schedule(now, clock)


def test_after_a_jump_back_from_rests_the_steps_go_on_their_own_times() -> None:
    """Only rests were sent before the beat jumped back: nothing to void, and what was sent was left as it was;
    the steps after the jump came after the last rest sent ahead, squeezed 0.1 ms apart (a flam of 2 or 3 hits)."""
    pattern = JumpsBack("pat-jump-rests", {"patterns": {"HH": "."}, "tempo": 240.0, "lookahead_ms": 300.0},
                        NodeContext())
    pattern.start()
    try:
        time.sleep(0.5)
        pattern.jump.set()
        time.sleep(0.6)
    finally:
        pattern.stop()
    assert pattern.jumped
    due = [float(m.time) for port, m in pattern.context.emitted if port == "midi" and m.type == "note_on"]
    assert len(due) >= 8, due
    gaps = np.diff(due)
    assert gaps.min() == pytest.approx(60 / 240 / 4, abs=1e-6), np.round(gaps * 1000, 2)  # one step apart, each
