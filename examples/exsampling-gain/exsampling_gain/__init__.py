"""An example plugin for ExSampling Patch: one node type that changes a take's level."""

from __future__ import annotations

import numpy as np

from exsampling_patch import TAKE, Input, Node, Output, Param, Take


class Gain(Node):
    """Change a take's level by a gain in decibels (clipping at full scale if asked)."""

    type_name = "gain"
    family = "processing"

    take = Input(TAKE, "the take to change")
    out = Output(TAKE, "the take, louder or softer")

    gain_db = Param(float, 0.0, "gain in decibels", minimum=-60.0, maximum=24.0, unit="dB")
    clip = Param(bool, True, "clip samples to [-1, 1] after the gain")

    def on_take(self, take: Take) -> None:
        samples = take.samples * np.float32(10.0 ** (self.gain_db / 20.0))
        if self.clip:
            np.clip(samples, -1.0, 1.0, out=samples)
        self.emit("out", take.derive(samples, meta={"gain_db": self.gain_db}))
