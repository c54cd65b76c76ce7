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
