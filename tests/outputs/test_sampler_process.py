"""The sampler's audio process under the JACK dummy server: shared state both ways, and a crash survived."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler.shared import SharedState

from .helpers import sine_take


def wait_for(condition: Callable[[], bool], seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


def test_shared_state_is_the_same_memory_in_every_mapping() -> None:
    state = SharedState.create(4)
    other = SharedState.attach(4, state.fd)  # as the audio process maps it, from the same descriptor
    try:
        state.gain[2] = 0.25
        state.ring.push(1, 0, 60, 100, 1.5)
        other.levels[1] = 0.75
        other.counters[0] = 7
        assert other.gain[2] == 0.25 and other.master[0] == 1.0
        assert other.ring.pending() == 1 and other.ring.note[0] == 60 and other.ring.stamp[0] == 1.5
        assert state.levels[1] == 0.75 and state.callbacks == 7
    finally:
        state.close()


@pytest.mark.jack
def test_audio_process_plays_patch_notes_and_survives_being_killed() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    try:
        assert sampler.audio.opened.wait(10), context.errors
        assert sampler.core is None  # the callback is not in this process
        take = sine_take(220.0, seconds=5.0)
        sampler.on_assign(SlotAssignment("HH", take))
        assert wait_for(lambda: sampler.sounding("HH") == take.take_id)
        sampler.on_control(ControlValue("HH.gain", 0.5))
        sampler.note_on("HH", 69, 127)  # through the shared ring: the other process's callback starts it
        assert wait_for(lambda: sampler.stats()["notes"] == 1)
        assert wait_for(lambda: sampler.slot_states()[0]["level"] > 0.1)  # its meter, read back here
        assert sampler.slot_states()[0]["voices"] == 1

        process = sampler.audio.process
        assert process is not None
        process.kill()
        assert wait_for(lambda: any("audio process ended" in str(e) for e in context.errors))
        assert wait_for(lambda: sampler.audio.process is not process and sampler.audio.opened.is_set())
        # the new process has the slot again, and the gain set before the crash (shared state outlives it)
        assert wait_for(lambda: sampler.sounding("HH") == take.take_id)
        notes = sampler.stats()["notes"]
        sampler.note_on("HH", 57, 100)
        assert wait_for(lambda: sampler.stats()["notes"] == notes + 1)
        assert sampler.state.gain[0] == 0.5
    finally:
        sampler.stop()
    assert sampler.audio.process is not None and sampler.audio.process.poll() is not None
