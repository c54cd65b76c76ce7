"""A short hi-hat-like take on disk, for the tests that run `exsampling classify` on one."""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np


def hat(folder: Path) -> Path:
    """A 0.5 s burst of decaying noise, as ``folder``/hat.wav (seeded: the same samples each run)."""
    take = folder / "hat.wav"
    with wave.open(str(take), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(44100)
        t = np.arange(22050) / 44100
        noise = np.random.default_rng(1).standard_normal(t.size) * np.exp(-t * 40)
        out.writeframes((noise * 12000).astype("<i2").tobytes())
    return take
