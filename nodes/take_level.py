"""A take's level as a node's status tells it (``level``, 0..1), for the editor's level bar on the canvas.

Sources and processing nodes say the peak of the take they last passed on, so a composer sees a take's loudness
flow along the chain; the microphone and the sampler say the level of what sounds now (see docs/editor.md).
"""

from __future__ import annotations

import math

import numpy as np

from exsampling_patch.messages import Take


def take_level(take: Take) -> float:
    """The peak of ``take``'s samples, 0..1 (full scale is 1; louder is said as 1), its non-finite samples left out
    (a damaged file's NaN would hide the rest); 0 for a take with no samples."""
    samples = np.asarray(take.samples, dtype=np.float32)
    if samples.size == 0:
        return 0.0
    # The largest and smallest sample, no array made: the recorder and trim say it of every take on its way to its
    # slot, and |x| with an isfinite mask made two arrays the take's size. A NaN or inf comes out of max/min as itself:
    # only then is the take read again with its non-finite samples masked. 0.0 first: silence says 0.0, never -0.0.
    highest, lowest = float(samples.max()), float(samples.min())
    if math.isfinite(highest) and math.isfinite(lowest):
        return round(min(1.0, max(0.0, highest, -lowest)), 3)
    magnitudes = np.abs(samples)
    return round(min(1.0, float(np.max(magnitudes, initial=0.0, where=np.isfinite(magnitudes)))), 3)
