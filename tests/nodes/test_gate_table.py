"""A confidence gate judging slots (``judge: slot``) sums by the same table as the slot map it feeds, when the patch
gives it the map's rows: before, it summed by the shipped table whatever the patch said, and rejected takes the map
was sure of. With no table given it is the shipped one, which the default patch's threshold was calibrated with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from exsampling_patch import Prediction, Score, Take
from exsampling_patch.commands.classify import PatchChain
from exsampling_patch.nodes.classify import DEFAULT_SLOT_TABLE, ConfidenceGate, SlotMap
from exsampling_patch.nodes.slot_table import gate_confidence
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine
from exsampling_patch.validate import load_patch
from tests.nodes.test_classify_gate import SlotProbe

DEFAULT_PATCH = Path(__file__).resolve().parents[2] / "patches" / "exsampling.yaml"
#: The colleague's rows: a shaker and a rim click are hi-hat sounds in this piece.
HATS = {"tambourine_shaker": "HH", "woodblock_rim": "HH"}


def prediction(*scores: tuple[str, float], take_id: str = "t1") -> Prediction:
    return Prediction(Take(np.zeros(100, np.float32), 16000, take_id=take_id),
                      tuple(Score(label, p) for label, p in scores))


#: A hi-hat heard as partly a shaker, partly a rim: HH 0.40 and Snare 0.40 by the shipped table, HH 0.80 by HATS.
SHAKEN_HAT = (("hihat_closed", 0.40), ("tambourine_shaker", 0.22), ("woodblock_rim", 0.18), ("dog", 0.10))


def default_patch_params(node_id: str) -> dict[str, Any]:
    patch, _ = load_patch(DEFAULT_PATCH)
    return dict(patch.nodes[node_id].params)


def test_a_gate_given_the_maps_rows_passes_the_take_the_map_is_sure_of() -> None:
    shipped = ConfidenceGate("gate", default_patch_params("gate"))  # threshold 0.47, judge: slot
    shipped.start()
    edited = ConfidenceGate("gate", {**default_patch_params("gate"), "table": HATS})
    edited.start()
    slot_map = SlotMap("map", {"table": HATS})
    slot_map.start()
    for node in (shipped, edited, slot_map):
        node.handle("prediction", prediction(*SHAKEN_HAT))
    ((port, rejected),) = shipped.context.emitted
    assert port == "rejected" and rejected.take.meta["gate_reason"] == "not sure (hihat_closed 40%)"
    assert [port for port, _ in edited.context.emitted] == ["passed"]
    assert edited.context.statuses[-1]["passed"] is True
    ((_, assignment),) = slot_map.context.emitted
    assert (assignment.slot, assignment.confidence) == ("HH", pytest.approx(0.80))


def test_a_gate_sums_the_labels_of_a_model_of_ones_own_by_its_rows() -> None:
    # Labels the shipped table does not know were not summed at all: each judged alone, "not sure (clank 30%)".
    own = {"clank": "TT", "glass ping": "TT", "thud": "BD"}
    take = prediction(("Clank", 0.30), ("Glass-Ping", 0.25), ("thud", 0.20))
    shipped = ConfidenceGate("gate", {"threshold": 0.45, "judge": "slot"})
    shipped.start()
    edited = ConfidenceGate("gate", {"threshold": 0.45, "judge": "slot", "base_table": "empty", "table": own})
    edited.start()
    for gate in (shipped, edited):
        gate.handle("prediction", take)
    assert [port for port, _ in shipped.context.emitted] == ["rejected"]
    assert [port for port, _ in edited.context.emitted] == ["passed"]
    assert edited.slot_table() == {"clank": "TT", "glass_ping": "TT", "thud": "BD"}
    by_label = ConfidenceGate("gate", {"threshold": 0.45, "base_table": "empty", "table": own})
    by_label.start()
    by_label.handle("prediction", take)  # judge: label goes by the best label alone, whatever the table
    assert [port for port, _ in by_label.context.emitted] == ["rejected"]


def test_the_default_patchs_gate_judges_by_the_shipped_table_as_calibrated() -> None:
    gate = ConfidenceGate("gate", default_patch_params("gate"))
    gate.start()
    assert gate.slot_table() == DEFAULT_SLOT_TABLE == SlotMap("map", default_patch_params("map")).slot_table()
    labels = sorted(DEFAULT_SLOT_TABLE)[:40]
    rng = np.random.default_rng(7)
    outcomes = set()
    for _ in range(200):
        chosen = rng.choice(len(labels), 5, replace=False)
        probabilities = np.sort(rng.dirichlet(np.full(5, 0.6)) * rng.uniform(0.3, 1.0))[::-1]
        scores = [(labels[i], float(p)) for i, p in zip(chosen, probabilities, strict=True)]
        gate.context.emitted.clear()
        gate.handle("prediction", prediction(*scores))
        # The calibration's rule (models/calibration.py reads the threshold off held-out takes with it).
        passed = gate_confidence(scores, DEFAULT_SLOT_TABLE, "slot")[1] >= default_patch_params("gate")["threshold"]
        assert [port for port, _ in gate.context.emitted] == (["passed"] if passed else ["rejected"])
        outcomes.add((passed, gate_confidence(scores, DEFAULT_SLOT_TABLE, "slot")[1] > scores[0][1]))
    assert outcomes == {(True, True), (True, False), (False, True), (False, False)}  # summed slots, both ways


def test_classify_patch_judges_with_the_gate_table_the_running_patch_uses(tmp_path: Path) -> None:
    data = yaml.safe_load(DEFAULT_PATCH.read_text(encoding="utf-8"))
    for node in data["nodes"]:
        if node["id"] in ("gate", "map"):
            node.setdefault("params", {})["table"] = HATS
    path = tmp_path / "patch.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    take = prediction(*SHAKEN_HAT, take_id="hat")

    chain = PatchChain(path)  # what `exsampling classify --patch` runs the classifier's predictions through
    assert chain.gate is not None and chain.slot_map is not None
    for node in (chain.gate, chain.slot_map):
        node.start()
    outcome = chain.judge(take)
    assert (outcome.slot, outcome.probability, outcome.reason) == ("HH", pytest.approx(0.80), None)

    edited, registry = load_patch(path)
    patch = Patch()
    for node_id in ("gate", "map"):
        patch.add_node(edited.nodes[node_id].copy())
    patch.add_node(NodeSpec("probe", "test_slot_probe", {}))
    patch.connect("gate.passed", "map.prediction")
    patch.connect("map.slot", "probe.slot")
    registry.register(SlotProbe, "tests")
    engine = Engine(registry, base_dir=path.parent)
    engine.start(patch)
    try:
        engine.inject("gate", "prediction", take)
        assert engine.wait_idle(10)
        probe: Any = engine.node("probe")
        running = [(a.take.take_id, a.slot, a.confidence) for a in probe.received]
    finally:
        engine.stop()
    assert running == [("hat", outcome.slot, outcome.probability)]

    shipped = PatchChain(DEFAULT_PATCH)
    assert shipped.gate is not None
    shipped.gate.start()
    assert shipped.judge(take).reason == "not sure (hihat_closed 40%)"


def test_slots_for_is_slot_for_of_each_label_with_the_table_read_once() -> None:
    # The check of a gate's calibration asks of each of a model's labels (76): slots_for reads the table once.
    labels = ["hihat_closed", "Tambourine Shaker", "woodblock-rim", "dog", "clank", "BD", ""]
    gate = ConfidenceGate("gate", {**default_patch_params("gate"), "table": {**HATS, "clank": "kick"}})
    slot_map = SlotMap("map", {"base_table": "empty", "table": HATS})
    assert gate.slots_for(labels) == ["HH", "HH", "HH", "Bass", "kick", "BD", None]
    assert slot_map.slots_for(labels) == [None, "HH", "HH", None, None, None, None]
    for node in (gate, slot_map):
        assert node.slots_for(labels) == [node.slot_for(label) for label in labels]
