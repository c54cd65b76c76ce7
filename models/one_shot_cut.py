"""Cutting one rendered sound out of a longer rendering, as the training one-shots are cut."""

from __future__ import annotations

import numpy as np

__all__ = ["cut_one_shot"]


def cut_one_shot(segment: np.ndarray, rate: int, silent_dbfs: float, fade_seconds: float) -> np.ndarray | None:
    """``segment`` (mono) from its first to its last sample within 60 dB of its peak, faded out over its last
    ``fade_seconds``, as a new float32 array; None when its peak is at or below ``silent_dbfs``."""
    sound = np.array(segment, dtype=np.float32)
    peak = float(np.abs(sound).max(initial=0.0))
    if peak <= 10 ** (silent_dbfs / 20):
        return None
    loud = np.flatnonzero(np.abs(sound) > peak * 1e-3)
    sound = sound[loud[0] : loud[-1] + 1]
    fade = min(len(sound), int(fade_seconds * rate))
    sound[len(sound) - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return sound
