"""How a take's wait for the sampler's sample rate ends, and what waits behind it (JACK dummy server, the audio
process held with SIGSTOP before it says the device's rate, as a JACK server hung at start holds it).

- ``stats()`` never waits for the rate: it waited as long as a take (up to 120 s), then assumed one.
"""

from __future__ import annotations

import contextlib
import os
import signal

import pytest

from exsampling_patch.node import NodeContext

from .test_sampler_rate_wait import held_before_its_rate


@pytest.mark.jack
def test_stats_before_the_rate_is_said_do_not_wait_for_it() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    pid = None
    try:
        pid = held_before_its_rate(sampler)
        assert sampler.stats()["sample_rate"] == 0  # not said yet
        assert not sampler.audio.rate_known.is_set()
        assert context.errors == []
    finally:
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        sampler.stop()
