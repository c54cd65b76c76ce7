"""Temperature scaling, calibration error, the chain's slot outcome, the gate threshold, phone-take augmentation."""

from __future__ import annotations

import numpy as np
import pytest

from exsampling_patch.models.augment import PhoneTakeConfig, change_speed, phone_take
from exsampling_patch.models.calibration import (
    calibration_error,
    choose_threshold,
    fit_temperature,
    slot_outcomes,
    softmax,
)


def calibrated_set(n: int = 4000, classes: int = 5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Logits whose softmax is the true class distribution the targets are drawn from (calibrated by design)."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0.0, 2.0, (n, classes))
    probs = softmax(logits)
    targets = np.array([rng.choice(classes, p=p) for p in probs])
    return logits, targets


def test_temperature_scaling_undoes_overconfidence_and_the_error_shows_it() -> None:
    logits, targets = calibrated_set()
    ece, _ = calibration_error(softmax(logits).max(1), softmax(logits).argmax(1) == targets)
    assert ece < 0.03
    sharp = logits * 3.0  # an over-confident model
    ece_sharp, bins = calibration_error(softmax(sharp).max(1), softmax(sharp).argmax(1) == targets)
    assert ece_sharp > 0.1 and sum(b["count"] for b in bins) == len(targets)
    temperature = fit_temperature(sharp, targets)
    assert 2.6 < temperature < 3.4
    fixed = softmax(sharp / temperature)
    assert calibration_error(fixed.max(1), fixed.argmax(1) == targets)[0] < 0.03


def test_slot_outcome_sums_a_slots_labels_and_the_gate_reads_the_best_label() -> None:
    labels = ["hihat_closed", "hihat_open", "dog", "kick"]
    table = {"hihat_closed": "HH", "hihat_open": "HH", "dog": "Bass", "kick": "BD"}
    probs = np.array([[0.35, 0.30, 0.35, 0.0],   # HH by slot (0.65), a tie by label
                      [0.10, 0.10, 0.80, 0.0]])
    by_slot = slot_outcomes(probs, labels, ["hihat_open", "hihat_open"], table, threshold=0.4)
    assert by_slot["right"].tolist() == [True, False]
    assert by_slot["passed"].tolist() == [False, True]  # 0.35 < 0.4: the gate judges the best label
    dog_ahead = np.array([[0.33, 0.30, 0.37, 0.0]])
    by_label = slot_outcomes(dog_ahead, labels, ["hihat_open"], table, 0.0, choose="label")
    assert by_label["right"].tolist() == [False]  # dog 0.37 beats each hi-hat alone
    assert slot_outcomes(dog_ahead, labels, ["hihat_open"], table, 0.0)["right"].tolist() == [True]


def test_calibration_judges_each_row_as_the_gate_node_does() -> None:
    """The threshold read off held-out rows must mean at run time what it meant there: the same rule."""
    from exsampling_patch.messages import Prediction, Score
    from exsampling_patch.nodes.classify import judged_confidence
    from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE

    labels = ["hihat_closed", "hihat_open", "crash_cymbal", "dog", "kick", "snare"]
    probs = softmax(np.random.default_rng(3).normal(0.0, 1.5, (200, len(labels))))
    for judge in ("label", "slot"):
        rows = slot_outcomes(probs, labels, ["kick"] * len(probs), DEFAULT_SLOT_TABLE, 0.0, judge=judge)
        for row, confidence in zip(probs, rows["confidence"], strict=True):
            order = np.argsort(-row)[:5]
            scores = tuple(Score(labels[j], float(row[j])) for j in order)
            assert judged_confidence(Prediction(None, scores), judge)[1] == pytest.approx(confidence)  # type: ignore[arg-type]
    assert (rows["confidence"] > probs.max(1)).any()  # "slot" sums hi-hats: the rule is exercised


def reference_outcomes(probs: np.ndarray, labels: list[str], truth: list[str], table: dict[str, str],
                       threshold: float, choose: str, judge: str, top_k: int = 5) -> dict[str, list]:
    """:func:`slot_outcomes` spelt out plainly, one row at a time (labels already normalised)."""
    passed, right, confidence = [], [], []
    for row, true_label in zip(probs, truth, strict=True):
        top = sorted(zip(labels, row.tolist(), strict=True), key=lambda pair: -pair[1])[:top_k]
        sums: dict[str, float] = {}
        for label, probability in top:
            if label in table:
                sums[table[label]] = sums.get(table[label], 0.0) + probability
        best_slot = max(sums, key=lambda slot: sums[slot]) if sums else None
        value = top[0][1]
        if judge == "slot" and best_slot is not None:
            value = max(value, sums[best_slot])
        chosen = best_slot if choose == "slot" else table.get(top[0][0])
        right.append(chosen is not None and chosen == table.get(true_label))
        confidence.append(value)
        passed.append(value >= threshold)
    return {"passed": passed, "right": right, "confidence": confidence}


@pytest.mark.parametrize("choose", ["slot", "label"])
@pytest.mark.parametrize("judge", ["label", "slot"])
def test_slot_outcomes_equal_a_plain_reference_on_random_rows(choose: str, judge: str) -> None:
    from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE

    labels = ["hihat_closed", "hihat_open", "crash_cymbal", "snare", "dog", "kick", "not_a_label", "wind"]
    rng = np.random.default_rng(7)
    probs = softmax(rng.normal(0.0, 1.5, (300, len(labels))))
    truth = [labels[j] for j in rng.integers(0, len(labels), len(probs))]
    got = slot_outcomes(probs, labels, truth, DEFAULT_SLOT_TABLE, 0.4, choose=choose, judge=judge)
    want = reference_outcomes(probs, labels, truth, DEFAULT_SLOT_TABLE, 0.4, choose, judge)
    np.testing.assert_allclose(got["confidence"], want["confidence"], rtol=1e-12)
    assert got["passed"].tolist() == want["passed"]
    assert got["right"].tolist() == want["right"]
    assert 0 < sum(want["right"]) < len(truth) and 0 < sum(want["passed"]) < len(truth)  # both outcomes occur


def test_gate_threshold_meets_precision_when_it_can_else_caps_rejections() -> None:
    confidence = np.linspace(0.01, 1.0, 100)
    right = confidence > 0.03  # only the two least confident are wrong
    assert choose_threshold(confidence, right) <= 0.05  # 95% precision reached while rejecting under 5%
    hard = confidence > 0.5  # half wrong: precision 95% would reject far more than 5%
    threshold = choose_threshold(confidence, hard)
    assert (confidence < threshold).mean() <= 0.05 + 1e-9


def test_phone_take_is_a_changed_but_recognisable_version() -> None:
    rate = 44100
    t = np.arange(int(0.5 * rate)) / rate
    shot = (np.sin(2 * np.pi * 440 * t) * np.exp(-t * 8)).astype(np.float32)
    rng = np.random.default_rng(0)
    takes = [phone_take(shot, rate, rng, [rng.standard_normal(rate).astype(np.float32)]) for _ in range(20)]
    for take in takes:
        assert take.dtype == np.float32 and np.isfinite(take).all()
        assert 0.0 < np.abs(take).max() <= 1.0
        assert int(0.03 * rate) * 0.8 <= len(take) <= 4 * len(shot)
    assert len({len(x) for x in takes}) > 10  # lengths differ: crops, speed, lead-in, reverb tails
    quiet = phone_take(shot, rate, np.random.default_rng(1), (), PhoneTakeConfig(
        semitones=0, crop_probability=0, reverb_probability=0, noise_probability=0, clip_probability=0))
    spectrum = np.abs(np.fft.rfft(quiet))
    assert abs(np.argmax(spectrum) * rate / len(quiet) - 440) < 5  # still a 440 Hz note


def test_change_speed_shifts_pitch() -> None:
    rate = 16000
    tone = np.sin(2 * np.pi * 500 * np.arange(rate) / rate).astype(np.float32)
    faster = change_speed(tone, 2 ** (2 / 12))
    assert abs(len(faster) - rate / 2 ** (2 / 12)) <= 1
    peak = np.argmax(np.abs(np.fft.rfft(faster))) * rate / len(faster)
    assert abs(peak - 500 * 2 ** (2 / 12)) < 3


def test_the_heads_slot_term_sums_labels_as_the_slot_map_does() -> None:
    """Training's slot log-probabilities (log-sum-exp over :func:`slot_groups`) are the slot map's sums."""
    import torch

    from exsampling_patch.models.head_fit import slot_groups
    from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE, slot_scores

    labels = ["hihat_closed", "hihat_open", "clap_snap", "kick", "dog", "not_a_label"]
    probs = np.array([0.30, 0.25, 0.20, 0.10, 0.10, 0.05])
    groups = slot_groups(labels)
    slot_logp = torch.logsumexp(torch.log(torch.tensor(probs, dtype=torch.float32))[:, None] + groups, dim=0)
    by_slot = dict(slot_scores(zip(labels, probs, strict=True), DEFAULT_SLOT_TABLE))
    assert by_slot["HH"] == pytest.approx(0.55)
    for slot, total in by_slot.items():
        column = int(groups[labels.index(next(k for k in labels if DEFAULT_SLOT_TABLE.get(k) == slot))].argmax())
        assert float(slot_logp[column].exp()) == pytest.approx(total, rel=1e-5)
    assert groups.shape[1] == len(by_slot) + 1  # the unknown label has a column of its own


def test_training_trims_takes_as_the_default_patchs_trim_node() -> None:
    """The head learns from takes cut where the trim node cuts them: a hit after a quiet lead-in, whose 20 ms
    frames every 20 ms (the copy training once had) and every 5 ms (the node's) end in different places."""
    from exsampling_patch.messages import Take
    from exsampling_patch.models.sound_features import trim
    from exsampling_patch.nodes.processing import Trim

    rate = 48000
    rng = np.random.default_rng(3)
    take = np.zeros(rate, np.float32)
    hit = rng.normal(0.0, 0.5, 2400).astype(np.float32) * np.exp(-np.arange(2400) / 300.0).astype(np.float32)
    take[10_100:12_500] = hit
    node = Trim("trim", {"top_db": 60.0})
    node.start()
    node.handle("take", Take(take, rate, take_id="t"))
    (_, trimmed), = node.context.emitted
    np.testing.assert_array_equal(trim(take, rate), trimmed.mono())
