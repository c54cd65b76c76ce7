"""YAMNet with its first convolutions in int8 (models/yamnet_int8.py), with the real weights on real ESC-50 clips:
features close to float's at the ranges measured, the ranges kept in the model file and checked when it is read,
and the shipped classifier running it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
import torch

from exsampling_patch.models.classifier import SHIPPED_MODEL, load_classifier, save_model_file
from exsampling_patch.models.model_file import ModelFileError, load_model_file
from exsampling_patch.models.yamnet import YamNet, take_features, yamnet_from_state
from exsampling_patch.models.yamnet_int8 import (
    INT8_CONVS,
    calibrate,
    calibration_patches,
    int8_available,
    int8_yamnet,
)

pytestmark = pytest.mark.skipif(not int8_available(), reason="no oneDNN quantised engine in this torch")


def _clips(esc50: Path, fold: int, count: int) -> list[tuple[np.ndarray, int]]:
    paths = sorted((esc50 / "audio").glob(f"{fold}-*.flac"))[::37][:count]
    return [sf.read(str(p), dtype="float32") for p in paths]


@pytest.fixture(scope="module")
def yamnet() -> YamNet:
    """The shipped model's YAMNet, float and eager (as :func:`int8_yamnet` takes it)."""
    block = load_model_file(SHIPPED_MODEL).yamnet
    assert block is not None
    return yamnet_from_state(block.state_dict, freeze=False)


@pytest.fixture(scope="module")
def ranges(yamnet: YamNet, esc50: Path) -> dict[str, tuple[float, int]]:
    return calibrate(yamnet, calibration_patches(_clips(esc50, 1, 12)))


def _cosines(a: torch.nn.Module, b: torch.nn.Module, takes: list[tuple[np.ndarray, int]]) -> list[float]:
    out = []
    for y, rate in takes:
        fa, fb = take_features(a, y, rate), take_features(b, y, rate)
        out.append(float(fa @ fb / (np.linalg.norm(fa) * np.linalg.norm(fb))))
    return out


def test_int8_features_stay_close_to_floats_at_the_ranges_measured(yamnet: YamNet, esc50: Path,
                                                                  ranges: dict[str, tuple[float, int]]) -> None:
    """At the ranges measured on fold-1 clips, fold-4 clips' features lie within a cosine of 0.97 of float's; at
    ranges eight times too wide (each step eight times coarser) they do not: the ranges are what keeps them."""
    assert len(ranges) == INT8_CONVS + 1  # the input's and each int8 conv's output
    before = torch.backends.quantized.engine
    takes = _clips(esc50, 4, 6)
    close = _cosines(yamnet, int8_yamnet(yamnet, ranges), takes)
    assert min(close) > 0.97, close
    assert torch.backends.quantized.engine == before  # oneDNN only while quantising: the aiSFX trunk keeps its own
    coarse = {name: (scale * 8, zero) for name, (scale, zero) in ranges.items()}
    assert min(_cosines(yamnet, int8_yamnet(yamnet, coarse), takes)) < 0.95


def test_ranges_not_of_the_trunks_int8_convs_are_refused(yamnet: YamNet,
                                                          ranges: dict[str, tuple[float, int]]) -> None:
    fewer = dict(list(ranges.items())[:-1])
    with pytest.raises(ValueError, match="do not fit convs 0-19 of YAMNet"):
        int8_yamnet(yamnet, fewer)


def test_the_shipped_classifier_runs_yamnet_in_int8_and_a_file_without_ranges_in_float(tmp_path: Path,
                                                                                      esc50: Path) -> None:
    """The shipped model file carries the ranges (``ship`` measures them); a model file written without them, as
    before, still loads and runs YAMNet in float, as does a classifier asked for no int8. The top label agrees."""
    shipped = load_classifier(threads=1)
    assert shipped.yamnet_int8
    loaded = load_model_file(SHIPPED_MODEL)
    assert loaded.yamnet is not None and loaded.yamnet.int8
    without = save_model_file(loaded.model, loaded.labels, tmp_path / "float.pt", loaded.meta, loaded.int8_trunk,
                              replace(loaded.yamnet, int8=None))
    assert "int8" not in torch.load(without, weights_only=True)["yamnet"]
    (y, rate), = _clips(esc50, 4, 1)
    for clf in (load_classifier(without, threads=1), load_classifier(threads=1, int8=False)):
        assert not clf.yamnet_int8
        assert clf.predict(y, rate).label == shipped.predict(y, rate).label


def _rewritten(source: Path, out: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    blob = torch.load(source, weights_only=True)
    change(blob)
    torch.save(blob, out)
    return out


@pytest.mark.parametrize("damage", [
    lambda ranges: ranges.__setitem__("quant", [-0.1, 0]),
    lambda ranges: ranges.__setitem__("quant", [float("nan"), 0]),
    lambda ranges: ranges.__setitem__("middle.0", [0.1, 300]),
    lambda ranges: ranges.__setitem__("middle.0", "0.1"),
], ids=["negative scale", "nan scale", "zero point past 255", "not a pair"])
def test_damaged_int8_ranges_are_refused_naming_the_file(tmp_path: Path, damage: Callable[[dict], None]) -> None:
    path = _rewritten(SHIPPED_MODEL, tmp_path / "damaged.pt", lambda blob: damage(blob["yamnet"]["int8"]))
    with pytest.raises(ModelFileError) as raised:
        load_model_file(path)
    assert str(path) in str(raised.value) and "YAMNet int8 ranges are damaged" in str(raised.value)
