"""A take's level as a node's status tells it (``level``, 0..1), for the editor's level bar on the canvas.

Sources and processing nodes say the peak of the take they last passed on, so a composer sees a take's loudness
flow along the chain; the microphone and the sampler say the level of what sounds now (see docs/editor.md).
"""

from __future__ import annotations

import numpy as np

from exsampling_patch.messages import Take


def take_level(take: Take) -> float:
    """The peak of ``take``'s samples, 0..1 (full scale is 1; louder is said as 1), its non-finite samples left out
    (a damaged file's NaN would hide the rest); 0 for a take with no samples."""
    samples = np.abs(np.asarray(take.samples, dtype=np.float32))
    if samples.size == 0:
        return 0.0
    peak = np.max(samples, initial=0.0, where=np.isfinite(samples))
    return round(min(1.0, float(peak)), 3)
