"""A microphone of more than 8 channels whose take is shorter than its channel count, with a real ring of shared
memory and take assembly's store driven directly (as tests/intake/test_microphone_stopped_take.py does).

Before: the take's samples (frames, channels) from the ring were refused as channels-first, the ValueError ended
take assembly (run again a second later, from the newest audio) and the take was lost untold."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.nodes.microphone_input import InputRing
from exsampling_patch.takes import TakeStore

RATE = 8000
CHANNELS = 16


def test_a_take_of_fewer_frames_than_channels_is_stored_and_passed_on(tmp_path: Path) -> None:
    folder = tmp_path / "takes"
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {"sample_rate": RATE, "channels": CHANNELS, "min_length": 0.0, "folder": str(folder)},
                     context)
    ring = InputRing.create(4 * RATE, CHANNELS)
    try:
        mic._ring, mic._store, mic.takes_cut = ring, TakeStore(folder), 0
        ring.samples[100:110] = 0.5
        ring.counts[0] = RATE
        mic._emit_take(100, 110)  # 10 frames of 16 channels: what assembly cut
    finally:
        ring.close()
    (take,) = [message for port, message in context.emitted if port == "take"]
    assert take.samples.shape == (10, CHANNELS) and np.all(take.samples == 0.5)
    assert take.path is not None and take.path.exists()
    assert context.errors == []
