"""A live edit of a slot map's parameters (its table) while it holds a take for its prediction, a prediction for its
take, or the gate's rejection of a take still to come: the runtime rebuilds the map, and the new one goes on with
what the old one held (``Node.handover``). It started empty: the take ended "left waiting in map for its take, which
never came", and its other half, coming later, found nothing there."""

from __future__ import annotations

import threading
import time
from typing import Any

import numpy as np
import pytest

from exsampling_patch import PREDICTION, SLOT, TAKE, Input, Node, Output, Param, Prediction, Score, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, TakeEnded

RELEASE = threading.Event()


class PredictsWhenTold(Node):
    """A classifier that says "dog" at ``confidence``; with ``wait``, once the test sets RELEASE."""

    type_name = "t_predicts_when_told"
    take = Input(TAKE, multiple=True)
    prediction = Output(PREDICTION)
    confidence = Param(float, 0.9, "the dog's")
    wait = Param(bool, False, "until RELEASE")

    def on_take(self, take: Take) -> None:
        if self.wait:
            RELEASE.wait(20)
        self.emit("prediction", Prediction(take, (Score("dog", self.confidence),)))


class PassesWhenTold(Node):
    """The take's other branch (a pitch node); with ``wait``, it passes the take on once the test sets RELEASE."""

    type_name = "t_passes_when_told"
    take = Input(TAKE, multiple=True)
    out = Output(TAKE)
    wait = Param(bool, False, "until RELEASE")

    def on_take(self, take: Take) -> None:
        if self.wait:
            RELEASE.wait(20)
        self.emit("out", take)


class Sampler(Node):
    """Keeps the assignments it gets."""

    type_name = "t_sampler"
    slot = Input(SLOT, multiple=True)

    def start(self) -> None:
        self.got: list[Any] = []

    def on_slot(self, assignment: Any) -> None:
        self.got.append(assignment)


def pipeline(delayed: str, confidence: float, threshold: float, table: dict[str, str]) -> Patch:
    """recorder -> classifier -> gate -> map, and recorder -> pitch -> map.take; ``delayed``: the branch that waits."""
    patch = Patch()
    patch.add_node(NodeSpec("recorder", "relay", {}))
    patch.add_node(NodeSpec("classifier", "t_predicts_when_told",
                            {"confidence": confidence, "wait": delayed == "prediction"}))
    patch.add_node(NodeSpec("pitch", "t_passes_when_told", {"wait": delayed == "take"}))
    patch.add_node(NodeSpec("gate", "confidence_gate", {"threshold": threshold}))
    patch.add_node(NodeSpec("map", "slot_map", {"base_table": "empty", "table": table}))
    patch.add_node(NodeSpec("sampler", "t_sampler", {}))
    for link in ("recorder.outlet -> classifier.take", "recorder.outlet -> pitch.take",
                 "classifier.prediction -> gate.prediction", "gate.passed -> map.prediction",
                 "gate.rejected -> map.rejected", "pitch.out -> map.take", "map.slot -> sampler.slot"):
        patch.connect(*link.split(" -> "))
    return patch


@pytest.mark.parametrize(("delayed", "confidence", "held"), [
    ("prediction", 0.9, "_takes"),  # the take waits at the map for its prediction
    ("take", 0.9, "_predictions"),  # the prediction waits for its (pitched) take
    ("take", 0.1, "_rejected"),  # the gate's rejection waits for its take, which must then not be held
])
def test_an_edit_of_the_map_keeps_what_it_held_and_the_take_ends_once_by_the_edited_table(
        delayed: str, confidence: float, held: str) -> None:
    registry = Registry.default(entry_points=False)
    for node_type in (PredictsWhenTold, PassesWhenTold, Sampler):
        registry.register(node_type, "test")
    RELEASE.clear()
    engine = Engine(registry, workers=2, pin_workers=False)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(pipeline(delayed, confidence, 0.5, {"dog": "Bass"}))
    try:
        old_map: Any = engine.node("map")
        engine.inject("recorder", "inlet", Take(np.full(480, 0.1, np.float32), 48000, take_id="t1"))
        deadline = time.monotonic() + 10
        while "t1" not in getattr(old_map, held, {}) and time.monotonic() < deadline:
            time.sleep(0.005)
        assert "t1" in getattr(old_map, held) and ended == []
        # The composer edits the map's table (and the gate's threshold) while the take waits.
        assert engine.update(pipeline(delayed, confidence, 0.3, {"dog": "Kick"})) is not None
        new_map: Any = engine.node("map")
        assert new_map is not old_map  # rebuilt by the edit
        RELEASE.set()
        assert engine.wait_idle(10)
        assert len(ended) == 1 and ended[0].take_id == "t1", ended  # its end, told once
        sampler: Any = engine.node("sampler")
        if confidence < 0.3:
            assert ended[0].fate == "rejected" and "not sure" in ended[0].reason and sampler.got == []
        else:
            assert (ended[0].fate, ended[0].slots) == ("slot", ("Kick",)), ended  # the edit's table, not "Bass"
            assert [(a.slot, a.take.take_id) for a in sampler.got] == [("Kick", "t1")]
        # nothing left held: without the handover the rejected take was held at the new map for a prediction
        assert new_map._takes == {} and new_map._predictions == {} and new_map._rejected == {}
        assert len(engine.ledger) == 0
    finally:
        RELEASE.set()
        engine.stop()


class BadHandover(Node):
    """A node whose handover raises: the edit goes on, the error told on the node."""

    type_name = "t_bad_handover"
    take = Input(TAKE, multiple=True)
    level = Param(int, 1, "any")

    def handover(self) -> Any:
        raise RuntimeError("cannot hand over")

    def on_take(self, take: Take) -> None:
        pass


def test_a_handover_that_raises_is_told_on_the_node_and_the_edit_goes_on() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(BadHandover, "test")
    patch = Patch()
    patch.add_node(NodeSpec("bad", "t_bad_handover", {"level": 1}))
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(patch)
    try:
        old = engine.node("bad")
        edit = Patch()
        edit.add_node(NodeSpec("bad", "t_bad_handover", {"level": 2}))
        assert engine.update(edit) is not None
        assert engine.node("bad") is not old and engine.node("bad").params["level"] == 2
        assert "cannot hand over" in engine.errors["bad"]
    finally:
        engine.stop()
