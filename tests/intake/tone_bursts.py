"""Tone bursts played into the JACK dummy server by a sounddevice output stream, for the microphone's tests (what
is played loops back into the microphone's input)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class BurstPlayer:
    """An output callback playing ``seconds`` of silence with a 330 Hz tone at half scale in each ``(start, length)``
    of ``bursts`` (seconds), then silence; :attr:`done` once all of it has been played."""

    def __init__(self, bursts: Sequence[tuple[float, float]], seconds: float, rate: int) -> None:
        t = np.arange(int(seconds * rate)) / rate
        self.played = np.zeros(len(t), np.float32)
        for start, length in bursts:
            span = (t >= start) & (t < start + length)
            self.played[span] = 0.5 * np.sin(2 * np.pi * 330 * t[span])
        self.position = 0

    @property
    def done(self) -> bool:
        return self.position >= len(self.played)

    def __call__(self, outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        chunk = self.played[self.position:self.position + frames]
        outdata[: len(chunk), 0] = chunk
        outdata[len(chunk):, 0] = 0.0
        self.position += frames
