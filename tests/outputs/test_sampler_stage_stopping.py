"""A take sent ahead (``stage``) once the sampler's audio process (real, under the JACK dummy server) is stopping: a
hung ``upcoming`` handler that goes on past its node's stop, the rate known, gets there.

Before: ``load()`` sent nothing once the stop had begun, but ``stage()`` still copied the take's samples into the
shared arena and sent the process, told to stop (or about to be), a Stage it would never use; its key and samples
stayed held by the node."""

from __future__ import annotations

import contextlib
import os
import signal
import threading

import numpy as np
import pytest

from exsampling_patch.nodes.sampler.prepare import SlotBuffer
from tests.waiting import wait_for

from .test_sampler_damaged_message import running_audio_process


@pytest.mark.jack
def test_nothing_is_sent_ahead_to_an_audio_process_whose_stop_has_begun(monkeypatch: pytest.MonkeyPatch) -> None:
    with running_audio_process(monkeypatch) as (audio, errors):
        process = audio.process
        assert process is not None
        used = audio.arena.used
        # Held: it answers no Stop, so the stop waits for it with the process's connection open (as for a hung one)
        os.kill(process.pid, signal.SIGSTOP)
        stopping = threading.Thread(target=audio.stop, name="stopping")
        try:
            stopping.start()
            assert wait_for(audio._stopping.is_set)
            samples = np.full(48000 // 4, 0.1, np.float32)  # a quarter of the arena
            buffer = SlotBuffer(samples, samples.size, 0.0, serial=1)
            audio.stage(buffer)
            assert audio.arena.used == used, "the take's samples were copied for a process that is stopping"
            assert audio._staged == {} and audio._held == {}
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.kill(process.pid, signal.SIGCONT)
            stopping.join(60)
        assert not stopping.is_alive()
        assert errors == []
