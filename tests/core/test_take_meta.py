"""What a take's sidecar keeps of its meta: what nodes learnt about it on the way."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from exsampling_patch import Take
from exsampling_patch.takes import sidecar_path, write_take


def test_numpy_numbers_a_node_put_in_a_take_s_meta_are_in_its_sidecar(tmp_path: Path) -> None:
    """A plugin's meta={"peak": np.max(...)} (a numpy float32, or an int64 from np.argmax) is no JSON as it is: the
    sidecar left it out without a word."""
    take = Take(np.full((8, 1), 0.5, np.float32), 8000).derive(meta={
        "peak": np.max(np.full(4, 0.5, np.float32)), "onset": np.argmax([0, 3, 1]), "loud": np.bool_(True),
        "bands": {"low": np.float32(0.25)}, "levels": [np.float32(0.5)], "pitch_hz": 440.0,
    })
    stored = write_take(take, tmp_path / "take.wav")
    meta = json.loads(sidecar_path(stored.path).read_text(encoding="utf-8"))["meta"]  # type: ignore[arg-type]
    assert {key: meta.get(key) for key in ("peak", "onset", "loud", "bands", "levels", "pitch_hz")} == {
        "peak": 0.5, "onset": 1, "loud": True, "bands": {"low": 0.25}, "levels": [0.5], "pitch_hz": 440.0}
