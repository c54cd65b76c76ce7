"""A slot map in a partly linked patch holds takes (or predictions) whose other half never comes: each such take
ends, told "left waiting", and the map must then forget it. It kept every one for good, a long show's memory
growing with each take. So did its rejections (the gate's word on a take before the take itself) of
takes that ended without reaching it."""

from __future__ import annotations

from typing import Any

import numpy as np

from exsampling_patch import Prediction, Score, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, TakeEnded


def map_patch(threshold: float, map_params: dict[str, Any]) -> Patch:
    """A relay (the recorder) whose takes go to a slot map, and a confidence gate beside them linked to nothing yet:
    the gate's link to the map is each test's."""
    patch = Patch()
    patch.add_node(NodeSpec("recorder", "relay", {}))
    patch.add_node(NodeSpec("gate", "confidence_gate", {"threshold": threshold}))
    patch.add_node(NodeSpec("map", "slot_map", map_params))
    patch.connect("recorder.outlet", "map.take")
    return patch


def started(patch: Patch) -> tuple[Engine, list[TakeEnded]]:
    """An engine running ``patch``, and the list its takes' ends go to."""
    engine = Engine(Registry.default(entry_points=False))
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    return engine, ended


def test_the_map_forgets_what_it_held_for_takes_that_ended() -> None:
    patch = map_patch(0.0, {"table": {"dog": "Bass"}, "max_waiting": 4})
    # The takes reach the map with no classifier beside them, the predictions with no take branch: each half waits.
    patch.connect("gate.passed", "map.prediction")
    engine, ended = started(patch)
    try:
        slot_map: Any = engine.node("map")
        for i in range(10):
            engine.inject("recorder", "inlet", Take(np.full(480, 0.1, np.float32), 48000, take_id=f"take-{i}"))
            assert engine.wait_idle(10)
        assert list(slot_map._takes) == ["take-9"]  # the last one's end came after its hold: forgotten at the next
        for i in range(10):
            take = Take(np.full(480, 0.1, np.float32), 48000, take_id=f"predicted-{i}")
            engine.inject("gate", "prediction", Prediction(take, (Score("dog", 0.9),)))
            assert engine.wait_idle(10)
        assert slot_map._takes == {} and list(slot_map._predictions) == ["predicted-9"]
        # Each still ended where it was left waiting, not done.
        assert len(ended) == 20 and all(end.fate == "dropped" and end.node_id == "map" for end in ended)
        assert "left waiting in map for its prediction" in ended[0].reason
        assert "left waiting in map for its take" in ended[-1].reason
    finally:
        engine.stop()


def test_the_map_forgets_rejections_whose_take_ended_before_reaching_it() -> None:
    patch = map_patch(0.5, {"table": {"dog": "Bass"}})
    # The take input is linked, but these takes never reach it (as if dropped on their branch): the gate's word on
    # each comes first and waits for a take that cannot come once the take has ended.
    patch.connect("gate.rejected", "map.rejected")
    engine, ended = started(patch)
    try:
        slot_map: Any = engine.node("map")
        for i in range(10):
            take = Take(np.full(480, 0.1, np.float32), 48000, take_id=f"unsure-{i}")
            engine.inject("gate", "prediction", Prediction(take, (Score("dog", 0.1),)))
            assert engine.wait_idle(10)
        assert len(ended) == 10 and [end.take_id for end in ended] == [f"unsure-{i}" for i in range(10)]
        # Each is kept while its take is in flight (its own), and forgotten at the next rejection once it has ended.
        assert list(slot_map._rejected) == ["unsure-9"]
    finally:
        engine.stop()
