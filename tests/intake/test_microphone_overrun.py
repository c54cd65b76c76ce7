"""A take whose start the ring no longer holds (take assembly fell behind the audio: an overrun), with the ring
driven directly: each frame holds its own stream frame number, so a torn take shows.

Before: such a take started at the ring's oldest frame, the next the callback overwrites; the callback copies a
block in before it publishes the count, so the take's first block could be the newest audio instead."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import RING_GUARD_SECONDS, Microphone
from exsampling_patch.nodes.microphone_input import InputRing
from exsampling_patch.takes import TakeStore

RATE = 8000
LENGTH = 3 * RATE  # frames in the ring
BLOCK = 512  # the callback's block


def ring_at(written: int, in_flight: int) -> InputRing:
    """A ring whose count is ``written``, each frame holding its stream frame number, with the callback's next
    ``in_flight`` frames copied in (over the oldest) but not yet counted."""
    ring = InputRing.create(LENGTH, 1)
    frames = np.arange(written - LENGTH + in_flight, written + in_flight)
    ring.samples[frames % LENGTH, 0] = frames.astype(np.float32)
    ring.counts[0] = written
    return ring


def microphone(tmp_path: Path, ring: InputRing) -> tuple[Microphone, NodeContext]:
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {"sample_rate": RATE, "folder": str(tmp_path / "takes")}, context)
    mic._ring, mic._store, mic.takes_cut = ring, TakeStore(tmp_path / "takes"), 0
    return mic, context


def test_a_take_older_than_the_ring_starts_safely_inside_it_and_is_told_as_cut(tmp_path: Path) -> None:
    written = 100_000
    ring = ring_at(written, BLOCK)
    mic, context = microphone(tmp_path, ring)
    try:
        asked = written - LENGTH - RATE  # begun a second before the oldest frame the ring holds
        mic._emit_take(asked, written - RATE // 10)
    finally:
        ring.close()
    [(port, take)] = context.emitted
    assert port == "take" and isinstance(take, Take)
    start = take.meta["stream_frame"]
    expected = np.arange(start, written - RATE // 10, dtype=np.float32)
    np.testing.assert_array_equal(take.mono(), expected)  # every frame its own: none torn
    assert start >= written - LENGTH + int(RING_GUARD_SECONDS * RATE)  # clear of the block being written
    assert take.meta["cut_start_s"] == (start - asked) / RATE
    told = [status for status in context.statuses if status.get("take") == take.take_id]
    assert told and told[0]["cut_start_s"] == round((start - asked) / RATE, 2), context.statuses


def test_a_take_inside_the_ring_is_kept_whole(tmp_path: Path) -> None:
    written = 100_000
    ring = ring_at(written, BLOCK)
    mic, context = microphone(tmp_path, ring)
    try:
        mic._emit_take(written - RATE, written - RATE // 2)
    finally:
        ring.close()
    [(_, take)] = context.emitted
    assert take.meta["stream_frame"] == written - RATE and "cut_start_s" not in take.meta
    np.testing.assert_array_equal(take.mono(), np.arange(written - RATE, written - RATE // 2, dtype=np.float32))
