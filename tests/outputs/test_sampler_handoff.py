"""Takes in shared memory for the sampler's audio process: the arena's blocks and the files of their own."""

from __future__ import annotations

import os

import numpy as np

from exsampling_patch.nodes.sampler.handoff import Arena, map_samples, share_samples
from exsampling_patch.nodes.sampler.prepare import GUARD


def test_a_block_holds_the_samples_as_the_callback_reads_them() -> None:
    arena = Arena(1 << 20)
    try:
        samples = np.array([0.5, np.nan, -0.25, np.inf, 1.0], np.float32)
        offset = arena.write(samples)
        assert offset is not None
        seen = Arena.attach(arena.fd, arena.capacity * 4)  # as the audio process maps it
        block = seen[offset:offset + samples.size + GUARD]
        assert block.tolist() == [0.5, 0.0, -0.25, 0.0, 1.0] + [0.0] * GUARD  # NaN and inf zeroed, then the guard
        assert not block.flags.writeable
    finally:
        arena.close()


def test_blocks_are_reused_and_free_neighbours_merge() -> None:
    arena = Arena(4 * (1000 + GUARD))  # 1000 samples after the zeros kept at the start
    try:
        chunk = np.ones(300 - GUARD, np.float32)
        a, b, c = (arena.write(chunk) for _ in range(3))
        assert (a, b, c) == (GUARD, GUARD + 300, GUARD + 600)
        assert arena.write(np.ones(500, np.float32)) is None  # 100 left: full, the caller falls back
        arena.release(b)
        assert arena.write(np.ones(350, np.float32)) is None  # 300 + 100 free, but not in one piece
        arena.release(a)  # merges with b's block: 600 in one piece at the start
        assert arena.write(np.ones(550, np.float32)) == GUARD
        arena.release(GUARD)
        arena.release(c)  # everything merges back into one block
        assert arena.used == 0
        assert arena.write(np.ones(1000 - GUARD, np.float32)) == GUARD
        arena.release(12345)  # an offset it never gave (from a process since restarted): ignored
        arena.reset()
        assert arena.used == 0 and arena.write(np.ones(10, np.float32)) == GUARD
        assert not arena.floats[:GUARD].any()  # never handed out: the audio core's idle voices read zeros there
    finally:
        arena.close()


def test_a_file_of_its_own_when_the_arena_is_full() -> None:
    samples = np.linspace(-1.0, 1.0, 1001, dtype=np.float32)
    samples[7] = np.nan
    fd = share_samples(samples)
    data = map_samples(fd, samples.size)  # closes fd; the mapping lives as long as the array
    expected = np.concatenate([np.nan_to_num(samples), np.zeros(GUARD, np.float32)])
    assert np.array_equal(data, expected) and not data.flags.writeable


def test_a_second_close_leaves_a_descriptor_that_took_the_arenas_number_open() -> None:
    """Before, the arena kept its closed descriptor's number, and a second close closed whatever had taken it."""
    arena = Arena(1 << 16)
    number = arena.fd
    arena.close()
    other = os.open(os.devnull, os.O_RDONLY)  # the lowest free number: the one the arena just gave up
    try:
        assert other == number
        arena.close()
        os.fstat(other)  # raises OSError (EBADF) where the second close closed it
    finally:
        os.close(other)
