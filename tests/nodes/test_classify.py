"""Confidence gate and class-to-slot map (the classifier node itself is tested with the model): the slot chosen
by its labels' summed probability, rejections told with their reason or sent to a fallback slot."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch import Prediction, Score, SlotAssignment, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.classify import (
    ESC50_SLOTS,
    SLOTS,
    ConfidenceGate,
    SlotMap,
    normalize_label,
    slot_scores,
)

HATS = {"dog": "Bass", "hihat_closed": "HH", "hihat_open": "HH", "cat": "Chorus"}


def prediction(*scores: tuple[str, float], reason: str | None = None) -> Prediction:
    return Prediction(Take(np.zeros(100, np.float32), 16000), tuple(Score(lab, p) for lab, p in scores), reason)


def test_gate_splits_on_threshold() -> None:
    gate = ConfidenceGate("gate", {"threshold": 0.5})
    gate.handle("prediction", prediction(("dog", 0.7), ("cat", 0.2)))
    gate.handle("prediction", prediction(("dog", 0.3), ("cat", 0.2)))
    gate.handle("prediction", prediction(("dog", 0.5)))
    gate.handle("prediction", prediction(reason="silent: peak -80 dBFS < -60 dBFS"))
    assert [port for port, _ in gate.context.emitted] == ["passed", "rejected", "passed", "rejected"]
    assert gate.context.statuses[-1]["label"] == "nothing"


def test_gate_rejections_say_why_for_the_phone() -> None:
    gate = ConfidenceGate("gate", {"threshold": 0.4})
    gate.handle("prediction", prediction(("dog", 0.31), ("cat", 0.2)))
    gate.handle("prediction", prediction(reason="silent: peak -80 dBFS < -60 dBFS"))
    gate.handle("prediction", prediction(reason="too short: 0.01 s < 0.03 s"))
    rejected = [message for _, message in gate.context.emitted]
    assert [p.take.meta["gate_reason"] for p in rejected] == [
        "not sure (dog 31%)", "nothing to classify: silent (peak -80 dBFS < -60 dBFS)",
        "nothing to classify: too short (0.01 s < 0.03 s)"]
    # the reason rides in the prediction's own field, which recorder_status puts on the phone's take list
    assert [p.reason for p in rejected] == ["rejected: not sure (dog 31%)", rejected[1].take.meta["gate_reason"],
                                            rejected[2].take.meta["gate_reason"]]
    assert all(p.take.meta["gate"] == "rejected" and "fallback_slot" not in p.take.meta for p in rejected)
    assert rejected[0].scores == (Score("dog", 0.31), Score("cat", 0.2))  # what the classifier said, kept
    assert gate.context.statuses[0]["reason"] == "not sure (dog 31%)"


def test_gate_sends_unsure_takes_to_its_fallback_slot_and_the_map_loads_them_there() -> None:
    gate = ConfidenceGate("gate", {"threshold": 0.4, "fallback_slot": "Chorus"})
    unsure, silent = prediction(("dog", 0.31)), prediction(reason="silent: peak -80 dBFS < -60 dBFS")
    gate.handle("prediction", unsure)
    gate.handle("prediction", silent)
    # the unsure take is told (rejected) and still goes on (passed); silence never replaces a slot's sound
    assert [(port, p.take.take_id) for port, p in gate.context.emitted] == [
        ("rejected", unsure.take.take_id), ("passed", unsure.take.take_id), ("rejected", silent.take.take_id)]
    marked = gate.context.emitted[1][1]
    assert marked.take.meta["fallback_slot"] == "Chorus" and marked.reason == "rejected: not sure (dog 31%)"

    context = NodeContext()
    context.linked_inputs.add("take")
    node = SlotMap("map", {"table": HATS}, context)  # dog is Bass in its table: the gate's fallback wins
    node.start()
    node.handle("take", unsure.take.derive(meta={"pitch_hz": 110.0}))
    for port, message in gate.context.emitted:
        if port == "passed":
            node.handle("prediction", message)
    ((port, assignment),) = context.emitted
    assert port == "slot" and assignment.slot == "Chorus" and assignment.label == "dog"
    assert assignment.take.meta["pitch_hz"] == 110.0 and assignment.take.meta["gate_reason"] == "not sure (dog 31%)"


def test_slot_scores_sum_each_slots_labels() -> None:
    table = {normalize_label(k): v for k, v in HATS.items()}
    scores = [("dog", 0.5), ("Hihat-Closed", 0.3), ("hihat_open", 0.15), ("rain", 0.05)]
    assert slot_scores(scores, table) == [("Bass", 0.5), ("HH", pytest.approx(0.45))]
    assert slot_scores([("hihat_closed", 0.45), ("hihat_open", 0.40), ("dog", 0.1)], table) == [
        ("HH", pytest.approx(0.85)), ("Bass", 0.1)]
    assert slot_scores([("rain", 0.9)], table) == []  # labels not in the table are ignored
    assert slot_scores([], table) == []
    assert [s for s, _ in slot_scores([("cat", 0.2), ("dog", 0.2)], table)] == ["Chorus", "Bass"]  # ties: best first


def test_map_uses_the_table_and_forgives_spelling() -> None:
    node = SlotMap("map", {"table": {"Hi-hat": "HH", "snare drum": "Snare"}})
    node.start()
    node.handle("prediction", prediction(("hi_hat", 0.9)))
    node.handle("prediction", prediction(("Snare-Drum", 0.6)))
    node.handle("prediction", prediction(("dog", 0.9)))
    ports = [port for port, _ in node.context.emitted]
    assert ports == ["slot", "slot", "unmapped"]
    first: SlotAssignment = node.context.emitted[0][1]
    assert first.slot == "HH" and first.label == "hi_hat" and first.confidence == 0.9


def test_map_fallback() -> None:
    node = SlotMap("map", {"table": {}, "fallback": "Chorus"})
    node.start()
    node.handle("prediction", prediction(("anything", 0.9)))
    assert node.context.emitted[0][1].slot == "Chorus"


def test_map_joins_predictions_with_the_takes_on_its_take_input_by_take_id() -> None:
    from exsampling_patch.node import NodeContext

    context = NodeContext()
    context.linked_inputs.add("take")  # as when pitch.out -> map.take is linked
    node = SlotMap("map", {"table": {"dog": "Bass", "cat": "Chorus"}, "max_waiting": 2}, context)
    node.start()
    first, second = prediction(("dog", 0.9)), prediction(("cat", 0.8))
    first_pitched = first.take.derive(meta={"pitch_hz": 110.0})
    second_pitched = second.take.derive(meta={"pitch_hz": 220.0})
    node.handle("prediction", first.__class__(first.take.derive(meta={"classified_ms": 9.0}), first.scores))
    assert context.emitted == []  # waits for its pitched take
    node.handle("take", second_pitched)  # takes may come first, too
    node.handle("take", first_pitched)
    node.handle("prediction", second)
    slots = [message for _, message in context.emitted]
    assert [(a.slot, a.take.take_id, a.take.meta["pitch_hz"]) for a in slots] == [
        ("Bass", first.take.take_id, 110.0), ("Chorus", second.take.take_id, 220.0)]
    assert slots[0].take.meta["classified_ms"] == 9.0  # what the classifier noted is kept
    for _ in range(3):  # takes whose predictions never come (gated out) are not held forever
        node.handle("take", prediction(("dog", 0.9)).take)
    assert len(node._takes) == 2


def test_map_chooses_the_slot_whose_labels_sum_highest() -> None:
    unsure_hat = prediction(("dog", 0.40), ("hihat_closed", 0.35), ("hihat_open", 0.25))
    by_slot = SlotMap("map", {"table": HATS})  # choose: slot is the default
    by_label = SlotMap("map", {"table": HATS, "choose": "label"})
    for node in (by_slot, by_label):
        node.start()
        node.handle("prediction", unsure_hat)
    hat: SlotAssignment = by_slot.context.emitted[0][1]
    assert (hat.slot, hat.label, hat.confidence) == ("HH", "hihat_closed", pytest.approx(0.60))
    dog: SlotAssignment = by_label.context.emitted[0][1]
    assert (dog.slot, dog.label, dog.confidence) == ("Bass", "dog", 0.40)


def test_map_by_slot_leaves_labels_outside_its_table_to_unmapped_or_the_fallback() -> None:
    mostly_unknown = prediction(("rain", 0.7), ("dog", 0.2))
    node = SlotMap("map", {"table": HATS})
    node.start()
    node.handle("prediction", mostly_unknown)
    node.handle("prediction", prediction(("rain", 0.3), ("dog", 0.2), ("cat", 0.15)))  # Bass 0.2 < unknown 0.3
    node.handle("prediction", prediction(("rain", 0.3), ("hihat_open", 0.2), ("hihat_closed", 0.2)))
    assert [port for port, _ in node.context.emitted] == ["unmapped", "unmapped", "slot"]
    falling = SlotMap("map", {"table": HATS, "fallback": "Wind"})
    falling.start()
    falling.handle("prediction", mostly_unknown)
    ((_, assignment),) = falling.context.emitted
    assert (assignment.slot, assignment.label, assignment.confidence) == ("Wind", "rain", 0.7)


def test_map_without_its_take_input_linked_assigns_at_once() -> None:
    node = SlotMap("map", {"table": {"dog": "Bass"}})
    node.start()
    node.handle("prediction", prediction(("dog", 0.9)))
    assert [port for port, _ in node.context.emitted] == ["slot"]


def test_default_table_maps_every_esc50_class(esc50: Path) -> None:
    with open(esc50 / "esc50.csv", newline="") as handle:
        classes = {row["category"] for row in csv.DictReader(handle)}
    assert len(classes) == 50
    assert {normalize_label(c) for c in classes} == {normalize_label(c) for c in ESC50_SLOTS}
    assert set(ESC50_SLOTS.values()) == set(SLOTS)  # every slot gets sounds


def test_node_choices_match_the_classifier() -> None:
    from exsampling_patch.models import classifier
    from exsampling_patch.nodes import classify

    assert classify.WINDOWS == classifier.WINDOWS and classify.POOLINGS == classifier.POOLINGS

