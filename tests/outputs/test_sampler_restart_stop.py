"""A stop that lands while the sampler's reader is about to start a new audio process in place of one that died:
the real audio process under the JACK dummy server, killed, and the node's stop begun just as the reader's wait
before the restart ends.

Before: the reader ended the dead process and started a new one without asking again whether it was stopping. The
stop's Stop went to the dead process (or to none), the new one never heard it: it ran after the stop, and the stop
waited 5 s for the reader before closing its connection."""

from __future__ import annotations

import threading

import pytest

from exsampling_patch.nodes.sampler.host import AudioProcess
from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from exsampling_patch.nodes.sampler.slots import channel_map
from tests.sampler_start import opened_or_told


class StopLandsAfterTheWait(threading.Event):
    """The node's stopping event. Once armed, the reader's wait before a restart begins the node's stop in a thread
    of its own, lets it go as far as saying it is stopping, then ends as a wait that ran out: the stop has landed
    between the reader's wait and its restart."""

    def __init__(self, stop: threading.Thread) -> None:
        super().__init__()
        self.stop = stop
        self.armed = False

    def wait(self, timeout: float | None = None) -> bool:
        if not self.armed or threading.current_thread().name != "sampler-audio-process":
            return super().wait(timeout)
        self.armed = False
        self.stop.start()
        assert super().wait(10), "the stop did not begin"
        return False  # as it was the moment before the stop set it


@pytest.mark.jack
def test_a_stop_landing_after_the_readers_wait_starts_no_new_audio_process() -> None:
    errors: list[str] = []
    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2)), state, errors.append,
                         lambda **values: None)
    stopper = threading.Thread(target=audio.stop, name="node-stop")
    stopping = StopLandsAfterTheWait(stopper)
    audio._stopping = stopping
    try:
        audio.start()
        assert opened_or_told(audio, lambda: errors), ("the stream did not open", errors)
        first = audio.process
        assert first is not None and audio.epoch == 0
        stopping.armed = True
        first.kill()
        assert audio._reader is not None
        audio._reader.join(10)
        assert not stopping.armed, "the reader did not wait before a restart"
        stopper.join(10)
        assert not audio._reader.is_alive() and not stopper.is_alive()
        assert audio.epoch == 0 and audio.process is first, "a new audio process was started after the stop"
        assert audio.child.process is None
    finally:
        if not stopper.is_alive():
            audio.stop()
        state.close()
    assert errors == ["the sampler's audio process ended (exit status -9); restarting it"], errors
