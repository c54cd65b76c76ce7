"""The shipped classifier: held-out accuracy on a fixed fold-4 subset, empty results, any rate and channel count.

Fold-4 accuracy is measured with the validation head (shipped trunk + head trained on folds 1-3 and the musical
sources but LMMS, ``models/sounds_validation_head.pt``): the shipped head saw fold 4 in training.
"""

from __future__ import annotations

import csv
import itertools
import re
import threading
from pathlib import Path
from typing import Any

import librosa
import numpy as np
import pytest
import soundfile as sf
import torch

from exsampling_patch.models import load_classifier, load_validation_classifier
from exsampling_patch.models.classifier import (
    SHIPPED_MODEL,
    VALIDATION_HEAD,
    Classifier,
    ModelFileError,
    load_head_file,
    load_model_file,
    save_head_file,
)
from exsampling_patch.models.network import SoundNet

MODEL_CARD = SHIPPED_MODEL.parent / "MODEL_CARD.md"
# The subset is 150 clips (3 a class): its accuracy is fixed for a given model, but it sits within a few
# points of the card's 400-clip figure by chance (standard error ~3 points). A 6-point margin absorbs that and
# int8/float noise; a broken or untrained head scores far below (a random head: ~2%).
MARGIN = 0.06


@pytest.fixture(scope="module")
def clf() -> Classifier:
    return load_classifier()


def fold4_subset(esc50: Path, per_class: int = 3) -> list[tuple[Path, str]]:
    """A fixed subset of fold 4: the first ``per_class`` clips of each class in file-name order."""
    rows = sorted(csv.DictReader((esc50 / "esc50.csv").open()), key=lambda r: r["filename"])
    picked: dict[str, list[Path]] = {}
    for r in rows:
        if r["fold"] == "4" and len(picked.setdefault(r["category"], [])) < per_class:
            picked[r["category"]].append(esc50 / "audio" / r["filename"])
    return [(p, c) for c, ps in sorted(picked.items()) for p in ps]


def card_fold4_accuracy() -> float:
    text = MODEL_CARD.read_text()
    m = re.search(r"fold-4 top-1 accuracy[^*]*\*\*([0-9.]+)%\*\*", text)
    assert m, "MODEL_CARD.md must state 'fold-4 top-1 accuracy ... **NN.N%**'"
    return float(m.group(1)) / 100


def test_shipped_model_loads_and_knows_everyday_and_musical_sounds() -> None:
    c = load_classifier()  # its load time is benchmarks/bench_classifier.py's
    assert len(c.labels) == 76 and {"dog", "kick", "hihat_closed", "acoustic_piano", "choir_voice"} <= set(c.labels)
    assert SHIPPED_MODEL.stat().st_size < 25_000_000


@pytest.fixture(scope="module")
def subset_audio(esc50: Path) -> list[tuple[np.ndarray, int, str]]:
    """The fixed fold-4 subset, read once for the module."""
    return [(*sf.read(str(p), dtype="float32"), c) for p, c in fold4_subset(esc50)]


def accuracy_on(clf: Classifier, clips: list[tuple[np.ndarray, int, str]]) -> float:
    return sum(clf.predict(y, sr).label == c for y, sr, c in clips) / len(clips)


def test_fold4_subset_accuracy_stays_at_card_figure(subset_audio: list[tuple[np.ndarray, int, str]]) -> None:
    """Held-out accuracy: the validation head never saw fold 4."""
    assert len(subset_audio) == 150
    val = load_validation_classifier()
    assert val.meta["head"]["data"].startswith("ESC-50 folds 1-3 ")
    accuracy = accuracy_on(val, subset_audio)
    floor = card_fold4_accuracy() - MARGIN
    assert accuracy >= floor, f"fold-4 subset accuracy {accuracy:.3f} < {floor:.3f} (card figure - margin)"


def test_a_dc_offset_does_not_change_what_a_take_sounds_like(
    clf: Classifier, subset_audio: list[tuple[np.ndarray, int, str]]
) -> None:
    """A recorder's constant offset (a tenth of the take's peak here) is removed before analysis; it used to
    count in the peak normalisation and lowered the take's level, and with it the accuracy."""
    flips = []
    for y, sr, _ in subset_audio[::5]:
        clean = clf.predict(y, sr)
        offset = clf.predict(y + np.float32(0.1 * np.abs(y).max()), sr)
        assert abs(offset.probability - clean.probability) < 0.02
        flips += [offset.label != clean.label]
    assert not any(flips)


def test_fold4_check_fails_for_a_random_head(
    tmp_path: Path, subset_audio: list[tuple[np.ndarray, int, str]]
) -> None:
    """The check above is real: the same trunk with an untrained (random) head falls far below the floor."""
    shipped = load_model_file()
    model = SoundNet(len(shipped.labels))
    model.trunk.load_state_dict(shipped.model.trunk.state_dict())
    random_head = save_head_file(model, shipped.labels, tmp_path / "random_head.pt", {"data": "none"})
    clf = load_classifier(head=random_head)
    assert accuracy_on(clf, subset_audio[::3]) < card_fold4_accuracy() - MARGIN


def test_validation_head_ships_small_and_fits_only_its_trunk(tmp_path: Path) -> None:
    head = load_head_file(VALIDATION_HEAD)
    shipped = load_model_file()
    assert head.labels == shipped.labels
    assert VALIDATION_HEAD.stat().st_size < 2_500_000
    # the model under 25 MB (issue 15) is checked above; the head, a CI artefact beside it, under 2.5 MB: the two
    # together were kept under 25 MB until the model carried YAMNet (23.8 MB)
    assert not np.allclose(head.weight.numpy(), shipped.model.head.fc.weight.detach().numpy())  # not the shipped head
    other = save_head_file(SoundNet(len(shipped.labels)), shipped.labels, tmp_path / "other_trunk.pt")  # random trunk
    with pytest.raises(ModelFileError, match="another trunk"):
        load_classifier(head=other)
    with pytest.raises(ModelFileError):
        load_classifier(head=SHIPPED_MODEL)  # a full model file is not a head file


def test_a_head_file_that_cannot_be_written_leaves_the_one_there_whole(tmp_path: Path) -> None:
    # Before, save_head_file (train_sounds' validation head) wrote in place: on a full disk the head there was cut
    # short, and torch's zip writer ended in a traceback. A file size limit stands for the full disk (EFBIG).
    import resource
    import signal

    old = save_head_file(SoundNet(2), ["clank", "hum"], tmp_path / "head.pt", {"data": "before"})
    labels = [f"label{n}" for n in range(40)]  # about 1 MB
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails, the process goes on
    resource.setrlimit(resource.RLIMIT_FSIZE, (2**18, hard))
    try:
        with pytest.raises(ModelFileError) as refused:
            save_head_file(SoundNet(len(labels)), labels, old, {"data": "after"})
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, handler)
    assert str(refused.value) == f"cannot write the head file {old} (is the disk full?): the head there before is kept"
    kept = load_head_file(old)
    assert kept.labels == ["clank", "hum"] and kept.meta == {"data": "before"}
    assert [p.name for p in tmp_path.iterdir()] == ["head.pt"]  # no part-written file left


def test_silent_and_short_takes_give_nothing_to_classify(clf: Classifier) -> None:
    for samples, sr, word in [
        (np.zeros(44100, np.float32), 44100, "silent"),
        (np.full((48000, 2), 1e-5, np.float32), 48000, "silent"),
        (np.random.default_rng(0).standard_normal(16000).astype(np.float32) * 1e-4, 16000, "silent"),
        (np.random.default_rng(0).standard_normal(400).astype(np.float32) * 0.5, 16000, "too short"),
        (np.zeros(0, np.float32), 44100, "too short"),
        (np.full(16000, np.nan, np.float32), 16000, "silent"),
    ]:
        pred = clf.predict(samples, sr)
        assert pred.nothing_to_classify and pred.top == [] and pred.label is None
        assert pred.reason is not None and word in pred.reason
        assert pred.to_dict() == {"top": [], "reason": pred.reason}
    # trim says a take of a few samples is too short in these words, by its own copy of the limit
    from exsampling_patch.nodes.processing import SHORTEST_TAKE_S
    assert clf.min_seconds == SHORTEST_TAKE_S


def test_an_empty_audio_file_is_an_error_not_a_take_too_short(clf: Classifier, tmp_path: Path) -> None:
    """predict_file read a WAV of no frames as 'too short: 0.00 s', where `exsampling classify` and a take read
    from the file (exsampling_patch.takes.read_take) say 'the file holds no audio': the file is broken."""
    from exsampling_patch.takes import UnusableAudio

    empty = tmp_path / "empty.wav"
    sf.write(str(empty), np.zeros((0, 1), np.float32), 44100)
    assert sf.info(str(empty)).frames == 0
    with pytest.raises(UnusableAudio, match=r"^the file holds no audio$"):
        clf.predict_file(empty)
    with pytest.raises(UnusableAudio, match=r"^the file holds no audio$"):
        clf.predict_file(empty, window="1s", max_seconds=5.0)


def test_a_float_file_holding_a_nan_is_damaged_not_silent(clf: Classifier, tmp_path: Path) -> None:
    """predict_file called a float WAV with a NaN sample 'silent', where `exsampling classify` and a take read
    from the file (exsampling_patch.takes.read_take) say it is damaged: the three agree on one check."""
    from exsampling_patch.takes import UnusableAudio, read_take

    samples = np.zeros((4410, 1), np.float32)
    samples[100, 0] = np.nan
    damaged = tmp_path / "damaged.wav"
    sf.write(str(damaged), samples, 44100, subtype="FLOAT")
    assert np.isnan(sf.read(str(damaged), dtype="float32")[0]).sum() == 1
    with pytest.raises(UnusableAudio, match=r"^damaged: 1 of its samples are NaN or infinite$"):
        clf.predict_file(damaged)
    with pytest.raises(UnusableAudio, match=r"^damaged: 1 of its samples are NaN or infinite$"):
        read_take(damaged)


def test_a_wav_whose_length_was_never_written_is_classified_whole(clf: Classifier, tmp_path: Path) -> None:
    """A recorder sets its WAV's length when it stops; one whose battery died left 0 there, its audio all in the
    file. predict_file read it with soundfile alone, as 'the file holds no audio', where a take read from the same
    file (``exsampling classify``, the folder source) has all of it (exsampling_patch.audio_files.read_audio)."""
    import io
    import struct

    from exsampling_patch.takes import read_take

    rate = 44100
    n = int(0.5 * rate)
    hit = np.random.default_rng(2).standard_normal(n) * np.exp(-np.arange(n) / (0.05 * rate))
    out = io.BytesIO()
    sf.write(out, 0.5 * hit / np.abs(hit).max(), rate, format="WAV", subtype="PCM_16")
    data = out.getvalue()
    at = data.index(b"data") + 8
    unfinished = tmp_path / "battery-died.wav"
    unfinished.write_bytes(data[:4] + struct.pack("<I", 0) + data[8:at - 4] + struct.pack("<I", 0) + data[at:])
    assert sf.info(str(unfinished)).frames == 0  # soundfile alone: nothing
    take = read_take(unfinished)
    assert take.samples.shape[0] == n
    pred = clf.predict_file(unfinished)
    assert pred.top and pred.duration == pytest.approx(n / rate)
    assert pred.top == clf.predict(take.samples, take.sample_rate).top


def test_a_30_ms_hit_is_classified(clf: Classifier) -> None:
    """Short sounds are sounds: a 30 ms decaying noise burst (a closed hi-hat's length) gets labels."""
    rate = 48000
    n = int(0.03 * rate)
    hit = np.random.default_rng(1).standard_normal(n).astype(np.float32) * np.exp(-np.arange(n) / (0.006 * rate))
    pred = clf.predict(0.5 * hit.astype(np.float32), rate)
    assert not pred.nothing_to_classify, pred.reason
    assert len(pred.top) == 5 and abs(sum(pred.probabilities) - 1.0) < 1e-3


def test_any_rate_and_channel_count_agree(clf: Classifier, esc50: Path) -> None:
    path, _ = fold4_subset(esc50)[0]
    y, sr = sf.read(str(path), dtype="float32")
    ref = clf.predict(y, sr)
    y44 = librosa.resample(y, orig_sr=sr, target_sr=44100)
    stereo = np.stack([y44, y44 * 0.5], axis=1)
    pred = clf.predict(stereo, 44100)
    assert pred.label == ref.label
    assert abs(pred.probability - ref.probability) < 0.1
    pcm = (np.stack([librosa.resample(y, orig_sr=sr, target_sr=48000)] * 4, axis=1) * 20000).astype(np.int16)
    assert clf.predict(pcm, 48000).label == ref.label


def test_windows_pooling_and_top_k(clf: Classifier, esc50: Path) -> None:
    path, _ = fold4_subset(esc50)[10]
    y, sr = sf.read(str(path), dtype="float32")
    take = np.concatenate([y, y])  # 10 s
    whole = clf.predict(take, sr, top_k=3)
    assert len(whole.top) == 3 and len(whole.windows) == 1
    assert whole.top[0][1] >= whole.top[1][1] >= whole.top[2][1]
    assert np.isclose(whole.probabilities.sum(), 1.0, atol=1e-4)
    for window in ("1s", "2s", "4s"):
        for pooling in ("mean", "max", "vote"):
            p = clf.predict(take, sr, window=window, pooling=pooling, top_k=50)
            assert len(p.top) == 50
            assert p.window_probabilities is not None
            assert p.window_probabilities.shape == (len(p.windows), len(clf.labels))
            assert len(p.windows) > 2
            assert p.windows[0].start == 0.0 and p.windows[-1].end == pytest.approx(10.0, abs=0.5)
    with pytest.raises(ValueError):
        clf.predict(take, sr, window="3 minutes")
    with pytest.raises(ValueError):
        clf.predict(take, sr, pooling="median")


def test_thread_safe(clf: Classifier, esc50: Path) -> None:
    clips = [sf.read(str(p), dtype="float32")[0] for p, _ in fold4_subset(esc50)[:4]]
    expected = [clf.predict(c, 16000).top for c in clips]
    results: dict[int, list] = {}

    def work(i: int) -> None:
        results[i] = clf.predict(clips[i % 4], 16000).top

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for i in range(8):
        assert [lab for lab, _ in results[i]] == [lab for lab, _ in expected[i % 4]]


def test_a_ten_second_take_in_1s_windows_is_covered_whole_and_pooled(clf: Classifier) -> None:
    """How fast is benchmarks/bench_classifier.py's (ms per 10 s take, 1 s windows); here, what it answers."""
    take = np.random.default_rng(1).standard_normal(441000).astype(np.float32) * 0.1
    pred = clf.predict(take, 44100, window="1s")
    assert pred.window == "1s" and pred.duration == pytest.approx(10.0) and pred.span == pytest.approx((0.0, 10.0))
    spans = [(w.start, w.end) for w in pred.windows]
    assert spans[0][0] == 0.0 and spans[-1][1] == pytest.approx(10.0)
    assert all(later[0] <= earlier[1] for earlier, later in itertools.pairwise(spans))  # no gap
    assert pred.window_probabilities is not None and pred.probabilities is not None
    np.testing.assert_allclose(pred.window_probabilities.sum(axis=1), 1.0, atol=1e-5)
    active = [i for i, w in enumerate(pred.windows) if w.active]
    assert active
    np.testing.assert_allclose(pred.window_probabilities[active].mean(axis=0), pred.probabilities, atol=1e-5)
    again = clf.predict(take, 44100, window="1s")
    assert again.top == pred.top


def test_bad_model_file(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError):
        load_classifier(tmp_path / "missing.pt")
    junk = tmp_path / "junk.pt"
    junk.write_bytes(b"not a model")
    with pytest.raises(ModelFileError):
        load_classifier(junk)


def test_an_unreadable_model_file_is_named_with_why_in_one_line(tmp_path: Path) -> None:
    """torch's own words run to paragraphs that advise loading with weights_only=False (running the file's code)."""
    shipped = Path(load_model_file().path).read_bytes()
    files = {"junk.pt": (b"garbage\n", "not a model file: it holds something other than weights"),
             "empty.pt": (b"", "empty, or cut short"),
             "cut.pt": (shipped[:100_000], "damaged: a model file cut short or changed")}
    for name, (data, why) in files.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ModelFileError) as raised:
            load_model_file(tmp_path / name)
        assert str(raised.value) == f"not a readable model file: {tmp_path / name} ({why})"


def test_a_folder_given_as_the_model_is_told_as_a_folder(tmp_path: Path) -> None:
    # Before: "model file not found: models", of a folder that is there.
    with pytest.raises(ModelFileError) as raised:
        load_model_file(tmp_path)
    assert str(raised.value) == f"a folder, not a model file: {tmp_path} (name the .pt file in it)"


def test_a_file_of_another_kind_given_as_the_model_says_so(tmp_path: Path) -> None:
    """The card `exsampling train` writes beside the model, a take, a patch: torch's error was "(101)" or
    "(pop from empty list)"."""
    files = {"my_model.md": b"# my_model\n\nvalidation accuracy 90%\n", "take.wav": b"RIFF\x24\x00\x00\x00WAVEfmt ",
             "show.yaml": b"exsampling_patch: 1\nnodes: []\n"}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(ModelFileError) as raised:
            load_model_file(tmp_path / name)
        assert str(raised.value) == (f"not a readable model file: {tmp_path / name} (not a model file: it holds "
                                     "something other than weights)")


def test_a_model_file_of_another_front_end_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """Model files written before 25 Nov 2026 describe a 16 kHz front end (n_fft/hop in samples)."""
    blob = torch.load(str(SHIPPED_MODEL), map_location="cpu", weights_only=True)
    blob["front_end"] = {"n_fft": 743, "hop": 742, "n_mels_full": 96, "fmax_full": 22050.0}
    old = tmp_path / "old_front_end.pt"
    torch.save(blob, old)
    with pytest.raises(ModelFileError) as raised:
        load_classifier(old)
    assert str(raised.value) == (f"model {old} was trained by an older version of exsampling, which analysed takes at "
                                 "16 kHz (this one, at their own rate): with it takes would be misheard; train it "
                                 "again on its takes (.venv/bin/exsampling train)")


def test_a_model_file_of_another_version_is_told_in_words_with_what_to_do(tmp_path: Path) -> None:
    """Before, "trained with another front end ({'n_fft': 743, ...}); this version analyses takes with
    FrontEnd(frame_seconds=0.0464375, ...)", and "unsupported model version 2 in ...": Python's words, and
    neither said which side was old. Told alike by the loader and by ``exsampling check`` (the header)."""
    from exsampling_patch.models.features import FRONT_END
    from exsampling_patch.models.model_header import MODEL_FORMAT, model_file_problem

    current = {"format": MODEL_FORMAT, "version": 1, "labels": ["a", "b"], "front_end": vars(FRONT_END).copy()}
    files: dict[str, tuple[dict[str, Any], str]] = {
        "old.pt": ({"front_end": {"n_fft": 743, "hop": 742, "n_mels_full": 96, "fmax_full": 22050.0}},
                   "was trained by an older version of exsampling, which analysed takes at 16 kHz (this one, at their "
                   "own rate): with it takes would be misheard; train it again on its takes (.venv/bin/exsampling "
                   "train)"),
        "other.pt": ({"front_end": {**vars(FRONT_END), "fmax": 11025.0}},
                     "was trained by another version of exsampling, which analysed takes otherwise than this one: "
                     "with it takes would be misheard; train it again on its takes (.venv/bin/exsampling train)"),
        "newer.pt": ({"version": 3}, "was written by a newer version of exsampling (model version 3; this one reads "
                                     "versions 1 and 2): update exsampling to use it"),
        "none.pt": ({"version": None}, "is of a version this exsampling does not read (model version none; it reads "
                                       "versions 1 and 2): train it again (.venv/bin/exsampling train)"),
    }
    for name, (changed, why) in files.items():
        path = tmp_path / name
        torch.save({**current, **changed}, path)
        told = f"model {path} {why}" if "front_end" in changed else f"model file {path} {why}"
        with pytest.raises(ModelFileError) as raised:
            load_model_file(path)
        assert str(raised.value) == told
        assert model_file_problem(path) == told


def test_max_seconds_scores_the_loudest_span_and_reports_take_time(clf: Classifier, esc50: Path) -> None:
    path, _ = fold4_subset(esc50)[40]
    y, sr = sf.read(str(path), dtype="float32")  # 5 s
    quiet = np.random.default_rng(2).standard_normal(int(3.5 * sr)).astype(np.float32) * 1e-3
    take = np.concatenate([quiet, y, quiet[: int(1.5 * sr)]])  # 10 s, the clip at 3.5-8.5 s
    alone = clf.predict(y, sr, window="1s")
    pred = clf.predict(take, sr, window="1s", max_seconds=5.0)
    assert pred.duration == pytest.approx(10.0, abs=1e-3)  # the take's true duration
    assert pred.span[1] - pred.span[0] == pytest.approx(5.0, abs=1e-3)
    assert 3.0 <= pred.span[0] <= 3.6  # the loud clip, found to within a block
    assert pred.windows[0].start == pytest.approx(pred.span[0]) and pred.windows[-1].end <= pred.span[1] + 1e-9
    assert pred.label == alone.label
    whole = clf.predict(take, sr, window="1s")
    assert whole.span == (0.0, pytest.approx(10.0, abs=1e-3))
    assert clf.predict(y, sr, max_seconds=5.0).top == clf.predict(y, sr).top  # a 5 s clip: unchanged


def test_loading_a_classifier_keeps_numpy_blas_to_one_thread(clf: Classifier) -> None:
    from threadpoolctl import threadpool_info

    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


def test_the_int8_trunk_runs_convolution_and_relu_as_one_kernel(clf: Classifier) -> None:
    # A ReLU left on its own gives every activation a non-zero zero point, which sends the next int8
    # convolution down a slow path (8.6 ms against 7.0 for 5 s of audio on one thread).
    if not clf.int8:
        pytest.skip("no quantised engine on this CPU")
    code = clf._model.trunk.code
    assert code.count("quantized.conv2d_relu(") == 8
    assert "torch.relu(" not in code and "quantized.conv2d(" not in code


def test_quantising_a_trunk_fuses_its_batch_norms_and_relus() -> None:
    from exsampling_patch.models.network import calibrate_int8, load_int8_trunk, script_int8_trunk

    model = SoundNet(3).eval()
    specs = [torch.rand(1, 40, 71) * 0.8 for _ in range(3)]
    trunk: Any = load_int8_trunk(script_int8_trunk(model, calibrate_int8(model, specs)), model.n_bands)
    assert trunk.code.count("quantized.conv2d_relu(") == 8
    with torch.inference_mode():
        expected3, expected4 = model.trunk(specs[0])
        got3, got4 = trunk(specs[0])
    assert got4.shape == expected4.shape and got3.shape == expected3.shape
    assert torch.corrcoef(torch.stack([got4.flatten(), expected4.flatten()]))[0, 1] > 0.98


def test_a_model_named_without_its_pt_says_the_file_meant(tmp_path: Path) -> None:
    # `exsampling train --out mine.pt`, then `--model mine` (or `model: mine` in a patch): "model file not found: mine"
    # beside mine.pt, which no spelling of the name finds (mine.md, the card, is as close).
    from exsampling_patch.validate import check_file

    (tmp_path / "mine.pt").write_bytes(b"a model file, not read: the one named is not found")
    (tmp_path / "mine.md").write_text("# Model card: mine\n", encoding="utf-8")
    with pytest.raises(ModelFileError) as raised:
        load_model_file(tmp_path / "mine")
    assert str(raised.value) == f"model file not found: {tmp_path / 'mine'} (did you mean '{tmp_path / 'mine.pt'}'?)"
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n    model: mine\n"
                     "links: []\n", encoding="utf-8")
    (problem,) = check_file(patch)
    assert problem.line == 6
    assert problem.message == "node 'clf': parameter 'model': 'mine' does not exist; did you mean 'mine.pt'?"
