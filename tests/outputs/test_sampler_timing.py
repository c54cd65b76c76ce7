"""Timed notes in the sampler's callback: a note stamped with the time it should be heard starts at its frame
within the block it falls in (not at the next block boundary), after the stream's output latency; note-offs
and takes held for a beat wait for their block; the block clock filters the callback's wake-up jitter."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from exsampling_patch.nodes.sampler.core import SamplerCore
from exsampling_patch.nodes.sampler.prepare import SlotBuffer, guard
from exsampling_patch.nodes.sampler.ring import NOTE_OFF, NOTE_ON, EventRing
from exsampling_patch.nodes.sampler.schedule import BlockClock
from exsampling_patch.nodes.sampler.shared import OUTPUT_LATENCY

RATE, BLOCK, T0 = 48000, 512, 1000.0


def dc(level: float) -> SlotBuffer:
    """A second of DC, whose onsets are sharp: loaded as it is, since prepare() would take the DC away."""
    return SlotBuffer(guard(np.full(RATE, level, np.float32)), RATE, 0.0)


def block_core() -> tuple[SamplerCore, EventRing]:
    ring = EventRing()
    core = SamplerCore(8, RATE, rings=[ring], release_ms=1.0)
    core.load(0, dc(0.5))
    core.load(1, dc(-0.25))
    return core, ring


def render(core: SamplerCore, blocks: int, first: int = 0) -> np.ndarray:
    out = np.zeros((BLOCK, 2), np.float32)
    chunks = []
    for b in range(first, first + blocks):
        core.render(out, at=T0 + b * BLOCK / RATE)
        chunks.append(out[:, 0].copy())
    return np.concatenate(chunks)


def onsets(signal: np.ndarray) -> np.ndarray:
    loud = (np.abs(signal) > 1e-3).astype(np.int8)
    return np.flatnonzero(np.diff(np.concatenate([[0], loud])) == 1)


def test_timed_notes_start_at_their_frame_not_at_a_block_boundary() -> None:
    core, ring = block_core()
    times = [0.0123, 0.05, 0.0871, 0.2, 0.3337]
    for t in times:
        ring.push(NOTE_ON, 0, 60, 127, 1.0, T0 + t)
        ring.push(NOTE_OFF, 0, 60, 0, 1.0, T0 + t + 0.02)
    found = onsets(render(core, 40))
    expected = [round(t * RATE) for t in times]
    assert list(found) == expected  # to the frame; a block boundary would have been a multiple of 512
    assert core.state.late_events == 0


def test_output_latency_is_subtracted() -> None:
    core, ring = block_core()
    core.state.clock[OUTPUT_LATENCY] = 0.0213
    ring.push(NOTE_ON, 0, 60, 127, 1.0, T0 + 0.1)
    assert list(onsets(render(core, 20))) == [round((0.1 - 0.0213) * RATE)]


def test_a_note_shorter_than_a_block_still_sounds_and_immediate_notes_are_not_held() -> None:
    core, ring = block_core()
    ring.push(NOTE_ON, 0, 60, 127, 1.0, T0 + 0.0150)
    ring.push(NOTE_OFF, 0, 60, 0, 1.0, T0 + 0.0160)  # both within one block
    ring.push(NOTE_ON, 1, 60, 127, 1.0, 0.0)  # a keyboard's note: at once, behind a timed one in the same ring
    signal = render(core, 10)
    assert signal[3] < 0.0  # slot 1 (negative DC) from the first frame
    assert signal[round(0.015 * RATE) + 150] == pytest.approx(0.25, abs=0.01)  # slot 0 sounds on top, to its end


@pytest.mark.parametrize("before_ms", [0.0, 2.0, 6.0])
def test_a_note_off_just_before_the_next_hit_of_its_note_ends_the_old_note_not_the_new(before_ms: float) -> None:
    """A note-off waits for the block after its time, a note-on starts at its frame: a step's off due within a block
    before the next hit of its note (gate 1, swing, fast steps) ended the new hit too, 3 ms in, not the old one."""
    core, ring = block_core()
    ring.push(NOTE_ON, 0, 60, 127, 1.0, T0 + 0.1)
    ring.push(NOTE_OFF, 0, 60, 0, 1.0, T0 + 0.2 - before_ms / 1000)
    ring.push(NOTE_ON, 0, 60, 127, 1.0, T0 + 0.2)  # frame 9600: 384 frames into its block
    ring.push(NOTE_OFF, 0, 60, 0, 1.0, T0 + 0.3)
    signal = render(core, 40)
    second = round(0.2 * RATE)
    assert np.allclose(signal[second + 48:round(0.3 * RATE)], 0.5, atol=0.01)  # the new hit rings to its own off
    assert np.abs(signal[second - BLOCK // 2:second - 48]).max() < 0.1  # the old one ended before it
    assert np.abs(signal[round(0.3 * RATE) + BLOCK + 48:]).max() < 1e-3  # and its own off ended it
    # as a replay gets it: the old note's off at the new hit's block start, before the hit (at its frame)
    notes = [(kind, frame) for kind, _, _, _, _, frame, _ in core.played.take() if kind in (NOTE_ON, NOTE_OFF)]
    assert notes == [(NOTE_ON, round(0.1 * RATE)), (NOTE_OFF, second - second % BLOCK), (NOTE_ON, second),
                     (NOTE_OFF, (round(0.3 * RATE) // BLOCK + 1) * BLOCK)]


def test_late_events_play_at_once_and_are_counted() -> None:
    core, ring = block_core()
    render(core, 5)
    ring.push(NOTE_ON, 0, 60, 127, 1.0, T0 + 5 * BLOCK / RATE - 0.005)  # 5 ms past: under a block late
    signal = render(core, 2, first=5)
    assert onsets(signal)[0] == 0
    assert core.state.late_events == 1 and core.state.late_dropped == 0


def test_very_late_notes_are_dropped_and_counted_not_stacked() -> None:
    """Steps sent before the stream opened (or during a stall) would all start in one block: a loud flam."""
    core, ring = block_core()
    render(core, 10)
    now = T0 + 10 * BLOCK / RATE
    for late in (0.1, 0.075, 0.05, 0.025):  # long past: dropped
        ring.push(NOTE_ON, 0, 60, 127, 1.0, now - late)
    ring.push(NOTE_ON, 1, 60, 127, 1.0, now - 0.002)  # just past: plays at once
    ring.push(NOTE_ON, 0, 60, 127, 1.0, now + 0.02)  # on time
    signal = render(core, 4, first=10)
    on_time = round(0.02 * RATE)
    assert onsets(signal)[0] == 0
    assert np.allclose(signal[100:on_time], -0.25, atol=0.01)  # slot 1 alone: slot 0's late hits never sounded
    assert signal[on_time + 100] == pytest.approx(0.25, abs=0.01)  # then slot 0's hit on time
    assert core.state.late_dropped == 4 and core.state.late_events == 1


def test_a_note_due_now_plays_at_once_behind_the_output_latency_not_dropped() -> None:
    """A note stamped with the time it is sent ("now": a MIDI clock master's first step, a Link start's step just
    late) can only be heard an output latency later. Under JACK that is 21.3 ms, more than the 20 ms a note may be
    late: every such note was dropped as if from a stall. Only lateness beyond the output latency counts now."""
    core, ring = block_core()
    core.state.clock[OUTPUT_LATENCY] = 0.0213
    render(core, 10)
    now = T0 + 10 * BLOCK / RATE  # block 10's callback
    ring.push(NOTE_ON, 0, 60, 127, 1.0, now - 0.003)  # sent 3 ms ago, for then
    ring.push(NOTE_ON, 1, 60, 127, 1.0, now - 0.1)  # a stall's: still dropped, not stacked
    signal = render(core, 4, first=10)
    assert onsets(signal)[0] == 0 and signal[100] == pytest.approx(0.5, abs=0.01)  # slot 0 alone, at once
    assert core.state.late_events == 1 and core.state.late_dropped == 1


def test_a_take_held_for_its_time_swaps_in_the_block_it_falls_in() -> None:
    core, ring = block_core()
    render(core, 1)  # the first takes are in
    due = T0 + 0.1
    new = dc(0.1)
    from dataclasses import replace

    core.load(0, replace(new, due=due, serial=7))
    ring.push(NOTE_ON, 0, 60, 127, 1.0, T0 + 0.01)
    ring.push(NOTE_ON, 0, 61, 127, 1.0, due)
    signal = np.concatenate([np.zeros(BLOCK, np.float32), render(core, 20, first=1)])
    at = round(0.1 * RATE)
    swap_block = at // BLOCK * BLOCK
    assert signal[swap_block - 10] == pytest.approx(0.5, abs=1e-3)  # the old take until that block
    assert core.loaded_serial[0] == 7
    assert signal[at + 2000] == pytest.approx(0.2, abs=2e-3)  # both voices play the new take


def test_block_clock_filters_wakeup_jitter() -> None:
    clock = BlockClock(RATE)
    rng = random.Random(1)
    period = BLOCK / RATE
    errors = []
    for n in range(3000):
        ideal = 50.0 + n * period
        estimate = clock.tick(ideal + rng.uniform(0.0, 0.002), BLOCK)  # woken up to 2 ms late
        if n > 1000:
            errors.append(estimate - ideal)
    spread = max(errors) - min(errors)
    assert spread < 0.0004, spread  # the raw wake-up times spread over 2 ms


def locked_clock(blocks: int = 2000, seed: int = 2, jitter: float = 0.0003) -> tuple[BlockClock, random.Random, float]:
    """A block clock locked onto callbacks woken up to ``jitter`` late (0.3 ms: a steady machine)."""
    clock, rng, period = BlockClock(RATE), random.Random(seed), BLOCK / RATE
    for n in range(blocks):
        clock.tick(50.0 + n * period + rng.uniform(0.0, jitter), BLOCK)
    return clock, rng, period


@pytest.mark.parametrize("late_ms", [4.0, 8.0, 30.0])
def test_a_late_callback_does_not_move_the_blocks_after_it(late_ms: float) -> None:
    """One callback woken late (the scheduler, a stalled VM): JACK's cycles stay regular, so the blocks after it
    keep their times and a note scheduled in them stays on its frame. Before the fix the loop took a share of
    the lateness and held it for seconds: 4, 8 and 30 ms late moved the following blocks by 0.04, 0.08 and
    0.28 ms."""
    clock, rng, period = locked_clock()
    ideal = lambda n: 50.0 + n * period  # noqa: E731
    before = clock.time - ideal(1999)
    worst = 0.0
    for n in range(2000, 3000):
        late = late_ms / 1000.0 if n == 2000 else rng.uniform(0.0, 0.0003)
        estimate = clock.tick(ideal(n) + late, BLOCK)
        worst = max(worst, abs(estimate - ideal(n) - before))
    assert worst < 0.00003, f"a block moved by {worst * 1000:.3f} ms"  # 1.4 frames


def test_dropped_cycles_move_the_clock_to_the_new_phase_at_once() -> None:
    """The host dropped two cycles (an xrun): the stream's frame count is two blocks behind from then on. The clock
    takes up the new phase after three callbacks instead of slewing over seconds (which placed notes up to
    20 ms off for seconds before the fix)."""
    clock, rng, period = locked_clock()
    before = clock.time - (50.0 + 1999 * period)
    for n in range(2000, 2400):
        estimate = clock.tick(50.0 + (n + 2) * period + rng.uniform(0.0, 0.0003), BLOCK)
        if n >= 2000 + 3:
            assert abs(estimate - (50.0 + (n + 2) * period) - before) < 0.0003, (n, estimate)
    assert clock.rephased == 1


def woken(starts: list[float], first_late: float, rng: random.Random, jitter: float = 0.0001) -> list[float]:
    """When the callbacks of blocks that start at ``starts`` are woken: the first ``first_late`` late, the others
    up to ``jitter``, none before the one ahead of it has returned (0.2 ms later: a machine catching up)."""
    times: list[float] = []
    last = -math.inf
    for i, start in enumerate(starts):
        last = max(start + (first_late if i == 0 else rng.uniform(0.0, jitter)), last + 0.0002)
        times.append(last)
    return times


@pytest.mark.parametrize("late_ms", [1.5, 20.0])
def test_a_late_first_callback_does_not_set_the_clock(late_ms: float) -> None:
    """A stream's first callback woken late (a loaded machine): the clock takes its phase from the earliest of the
    first callbacks, so from the third block on each estimate is within 0.1 ms of the block's true start. Before
    the fix it started at the late one: 1.5 ms late slewed back over ten blocks (1.1 ms off at the third), 20 ms
    late held the blocks 20 ms off until the fifth."""
    clock, period = BlockClock(RATE), BLOCK / RATE
    starts = [50.0 + n * period for n in range(300)]
    times = woken(starts, late_ms / 1000.0, random.Random(4))
    for n, (start, measured) in enumerate(zip(starts, times, strict=True)):
        estimate = clock.tick(measured, BLOCK)
        if n >= 2:
            assert abs(estimate - start) < 0.0001, f"block {n} {(estimate - start) * 1000:.3f} ms off"


@pytest.mark.parametrize("late_ms", [3.0, 20.0])
def test_a_stall_does_not_restart_the_clock_at_one_late_callback(late_ms: float) -> None:
    """The machine stopped for 100 ms: the stream's cycles went on without the callback, which comes back on a new
    phase, its first callback woken late again. The clock places each block at the earliest of the callbacks so
    far and steps to the new phase once they confirm it: from the third block on within 0.1 ms of the true starts.
    Before the fix it restarted at the first (late) callback and slewed back: 3 ms late was still 2.6 ms off at
    the third block, 1.9 ms at the sixth."""
    clock, rng, period = locked_clock(jitter=0.0001)
    resumed = 50.0 + 2000 * period + 0.1  # 9.4 blocks later
    starts = [resumed + k * period for k in range(300)]
    times = woken(starts, late_ms / 1000.0, rng)
    for k, (start, measured) in enumerate(zip(starts, times, strict=True)):
        estimate = clock.tick(measured, BLOCK)
        if k >= 2:
            assert abs(estimate - start) < 0.0001, f"block {k} {(estimate - start) * 1000:.3f} ms off"
    assert clock.rephased == 1
