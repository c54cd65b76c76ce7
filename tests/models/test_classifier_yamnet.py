"""A model file that carries YAMNet: its head reads ``[aiSFX pooled | scale * YAMNet]``, in this process and in the
classifier's own, and files that do not fit each other are refused. Real parts throughout: the shipped aiSFX trunk,
YAMNet's real weights (built once into the cache by the project's command), real ESC-50 clips of folds 1-4, and a
head fitted here on their features (three classes: it only has to separate them)."""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
import torch
from threadpoolctl import threadpool_limits

from exsampling_patch.models.benchmark import first_load, time_takes
from exsampling_patch.models.classifier import _windows, load_classifier
from exsampling_patch.models.features import CLASSIFIED_SECONDS, analyse, compress, remove_offset
from exsampling_patch.models.model_file import (
    SHIPPED_MODEL,
    ModelFileError,
    YamnetBlock,
    load_head_file,
    load_model_file,
    save_head_file,
    save_model_file,
)
from exsampling_patch.models.network import Head, SoundNet
from exsampling_patch.models.oneshots import DEFAULT_CACHE
from exsampling_patch.models.process import ClassifierProcess
from exsampling_patch.models.yamnet import (
    FEATURE_SIZE,
    FEATURES,
    PATCH_FEATURES,
    SIDE_BY_SIDE_FEATURES,
    reference_features,
    take_features,
    yamnet_from_state,
)
from exsampling_patch.models.yamnet_weights import WeightsError, build, weights_path
from tests.models.plain_model import plain_net, save_plain_model

CLASSES = ("church_bells", "dog", "rain")
# YAMNet's features of a clip are about 35 in norm, the trunk's about 130: scaled to weigh alike in the head (and
# not 1, so that a head read without its scale scores otherwise).
SCALE = 4.0
TRAIN_PER_CLASS, HELD_OUT_PER_CLASS = 4, 2


@dataclass(frozen=True)
class Fitted:
    """The files written for the tests, and what the test computed itself to fit them."""

    model: Path  # carries YAMNet and the int8 trunk
    head: Path  # the same head as a head file, for the shipped trunk
    held_out: list[tuple[Path, str]]  # fold 4
    weight: np.ndarray
    bias: np.ndarray
    block: YamnetBlock


def _clips(esc50: Path) -> tuple[list[tuple[Path, str]], list[tuple[Path, str]]]:
    """Training clips from folds 1-3 and held-out ones from fold 4, first by file name (fold 5 is never read)."""
    rows = sorted(csv.DictReader((esc50 / "esc50.csv").open(newline="")), key=lambda r: r["filename"])
    train: list[tuple[Path, str]] = []
    held: list[tuple[Path, str]] = []
    for r in rows:
        if r["category"] not in CLASSES:
            continue
        picked, wanted = (train, TRAIN_PER_CLASS) if r["fold"] in {"1", "2", "3"} else (held, HELD_OUT_PER_CLASS)
        if r["fold"] in {"1", "2", "3", "4"} and sum(c == r["category"] for _, c in picked) < wanted:
            picked.append((esc50 / "audio" / r["filename"], r["category"]))
    return train, held


def _head_input(trunk: SoundNet, yamnet: torch.nn.Module, path: Path) -> np.ndarray:
    """The head's input for a whole clip, computed here apart from the classifier: the float trunk's pooled
    features, then YAMNet's times the scale."""
    y, rate = sf.read(str(path), dtype="float32")
    with torch.inference_mode():
        map3, map4 = trunk.sequence(torch.from_numpy(compress(analyse(y, rate))).unsqueeze(0))
        pooled = trunk.pool(map3, map4)[0].numpy()
    centred = y - np.mean(y, axis=0, dtype=np.float64).astype(np.float32)  # YAMNet reads the take less its offset
    return np.concatenate([pooled, SCALE * take_features(yamnet, centred, rate)])  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def block() -> YamnetBlock:
    path = weights_path(DEFAULT_CACHE)
    if not path.is_file():
        try:
            path = build(DEFAULT_CACHE, log=False)
        except WeightsError as error:
            pytest.skip(f"YAMNet's weights cannot be built here: {error}")
    return YamnetBlock.from_weights(path, SCALE)


@pytest.fixture(scope="module")
def fitted(block: YamnetBlock, esc50: Path, tmp_path_factory: pytest.TempPathFactory) -> Fitted:
    from sklearn.linear_model import LogisticRegression

    shipped = load_model_file(SHIPPED_MODEL)
    yamnet = yamnet_from_state(block.state_dict)
    train, held = _clips(esc50)
    x = np.stack([_head_input(shipped.model, yamnet, p) for p, _ in train])
    # C small enough that the probabilities are not saturated (0.8-0.99 on the held-out clips): a change in the
    # head's input then shows in them. BLAS on one thread: its spinning workers beside other tests' processes on
    # 2 cores made the fit take 9 s instead of 1.
    with threadpool_limits(limits=1, user_api="blas"):
        fit = LogisticRegression(C=0.003, max_iter=1000).fit(x, [CLASSES.index(c) for _, c in train])
    model = SoundNet(len(CLASSES))
    model.trunk.load_state_dict(shipped.model.trunk.state_dict())
    model.head = Head(model.feature_dim + FEATURE_SIZE, len(CLASSES))
    with torch.no_grad():
        model.head.fc.weight.copy_(torch.from_numpy(fit.coef_))
        model.head.fc.bias.copy_(torch.from_numpy(fit.intercept_))
    folder = tmp_path_factory.mktemp("yamnet_model")
    path = save_model_file(model, list(CLASSES), folder / "with_yamnet.pt", {"test": True}, shipped.int8_trunk, block)
    head = save_head_file(model, list(CLASSES), folder / "yamnet_head.pt", {"test": True}, yamnet=block)
    # the weights as stored (float16), as the classifier reads them
    return Fitted(path, head, held, model.head.fc.weight.detach().half().float().numpy(),
                  model.head.fc.bias.detach().half().float().numpy(), block)


@dataclass(frozen=True)
class Plain:
    """A model file and a head file without YAMNet, on the shipped trunk (the shipped model carries YAMNet since
    7 Dec): the head is the shipped head's aiSFX columns."""

    model: Path
    head: Path


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Plain:
    folder = tmp_path_factory.mktemp("plain_model")
    path = save_plain_model(folder)
    model = plain_net()
    return Plain(path, save_head_file(model, load_model_file(path).labels, folder / "plain_head.pt", {"test": True}))


def test_the_classifier_hears_held_out_clips_through_yamnet(fitted: Fitted) -> None:
    clf = load_classifier(fitted.model)
    assert clf.has_yamnet and clf.int8 == load_classifier().int8 and clf.labels == CLASSES
    for path, category in fitted.held_out:
        assert clf.predict_file(path).label == category, path.name


def test_the_head_reads_the_trunks_features_then_yamnets_scaled(fitted: Fitted) -> None:
    """Float trunk (no int8): the classifier's probabilities are the head's on the features computed here, in
    that order and at that scale; its YAMNet part is the scaled features of the span it analyses."""
    clf = load_classifier(fitted.model, int8=False)
    trunk = load_model_file(SHIPPED_MODEL).model
    yamnet = yamnet_from_state(fitted.block.state_dict)
    for path, _ in fitted.held_out[::2]:
        x = _head_input(trunk, yamnet, path)
        logits = fitted.weight @ x + fitted.bias
        expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        pred = clf.predict_file(path)
        assert pred.probabilities is not None
        np.testing.assert_allclose(pred.probabilities, expected, atol=2e-4)
        y, rate = sf.read(str(path), dtype="float32")
        np.testing.assert_allclose(clf.yamnet_features(y, rate), x[-FEATURE_SIZE:], rtol=1e-5, atol=1e-6)


def test_windows_each_read_the_spans_yamnet_features(fitted: Fitted) -> None:
    """1 s windows on the loudest 3 s: each window's head reads its own trunk features beside YAMNet's features
    of the whole analysed span (computed once), not of the whole take nor of the window."""
    clf = load_classifier(fitted.model, int8=False)
    trunk = load_model_file(SHIPPED_MODEL).model
    path, category = fitted.held_out[0]
    y, rate = sf.read(str(path), dtype="float32")
    pred = clf.predict(y, rate, window="1s", pooling="mean", max_seconds=3.0)
    assert pred.label == category and pred.window_probabilities is not None
    first, last = (round(t * rate) for t in pred.span)
    assert last - first == round(3.0 * rate)
    span = y[first:last]
    yamnet = SCALE * take_features(yamnet_from_state(fitted.block.state_dict), span, rate)
    with torch.inference_mode():
        map3, map4 = trunk.sequence(torch.from_numpy(compress(analyse(span, rate))).unsqueeze(0))
        spans = _windows(map3.shape[2], "1s")
        pooled = torch.cat([trunk.pool(map3[:, :, a:b], map4[:, :, a:b]) for a, b in spans]).numpy()
    assert len(spans) == len(pred.windows) > 2
    logits = np.concatenate([pooled, np.tile(yamnet, (len(spans), 1))], axis=1) @ fitted.weight.T + fitted.bias
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(pred.window_probabilities, expected, atol=2e-4)


def test_the_classifiers_process_gives_the_same_probabilities(fitted: Fitted) -> None:
    local = load_classifier(fitted.model, threads=1)
    process = ClassifierProcess(fitted.model, threads=1)
    try:
        process.wait_ready()
        assert process.labels == CLASSES
        for path, category in fitted.held_out[:3]:
            y, rate = sf.read(str(path), dtype="float32")
            theirs, ours = process.predict(y, rate, max_seconds=5.0), local.predict(y, rate, max_seconds=5.0)
            assert theirs.label == ours.label == category
            assert theirs.probabilities is not None and ours.probabilities is not None
            np.testing.assert_allclose(theirs.probabilities, ours.probabilities, atol=1e-6)
    finally:
        process.stop()


def test_a_yamnet_head_goes_on_its_model_and_is_refused_on_one_without_yamnet(fitted: Fitted, plain: Plain) -> None:
    own = load_classifier(fitted.model, head=fitted.head)
    path, _ = fitted.held_out[0]
    assert own.has_yamnet
    np.testing.assert_allclose(own.predict_file(path).probabilities,  # type: ignore[arg-type]
                               load_classifier(fitted.model).predict_file(path).probabilities, atol=1e-6)
    # A model of the same trunk (so the trunk's fingerprint passes) and no YAMNet.
    with pytest.raises(ModelFileError) as raised:
        load_classifier(plain.model, head=fitted.head)
    told = str(raised.value)
    assert str(fitted.head) in told and str(plain.model) in told and "carries no YAMNet" in told


def test_a_head_without_yamnet_on_a_model_with_it_runs_without_yamnet(fitted: Fitted, plain: Plain) -> None:
    clf = load_classifier(fitted.model, head=plain.head)
    alone = load_classifier(plain.model, head=plain.head)
    path, _ = fitted.held_out[0]
    assert not clf.has_yamnet and clf.labels == alone.labels
    np.testing.assert_allclose(clf.predict_file(path).probabilities,  # type: ignore[arg-type]
                               alone.predict_file(path).probabilities, atol=1e-6)


def test_yamnet_features_of_another_recipe_are_refused(fitted: Fitted, tmp_path: Path) -> None:
    loaded = load_model_file(fitted.model)
    stale = YamnetBlock(fitted.block.state_dict, "patches48-meanmax-1", SCALE)  # before 7 Dec's padding
    path = save_model_file(loaded.model, loaded.labels, tmp_path / "stale.pt", None, loaded.int8_trunk, stale)
    with pytest.raises(ModelFileError) as raised:
        load_classifier(path)
    told = str(raised.value)
    assert str(path) in told and "'patches48-meanmax-1'" in told and f"'{FEATURES}'" in told
    assert "train it again" in told
    model = SoundNet(len(CLASSES))
    model.trunk.load_state_dict(loaded.model.trunk.state_dict())
    model.head = Head(model.feature_dim + FEATURE_SIZE, len(CLASSES))
    head = save_head_file(model, list(CLASSES), tmp_path / "stale_head.pt", yamnet=stale)
    with pytest.raises(ModelFileError, match="'patches48-meanmax-1'"):
        load_head_file(head)


def test_a_model_without_yamnet_is_written_and_read_as_before(tmp_path: Path, plain: Plain) -> None:
    """Version 1 and no "yamnet" entry, as before: an older exsampling reads it; one with YAMNet is version 2, which
    an older exsampling refuses with "update exsampling" rather than failing on a wider head."""
    loaded = load_model_file(plain.model)
    assert loaded.yamnet is None and not load_classifier(plain.model).has_yamnet
    path = save_model_file(loaded.model, loaded.labels, tmp_path / "plain.pt", None, loaded.int8_trunk)
    blob = torch.load(path, weights_only=True)
    assert blob["version"] == 1 and "yamnet" not in blob
    with pytest.raises(ValueError, match="reads 12288 features, not the 12288 \\+ 2048"):
        save_model_file(loaded.model, loaded.labels, tmp_path / "wrong.pt", yamnet=YamnetBlock({}, FEATURES))


def test_the_benchmark_times_the_yamnet_part_apart(fitted: Fitted, plain: Plain) -> None:
    figures = time_takes(load_classifier(fitted.model), repeats=1, thread_counts=(1,))
    span = f"{CLASSIFIED_SECONDS:g}s"
    for key in ("ms_10s_take_1thread_yamnet", f"ms_10s_take_1thread_yamnet_{span}"):
        assert figures[key] > 0 and figures[key + "_p95"] >= figures[key]
    assert f"ms_10s_take_1thread_whole_{span}" in figures
    assert not any("yamnet" in key for key in time_takes(load_classifier(plain.model), repeats=1, thread_counts=(1,)))


def test_a_model_with_yamnet_loads_with_one_unchecked_trace_and_gives_the_weights_features(
        fitted: Fitted, monkeypatch: pytest.MonkeyPatch) -> None:
    """torch.jit.trace's check (the module traced and run again, the graphs compared) took 0.7-1 s of a fresh
    process's load on one thread, and the freeze on two threads beside other work 2.5-5 s; the trace alone 0.1 s.
    The load traces once, unchecked, on one thread, leaves the classifier's thread count as it set it, and the
    features stay those of the weights (the eager modules, patch by patch)."""
    real_trace = torch.jit.trace
    traces: list[tuple[object, int]] = []

    def recording_trace(*args: Any, **kwargs: Any) -> Any:
        traces.append((kwargs.get("check_trace", True), torch.get_num_threads()))
        return real_trace(*args, **kwargs)

    monkeypatch.setattr(torch.jit, "trace", recording_trace)
    before = torch.get_num_threads()
    try:
        clf = load_classifier(fitted.model, threads=2)
        assert traces == [(False, 1)] and torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    path, _ = fitted.held_out[0]
    y, rate = sf.read(str(path), dtype="float32")
    span = y[slice(*(round(t * rate) for t in clf.predict(y, rate).span))]
    expected = SCALE * reference_features(yamnet_from_state(fitted.block.state_dict), span, rate)
    np.testing.assert_allclose(clf.yamnet_features(span, rate), expected, rtol=1e-4, atol=1e-4)


def test_a_model_or_head_computes_yamnets_features_as_its_file_says(fitted: Fitted, tmp_path: Path) -> None:
    """Two recipes of YAMNet's features are known (patches overlapping, patches side by side): each model file and
    head file names its own, and the classifier computes what it names, not what this code would train now."""
    loaded = load_model_file(fitted.model)
    path, _ = fitted.held_out[0]
    y, rate = sf.read(str(path), dtype="float32")
    yamnet = yamnet_from_state(fitted.block.state_dict)
    span = y[: 2 * rate]
    centred = remove_offset(span)  # as the classifier hears it
    recipes = (SIDE_BY_SIDE_FEATURES, PATCH_FEATURES)
    expected = {f: SCALE * reference_features(yamnet, centred, rate, f) for f in recipes}
    models, heads = {}, {}
    for features in recipes:
        block = replace(fitted.block, features=features)
        models[features] = save_model_file(loaded.model, loaded.labels, tmp_path / f"{features}.pt", None,
                                           loaded.int8_trunk, block)
        heads[features] = save_head_file(loaded.model, loaded.labels, tmp_path / f"{features}_head.pt", yamnet=block)
    for features, other in ((SIDE_BY_SIDE_FEATURES, PATCH_FEATURES), (PATCH_FEATURES, SIDE_BY_SIDE_FEATURES)):
        for clf in (load_classifier(models[features]), load_classifier(models[other], head=heads[features])):
            np.testing.assert_allclose(clf.yamnet_features(span, rate), expected[features], rtol=1e-4, atol=1e-4)


def test_the_benchmark_reports_a_fresh_process_first_load(fitted: Fitted) -> None:
    """The median of loads in one process hid the once-a-process trace of YAMNet: a fresh process's first load
    is reported too."""
    figures = first_load(str(fitted.model))
    assert figures["first_load_ms"] > 0 and figures["first_import_ms"] > 0


def _rewritten(source: Path, out: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    blob = torch.load(source, weights_only=True)
    change(blob)
    torch.save(blob, out)
    return out


def test_a_model_file_whose_yamnet_is_missing_or_not_yamnets_is_refused_by_name(fitted: Fitted,
                                                                                 tmp_path: Path) -> None:
    """torch's RuntimeError from load_state_dict (tensor names and shapes) reached the performer: the file is
    refused by name, in a few words."""
    def drop(blob: dict[str, Any]) -> None:
        del blob["yamnet"]

    def narrow(blob: dict[str, Any]) -> None:
        state = blob["yamnet"]["state_dict"]
        state["convs.0.weight"] = state["convs.0.weight"][:16]

    def unknown(blob: dict[str, Any]) -> None:
        blob["yamnet"]["state_dict"]["extra.weight"] = torch.zeros(2)

    for change, words in ((drop, "carries no YAMNet"), (narrow, "YAMNet weights are not YAMNet's"),
                          (unknown, "YAMNet weights are not YAMNet's")):
        path = _rewritten(fitted.model, tmp_path / f"{change.__name__}.pt", change)
        with pytest.raises(ModelFileError) as raised:
            load_classifier(path)
        assert str(path) in str(raised.value) and words in str(raised.value)


def _tones(folder: Path) -> Path:
    for label, freq in (("low", 200.0), ("high", 3000.0)):
        for i in range(3):
            t = np.arange(11025) / 22050
            (folder / label).mkdir(parents=True, exist_ok=True)
            tone = (0.3 * np.sin(2 * np.pi * freq * (1 + 0.05 * i) * t)).astype(np.float32)
            sf.write(str(folder / label / f"{i}.wav"), tone, 22050)
    return folder


def test_fine_tuning_the_trunk_beside_yamnet_is_refused_before_any_work(fitted: Fitted, tmp_path: Path) -> None:
    """Fine-tuning the trunk fits on batches that have no YAMNet features: refused, naming the option that trains
    beside YAMNet (a new head on the frozen trunk, the default)."""
    from exsampling_patch.models.train import TrainConfig, train_folder

    with pytest.raises(ModelFileError) as raised:
        train_folder(_tones(tmp_path / "data"), tmp_path / "out.pt", base_model=fitted.model,
                     config=TrainConfig(freeze_trunk=False))
    assert str(fitted.model) in str(raised.value) and "freeze_trunk=True" in str(raised.value)
    assert not (tmp_path / "out.pt").exists()


def test_training_rows_are_the_classifiers_yamnet_features_of_each_take_and_crop(fitted: Fitted, esc50: Path) -> None:
    """Each take's row beside the trunk's is what the classifier reads at inference of the same span (scaled by the
    base's scale), and each crop's is of the crop's own samples, drawn as the trunk's crops are."""
    from exsampling_patch.models.datasets import Example, analysed_span
    from exsampling_patch.models.features import hop_length
    from exsampling_patch.models.fitting import augmented_features, crop_steps, trunk_maps, trunk_steps
    from exsampling_patch.models.network import STEP_FRAMES
    from exsampling_patch.models.take_yamnet import TakeYamnet

    clf = load_classifier(fitted.model, int8=False)
    takes = [Example(path, label, path.stem) for path, label in fitted.held_out[:2]]
    rows = TakeYamnet(yamnet_from_state(fitted.block.state_dict), SCALE, takes, "yamnet")
    spans = [analysed_span(e.path) for e in takes]
    powers = [analyse(*span) for span in spans]
    model = load_model_file(SHIPPED_MODEL).model
    feats, _ = augmented_features(model, trunk_maps(model, powers), powers, np.zeros(2, np.int64), 2, (1.0, 2.5),
                                  np.random.default_rng(7), rows)
    rng = np.random.default_rng(7)
    expected = []
    for (y, rate), power in zip(spans, powers, strict=True):
        expected.append(clf.yamnet_features(y, rate))
        per_step = STEP_FRAMES * hop_length(rate)
        for a, b in crop_steps(power, trunk_steps(power), 2, (1.0, 2.5), rng):
            expected.append(clf.yamnet_features(y[a * per_step : b * per_step], rate))
    assert len(expected) == 6  # two 5 s clips, each whole and two crops
    np.testing.assert_allclose(feats[:, model.feature_dim :].numpy(), np.stack(expected), rtol=1e-5, atol=1e-5)
    assert not np.allclose(expected[0], expected[1], atol=0.1)  # a crop's features are its own, not the take's


def _takes_as_recorded(esc50: Path, folder: Path) -> list[Path]:
    """Two takes unlike ESC-50's 5 s clips: 9 s (a dog, then 4 s of faint room noise, which the trim keeps) and
    one of a bark with 1 s of silence either side (which the trim cuts)."""
    rows = sorted(csv.DictReader((esc50 / "esc50.csv").open(newline="")), key=lambda r: r["filename"])
    name = next(r["filename"] for r in rows if r["category"] == "dog" and r["fold"] == "4")
    y, rate = sf.read(str(esc50 / "audio" / name), dtype="float32")
    noise = 0.003 * np.random.default_rng(0).standard_normal(4 * rate).astype(np.float32)
    silence = np.zeros(rate, np.float32)
    loud = int(np.argmax(np.abs(y)))
    bark = y[max(0, loud - rate // 4) : loud + rate]
    paths = [folder / "long.wav", folder / "short.wav"]
    sf.write(str(paths[0]), np.concatenate([y, noise]), rate)
    sf.write(str(paths[1]), np.concatenate([silence, bark, silence]), rate)
    return paths


def test_training_rows_are_what_the_classifier_computes_of_the_take_the_default_patch_gives_it(
        fitted: Fitted, esc50: Path, tmp_path: Path) -> None:
    """Training analysed each take's loudest 10 s, untrimmed, while the default patch trims a take and the node scores
    its loudest 5 s: a 9 s take's row was up to 56% away from what the head reads when it plays. Each take's row (the
    trunk's pooled features beside YAMNet's) is now the head's input as the classifier computes it: the take through
    the default patch's trim node, then Classifier.predict on the classifier node's default span."""
    import yaml

    from exsampling_patch.messages import Take
    from exsampling_patch.models.datasets import Dataset, Example, compute_features
    from exsampling_patch.models.fitting import pooled_features
    from exsampling_patch.models.take_yamnet import TakeYamnet
    from exsampling_patch.nodes.processing import Trim
    from exsampling_patch.registry import Registry

    paths = _takes_as_recorded(esc50, tmp_path)
    patch = yaml.safe_load((Path(__file__).resolve().parents[2] / "patches" / "exsampling.yaml").read_text())
    trim_params = next(n.get("params", {}) for n in patch["nodes"] if n["type"] == "trim")
    scored = Registry.default(entry_points=False).get("classifier").resolve_params({})["max_seconds"]
    clf = load_classifier(fitted.model, int8=False)
    trunk = load_model_file(fitted.model).model
    examples = [Example(p, "dog", p.stem) for p in paths]
    yamnet_rows = TakeYamnet(yamnet_from_state(fitted.block.state_dict), SCALE, examples, "yamnet")
    rows = torch.cat([pooled_features(trunk, compute_features(Dataset(examples, ["dog"], tmp_path))),
                      torch.stack([yamnet_rows(i, None) for i in range(len(examples))])], dim=1).numpy()
    for path, row in zip(paths, rows, strict=True):
        y, rate = sf.read(str(path), dtype="float32")
        trim = Trim("trim", trim_params)
        trim.start()
        trim.handle("take", Take(y, rate))
        take = trim.context.emitted[0][1]
        assert isinstance(take, Take)
        pred = clf.predict(take.samples, take.sample_rate, max_seconds=scored)
        logits = fitted.weight @ row + fitted.bias
        expected = np.exp(logits - logits.max()) / np.exp(logits - logits.max()).sum()
        assert pred.probabilities is not None
        np.testing.assert_allclose(pred.probabilities, expected, atol=2e-4)
        first, last = (round(t * rate) for t in pred.span)
        np.testing.assert_allclose(row[trunk.feature_dim :], clf.yamnet_features(take.samples[first:last], rate),
                                   rtol=1e-5, atol=1e-5)


def _loudest(source: Path, out: Path, seconds: float = 2.5) -> Path:
    """The loudest ``seconds`` of the clip at ``source``, written to ``out``: takes half as long, a test twice as
    quick, and still heard right (the suite is at its time limit)."""
    from exsampling_patch.models.features import loudest_span

    y, rate = sf.read(str(source), dtype="float32")
    first, last = loudest_span(y, rate, seconds)
    out.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(out), y[first:last], rate)
    return out


def test_exsampling_train_on_a_base_with_yamnet_writes_a_model_that_hears_through_it(
        fitted: Fitted, esc50: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`exsampling train --base` on a model that carries YAMNet (a composer retraining on the shipped model, which is
    to carry it) was refused; it fits a head on both features of the takes and the model carries the base's YAMNet
    unchanged: the classifier runs it with YAMNet, and it hears held-out takes (fold 4) right."""
    from exsampling_patch.cli import main as cli_main

    rows = sorted(csv.DictReader((esc50 / "esc50.csv").open(newline="")), key=lambda r: r["filename"])
    held: list[tuple[Path, str]] = []
    for c in CLASSES:  # takes the base's head was not fitted on, 3 to train on and 1 held out for validation each
        mine = [r["filename"] for r in rows if r["category"] == c and r["fold"] in {"1", "2", "3"}]
        for name in mine[TRAIN_PER_CLASS : TRAIN_PER_CLASS + 4]:
            _loudest(esc50 / "audio" / name, tmp_path / "takes" / c / name)
        for r in [r for r in rows if r["category"] == c and r["fold"] == "4"][:HELD_OUT_PER_CLASS + 1]:
            held.append((_loudest(esc50 / "audio" / r["filename"], tmp_path / "held" / r["filename"]), c))
    out = tmp_path / "mine.pt"
    assert cli_main(["train", str(tmp_path / "takes"), "--base", str(fitted.model), "--out", str(out),
                     "--threads", "1"]) == 0
    told = capsys.readouterr()
    assert f"wrote {out}" in told.out and "yamnet" in told.err  # the YAMNet features' progress bar

    loaded = load_model_file(out)
    assert loaded.labels == list(CLASSES) and loaded.yamnet is not None
    assert (loaded.yamnet.features, loaded.yamnet.scale) == (FEATURES, SCALE)
    assert loaded.yamnet.state_dict.keys() == fitted.block.state_dict.keys() and all(
        torch.equal(loaded.yamnet.state_dict[k], fitted.block.state_dict[k].half()) for k in loaded.yamnet.state_dict)
    assert loaded.model.head.fc.weight[:, loaded.model.feature_dim :].abs().sum() > 0  # it reads YAMNet's part
    assert "YAMNet" in out.with_suffix(".md").read_text()
    clf = load_classifier(out)
    assert clf.has_yamnet and clf.labels == CLASSES
    right = sum(clf.predict_file(path).label == c for path, c in held)
    assert right >= 7, f"{right}/{len(held)} held-out takes right (chance: 3)"
