"""Clearing a slot of the real audio process (under the JACK dummy server) when its arena for takes is full and the
system refuses a file of its own.

Before: an empty take was sent like any other, its guard of zeros written to a block of the arena or, with no room
there, to a file of its own. Where that file was refused too, clear() raised, the node's slot empty while the audio
process played the old take on (and a restarted one was sent it again)."""

from __future__ import annotations

import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.nodes.sampler import host
from exsampling_patch.nodes.sampler.prepare import GUARD

from .test_sampler_process import audio_process_sampler, wait_for
from .test_sampler_share_fails import file_size_limit


@pytest.mark.jack
def test_a_slot_is_cleared_with_the_arena_full_and_no_file_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host, "ARENA_BYTES", 4 * 48000)
    with audio_process_sampler() as (sampler, context):
        arena, rate = sampler.audio.arena, sampler.sample_rate_used
        frames = arena.capacity - 2 * GUARD  # the take and its guard fill every sample the arena hands out
        take = Take((0.5 * np.sin(2 * np.pi * 220.0 * np.arange(frames) / rate)).astype(np.float32), rate)
        sampler.on_assign(SlotAssignment("HH", take))
        assert wait_for(lambda: sampler.sounding("HH") == take.take_id), context.errors
        assert arena.used == arena.capacity - GUARD  # full
        process = sampler.audio.process

        with file_size_limit(GUARD * 4 // 2):  # an empty take's own file (its guard) is refused too
            sampler.clear("HH")
        assert wait_for(lambda: int(sampler.state.loaded_serial[0]) == sampler.buffers[0].serial), context.errors
        assert wait_for(lambda: arena.used == 0)  # the old take's block came back: nothing reads it any more
        assert sampler.audio.buffers[0].frames == 0  # a restarted process is not sent the old take again
        assert sampler.audio.process is process and not context.errors
