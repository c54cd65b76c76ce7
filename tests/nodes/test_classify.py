"""Confidence gate and class-to-slot map (the classifier node itself is tested with the model)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from exsampling_patch import Prediction, Score, SlotAssignment, Take
from exsampling_patch.nodes.classify import ESC50_SLOTS, SLOTS, ConfidenceGate, SlotMap, normalize_label


def prediction(*scores: tuple[str, float], reason: str | None = None) -> Prediction:
    return Prediction(Take(np.zeros(100, np.float32), 16000), tuple(Score(lab, p) for lab, p in scores), reason)


def test_gate_splits_on_threshold() -> None:
    gate = ConfidenceGate("gate", {"threshold": 0.5})
    gate.handle("prediction", prediction(("dog", 0.7), ("cat", 0.2)))
    gate.handle("prediction", prediction(("dog", 0.3), ("cat", 0.2)))
    gate.handle("prediction", prediction(("dog", 0.5)))
    gate.handle("prediction", prediction(reason="silent: peak -80 dBFS"))
    assert [port for port, _ in gate.context.emitted] == ["passed", "rejected", "passed", "rejected"]
    assert gate.context.statuses[-1]["label"] == "nothing"


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
