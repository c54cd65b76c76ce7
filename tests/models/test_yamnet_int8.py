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

from exsampling_patch.models import yamnet_int8
from exsampling_patch.models.classifier import SHIPPED_MODEL, load_classifier, save_model_file
from exsampling_patch.models.features import CLASSIFIED_SECONDS
from exsampling_patch.models.model_file import ModelFileError, load_model_file
from exsampling_patch.models.yamnet import YamNet, log_mel, side_by_side, take_features, yamnet_from_state
from exsampling_patch.models.yamnet_int8 import (
    INT8_CONVS,
    calibrate,
    calibration_patches,
    int8_available,
    int8_yamnet,
    range_names,
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
    assert set(ranges) == range_names() and len(ranges) == INT8_CONVS + 1  # the input's, each int8 conv's output
    takes = _clips(esc50, 4, 6)
    close = _cosines(yamnet, int8_yamnet(yamnet, ranges), takes)
    assert min(close) > 0.97, close
    coarse = {name: (scale * 8, zero) for name, (scale, zero) in ranges.items()}
    assert min(_cosines(yamnet, int8_yamnet(yamnet, coarse), takes)) < 0.95


def test_oned_nn_is_the_engine_only_while_quantising(yamnet: YamNet, esc50: Path,
                                                     ranges: dict[str, tuple[float, int]]) -> None:
    """The engine is the process's: the aiSFX trunk's FX quantisation reads it for its mapping. Left at oneDNN by
    YAMNet's load, a training run's int8 trunk would have been calibrated for another engine."""
    before = torch.backends.quantized.engine
    torch.backends.quantized.engine = "x86"
    try:
        calibrate(yamnet, calibration_patches(_clips(esc50, 1, 1)))
        assert torch.backends.quantized.engine == "x86"
        int8_yamnet(yamnet, ranges)
        assert torch.backends.quantized.engine == "x86"
    finally:
        torch.backends.quantized.engine = before


def test_the_frozen_int8_convs_give_the_eager_ones_outputs_to_the_bit(yamnet: YamNet, esc50: Path,
                                                                     ranges: dict[str, tuple[float, int]],
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The classifier runs the int8 convs traced and frozen (quicker than eager) on 1 to 4 patches: frozen under the
    engine they were converted for, they compute what the converted modules compute, for every batch size; frozen
    under another, the weights were packed anew for it and the outputs moved (up to 0.22 under fbgemm)."""
    frozen = int8_yamnet(yamnet, ranges)
    monkeypatch.setattr(yamnet_int8, "_frozen", lambda part, x: part)
    eager = int8_yamnet(yamnet, ranges)
    assert isinstance(frozen.parts[0], torch.jit.ScriptModule)
    assert not isinstance(eager.parts[0], torch.jit.ScriptModule)
    (y, rate), = _clips(esc50, 4, 1)
    patches = torch.from_numpy(side_by_side(log_mel(y, rate))).unsqueeze(1)
    assert patches.shape[0] >= 4
    with torch.inference_mode():
        for count in (1, 2, 3, 4):
            torch.testing.assert_close(frozen.parts[0](patches[:count]), eager.parts[0](patches[:count]), rtol=0,
                                       atol=0)


def test_ranges_not_of_the_trunks_int8_convs_are_refused(yamnet: YamNet,
                                                          ranges: dict[str, tuple[float, int]]) -> None:
    fewer = dict(list(ranges.items())[:-1])
    with pytest.raises(ValueError, match=r"do not fit convs 0-19 of YAMNet \(missing: middle\.38; not of them: none"):
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


def test_composers_training_reads_the_features_the_classifier_computes(esc50: Path) -> None:
    """`exsampling train --base` on the shipped model fits its head on YAMNet's features as the classifier will
    compute them, int8 convs and all (the base's ranges), not float's."""
    from exsampling_patch.models.datasets import Example
    from exsampling_patch.models.take_yamnet import yamnet_beside

    path = sorted((esc50 / "audio").glob("4-*.flac"))[0]
    block = load_model_file(SHIPPED_MODEL).yamnet
    assert block is not None and block.int8
    beside = yamnet_beside(block, [Example(path, "dog", "g")], [])
    clf = load_classifier(threads=1)
    y, rate = sf.read(str(path), dtype="float32")
    span = y[slice(*(round(t * rate) for t in clf.predict(y, rate, max_seconds=CLASSIFIED_SECONDS).span))]
    expected = clf.yamnet_features(span, rate)
    assert expected is not None
    np.testing.assert_allclose(beside.train(0, None).numpy(), expected, rtol=1e-5, atol=1e-5)
    floats = yamnet_beside(replace(block, int8=None), [Example(path, "dog", "g")], [])
    assert not np.allclose(floats.train(0, None).numpy(), expected, rtol=1e-5, atol=1e-5)


def test_ranges_of_other_modules_are_refused_naming_the_file(tmp_path: Path) -> None:
    def rename(blob: dict[str, Any]) -> None:
        ranges = blob["yamnet"]["int8"]
        ranges["middle.1"] = ranges.pop("middle.0")

    path = _rewritten(SHIPPED_MODEL, tmp_path / "renamed.pt", rename)
    with pytest.raises(ModelFileError) as raised:
        load_model_file(path)
    assert str(path) in str(raised.value)
    assert "not of YAMNet's int8 convs (missing: middle.0; not of them: middle.1)" in str(raised.value)


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
