"""The sampler's audio core rendered offline, block by block, exactly as the audio callback calls it."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from exsampling_patch.nodes.sampler.core import SamplerCore, range_map
from exsampling_patch.nodes.sampler.prepare import GUARD, SlotBuffer, prepare
from exsampling_patch.nodes.sampler.ring import NOTE_OFF, NOTE_ON, EventRing

from .helpers import dominant_hz, peak, sine_take

RATE, BLOCK = 48000, 256


def make_core(**kwargs: object) -> tuple[SamplerCore, EventRing]:
    ring = EventRing()
    return SamplerCore(8, RATE, rings=[ring], **kwargs), ring  # type: ignore[arg-type,unused-ignore]


def run(core: SamplerCore, blocks: int, channels: int = 2) -> np.ndarray:
    out = np.zeros((BLOCK, channels), np.float32)
    chunks = []
    for _ in range(blocks):
        core.render(out)
        chunks.append(out[:, 0].copy())
    return np.concatenate(chunks)


@pytest.mark.parametrize(("note", "expected"), [(69, 440.0), (57, 220.0), (76, 659.26), (45, 110.0)])
def test_chromatic_rate_is_note_frequency_over_take_pitch(note: int, expected: float) -> None:
    core, ring = make_core()
    core.load(0, prepare(sine_take(220.0, rate=44100), RATE))
    ring.push(NOTE_ON, 0, note, 127)
    y = run(core, 60)
    assert dominant_hz(y[2000:], RATE) == pytest.approx(expected, rel=0.02)


def test_unpitched_take_plays_at_its_own_rate_on_the_root_note() -> None:
    core, ring = make_core(root_note=60)
    core.load(1, prepare(sine_take(300.0, pitch=0), RATE))
    ring.push(NOTE_ON, 1, 60, 127)  # channel 2 plays slot 2
    assert dominant_hz(run(core, 60)[2000:], RATE) == pytest.approx(300.0, rel=0.01)
    ring.push(NOTE_ON, 1, 72, 127)  # an octave up
    y = run(core, 40)
    assert dominant_hz(y[2000:], RATE) > 500


def test_velocity_sets_gain_and_channel_selects_slot() -> None:
    core, ring = make_core()
    core.load(3, prepare(sine_take(220.0, amplitude=0.5), RATE))
    ring.push(NOTE_ON, 3, 57, 127)
    loud = peak(run(core, 20)[1000:])
    ring.push(NOTE_OFF, 3, 57, 0)
    run(core, 20)
    ring.push(NOTE_ON, 3, 57, 64)
    soft = peak(run(core, 20)[1000:])
    assert loud == pytest.approx(0.5, rel=0.03)
    assert soft / loud == pytest.approx(64 / 127, rel=0.03)
    ring.push(NOTE_ON, 4, 57, 127)  # slot 5 is empty: nothing sounds, nothing breaks
    run(core, 2)
    assert not core.active[4].any()


def test_note_off_releases_without_a_click_and_voice_ends() -> None:
    core, ring = make_core(release_ms=20.0)
    core.load(0, prepare(sine_take(440.0, amplitude=0.5), RATE))
    ring.push(NOTE_ON, 0, 69, 127)
    run(core, 10)
    ring.push(NOTE_OFF, 0, 69, 0)
    y = run(core, 10)
    assert np.max(np.abs(np.diff(y))) < 0.05  # the release ramp, no step
    assert peak(y[-BLOCK:]) == 0.0 and not core.active.any()


def test_voice_stealing_keeps_polyphony() -> None:
    core, ring = make_core(polyphony=4)
    core.load(0, prepare(sine_take(220.0, seconds=3.0), RATE))
    for note in range(50, 56):
        ring.push(NOTE_ON, 0, note, 100)
    run(core, 2)
    assert int(core.active[0].sum()) == 4  # the stolen notes' fades are over
    assert sorted(core.note[0, : core.poly].tolist()) == [52, 53, 54, 55]  # the two oldest were stolen
    assert core.state.steals == 2


def test_a_stolen_voice_fades_out_instead_of_clicking() -> None:
    core, ring = make_core(polyphony=1)
    core.load(0, prepare(sine_take(220.0, seconds=3.0, amplitude=0.5), RATE))
    ring.push(NOTE_ON, 0, 57, 127)  # 220 Hz: the take at its own rate
    y = run(core, 4)
    while abs(y[-1]) < 0.4:  # steal where a hard cut would jump by more than 0.4
        y = np.concatenate([y, run(core, 1)])
    ring.push(NOTE_ON, 0, 57, 127)  # the only voice is taken again
    after = run(core, 4)
    steady = 0.5 * 2 * np.pi * 220.0 / RATE  # the largest step of the sine itself
    jumps = np.abs(np.diff(np.concatenate([y[-BLOCK:], after])))
    assert core.state.steals == 1
    assert jumps.max() < 3 * steady, f"step {jumps.max():.4f} at the steal (a cut would be {abs(y[-1]):.2f})"
    assert int(core.active[0].sum()) == 1  # the tail has faded and ended


def test_swap_under_sustained_playback_crossfades_without_discontinuity() -> None:
    core, ring = make_core(crossfade_ms=10.0)
    core.load(0, prepare(sine_take(220.0, seconds=4.0, amplitude=0.5), RATE))
    ring.push(NOTE_ON, 0, 69, 127)
    before = run(core, 40)
    core.load(0, prepare(sine_take(330.0, seconds=4.0, amplitude=0.3, phase=2.0), RATE))  # same 440 Hz note
    after = run(core, 40)
    y = np.concatenate([before, after])
    steady = np.max(np.abs(np.diff(before[2000:])))
    assert np.max(np.abs(np.diff(y[2000:]))) < steady * 1.2 + 1e-3
    assert peak(after[-4000:]) == pytest.approx(0.3, rel=0.03)
    assert dominant_hz(after[-8000:], RATE) == pytest.approx(440.0, rel=0.02)
    assert core.loaded_id[0] == core.current[0].take_id


def test_hard_swap_would_click_so_the_threshold_means_something() -> None:
    core, ring = make_core(crossfade_ms=0.02)  # one sample: effectively no crossfade
    core.load(0, prepare(sine_take(220.0, seconds=4.0, amplitude=0.5), RATE))
    ring.push(NOTE_ON, 0, 69, 127)
    before = run(core, 40)
    core.load(0, prepare(sine_take(330.0, seconds=4.0, amplitude=0.3, phase=2.0), RATE))
    y = np.concatenate([before, run(core, 10)])
    steady = np.max(np.abs(np.diff(before[2000:])))
    assert np.max(np.abs(np.diff(y[2000:]))) > steady * 2


def test_mute_and_gain_ramp() -> None:
    core, ring = make_core()
    core.load(0, prepare(sine_take(220.0, seconds=4.0), RATE))
    ring.push(NOTE_ON, 0, 57, 127)
    run(core, 10)
    core.mute[0] = True
    y = run(core, 3)
    assert np.max(np.abs(np.diff(y))) < 0.05 and peak(y[-BLOCK:]) == 0.0
    core.mute[0] = False
    core.gain[0] = 0.5
    assert peak(run(core, 10)[-2000:]) == pytest.approx(0.25, rel=0.03)


def test_note_ranges_map_notes_to_slots() -> None:
    core, ring = make_core(note_slot=range_map([(0, 36, 47), (4, 60, 84)]))
    core.load(4, prepare(sine_take(261.63), RATE))
    ring.push(NOTE_ON, 9, 60, 127)  # any channel
    assert peak(run(core, 10)) > 0.3
    assert int(core.active[4].sum()) == 1 and not core.active[0].any()


def test_render_allocates_no_arrays() -> None:
    core, ring = make_core()
    for s in range(8):
        core.load(s, prepare(sine_take(220.0, seconds=3.0), RATE))
    out = np.zeros((BLOCK, 2), np.float32)
    core.render(out)
    for s in range(8):
        for v in range(8):
            ring.push(NOTE_ON, s, 48 + v, 100)
    core.render(out)
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        for _ in range(50):
            core.render(out)
        grown = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert int(core.active.sum()) == 64
    # one (8 x 256) float32 temporary alone would be 8 KiB; small Python objects (views, floats) are fine
    assert grown < 4096, f"render allocated {grown} bytes at its peak"


def test_takes_read_from_a_pool_sound_as_takes_of_their_own() -> None:
    """In the audio process every voice reads its take from one shared arena (the pool); a take outside it
    (a file of its own) is read from its own array. Same notes, swaps and steals: the same sound, and
    nothing of the pool around the takes (NaN here) ever reaches the output."""
    takes = [prepare(sine_take(110.0 * (1 + i % 5), seconds=0.3 + 0.4 * (i % 4), phase=i), RATE) for i in range(10)]
    pool = np.full(GUARD + sum(t.data.size + 100 for t in takes), np.nan, np.float32)
    pool[:GUARD] = 0.0
    pooled, offset = [], GUARD
    for take in takes:
        pool[offset:offset + take.data.size] = take.data
        pooled.append(SlotBuffer(pool[offset:offset + take.data.size], take.frames, take.pitch_hz, offset=offset))
        offset += take.data.size + 100
    mixed = pooled[:5] + takes[5:]  # five takes outside the pool

    def play(core: SamplerCore, ring: EventRing, buffers: list[SlotBuffer]) -> np.ndarray:
        rng = np.random.default_rng(7)
        out, blocks = np.zeros((BLOCK, 1), np.float32), []
        for _ in range(600):
            if rng.random() < 0.05:
                core.load(int(rng.integers(8)), buffers[int(rng.integers(len(buffers)))])
            for _ in range(int(rng.integers(0, 4))):
                kind = NOTE_ON if rng.random() < 0.6 else NOTE_OFF
                ring.push(kind, int(rng.integers(8)), int(rng.integers(40, 80)), int(rng.integers(1, 128)))
            core.render(out)
            blocks.append(out[:, 0].copy())
        return np.concatenate(blocks)

    reference = play(*make_core(polyphony=3), takes)
    for buffers in (pooled, mixed):
        ring = EventRing()
        y = play(SamplerCore(8, RATE, polyphony=3, rings=[ring], pool=pool), ring, buffers)
        assert np.isfinite(y).all()
        assert np.max(np.abs(y - reference)) < 1e-5
    assert peak(reference) > 0.5


def test_a_take_with_a_dc_offset_plays_without_a_step_at_either_end() -> None:
    """The offset is taken away as the take is prepared (off the callback): played, it would be a step from
    silence at the note's start and back to it at the take's end, a click each."""
    core, ring = make_core()
    sound = sine_take(220.0, seconds=0.5, rate=44100, amplitude=0.5).samples
    dirty = sound + np.float32(0.3)
    dirty[100] = np.nan  # a recorder glitch: zeroed, not counted in the offset
    core.load(0, prepare(sine_take(220.0).derive(dirty, sample_rate=44100), RATE))
    ring.push(NOTE_ON, 0, 57, 127)
    y = run(core, 120)  # the take's 0.5 s and silence after it
    assert peak(y[-1000:]) == 0.0, "the take has ended"
    assert abs(float(np.mean(y))) < 0.01
    assert float(np.max(np.abs(np.diff(np.concatenate([[0.0], y]))))) < 0.05, "no step bigger than the sine's own"
