"""Confidence gate (the classifier node itself is tested with the model): rejections told with their reason or
sent to a fallback slot, and in a running patch every take's fate told, whatever the gate or the classifier did."""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import numpy as np

from exsampling_patch import Prediction, Score, SlotAssignment, Take
from exsampling_patch.messages import gate_reason
from exsampling_patch.node import Input, Node, NodeContext, Output
from exsampling_patch.nodes.classify import ConfidenceGate, SlotMap
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import PREDICTION, SLOT
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeStatus

HATS = {"dog": "Bass", "hihat_closed": "HH", "hihat_open": "HH", "cat": "Chorus"}


def prediction(*scores: tuple[str, float], reason: str | None = None) -> Prediction:
    return Prediction(Take(np.zeros(100, np.float32), 16000), tuple(Score(lab, p) for lab, p in scores), reason)


def test_gate_splits_on_threshold() -> None:
    gate = ConfidenceGate("gate", {"threshold": 0.5})
    gate.start()
    gate.handle("prediction", prediction(("dog", 0.7), ("cat", 0.2)))
    gate.handle("prediction", prediction(("dog", 0.3), ("cat", 0.2)))
    gate.handle("prediction", prediction(("dog", 0.5)))
    gate.handle("prediction", prediction(reason="silent: peak -80 dBFS < -60 dBFS"))
    assert [port for port, _ in gate.context.emitted] == ["passed", "rejected", "passed", "rejected"]
    assert gate.context.statuses[-1]["label"] == "nothing"


def test_gate_rejections_say_why_for_the_phone() -> None:
    gate = ConfidenceGate("gate", {"threshold": 0.4})
    gate.start()
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


def test_gate_reason_never_rounds_up_to_the_threshold() -> None:
    # 99.8% against a 0.999 gate once read "not sure (clock_tick 100%)", a figure contradicting the rejection
    assert gate_reason(prediction(("clock_tick", 0.998)), 0.999) == "not sure (clock_tick 99.8%)"
    assert gate_reason(prediction(("clock_tick", 0.999949)), 0.99995) == "not sure (clock_tick 99.99%)"
    assert gate_reason(prediction(("hihat_closed", 0.9996)), 0.9995, ("HH", 0.99949)) == \
        "not sure (hihat_closed 100%, HH 99.9%)"
    assert gate_reason(prediction(("dog", 0.316)), 0.5) == "not sure (dog 32%)"  # far below: rounded as before


def test_gate_judging_slots_passes_a_sound_split_between_labels_of_one_slot() -> None:
    """A hi-hat the classifier splits between closed and open is sure of HH: ``judge: slot`` passes it where the
    best label alone would not; a take split between slots is still turned down, saying both."""
    hat = prediction(("hihat_closed", 0.25), ("hihat_open", 0.22), ("dog", 0.2))
    split = prediction(("hihat_closed", 0.25), ("dog", 0.22), ("snare", 0.2))
    by_label = ConfidenceGate("gate", {"threshold": 0.4})
    by_label.start()
    by_slot = ConfidenceGate("gate", {"threshold": 0.4, "judge": "slot"})
    by_slot.start()
    for gate in (by_label, by_slot):
        gate.handle("prediction", hat)
        gate.handle("prediction", split)
    assert [port for port, _ in by_label.context.emitted] == ["rejected", "rejected"]
    assert [port for port, _ in by_slot.context.emitted] == ["passed", "rejected"]
    assert by_slot.context.emitted[1][1].take.meta["gate_reason"] == "not sure (hihat_closed 25%)"
    unsure = prediction(("hihat_closed", 0.2), ("hihat_open", 0.15), ("dog", 0.1))
    by_slot.handle("prediction", unsure)
    assert by_slot.context.emitted[-1][1].take.meta["gate_reason"] == "not sure (hihat_closed 20%, HH 35%)"


class OwnStart(ConfidenceGate):
    """A plugin's gate whose start() does not call the gate's."""

    type_name = "own_start_gate"

    def start(self) -> None:
        self.opened = True


def test_a_gate_never_started_judges_as_a_started_one() -> None:
    """A plugin subclass whose start() skips the gate's, and a gate handled unstarted, judge by the same table (an
    AttributeError on each prediction, once the table was made in start())."""
    hat = prediction(("hihat_closed", 0.25), ("hihat_open", 0.22), ("dog", 0.2))
    own = OwnStart("gate", {"threshold": 0.4, "judge": "slot"})
    own.start()
    unstarted = ConfidenceGate("gate", {"threshold": 0.4, "judge": "slot"})
    by_label = ConfidenceGate("gate", {"threshold": 0.4})
    for gate in (own, unstarted, by_label):
        gate.handle("prediction", hat)
        gate.handle("prediction", hat)
    assert [port for port, _ in own.context.emitted] == ["passed", "passed"]
    assert [port for port, _ in unstarted.context.emitted] == ["passed", "passed"]
    assert [port for port, _ in by_label.context.emitted] == ["rejected", "rejected"]


def test_gate_sends_unsure_takes_to_its_fallback_slot_and_the_map_loads_them_there() -> None:
    gate = ConfidenceGate("gate", {"threshold": 0.4, "fallback_slot": "Chorus"})
    gate.start()
    unsure, silent = prediction(("dog", 0.31)), prediction(reason="silent: peak -80 dBFS < -60 dBFS")
    gate.handle("prediction", unsure)
    gate.handle("prediction", silent)
    # the unsure take is told (rejected) and still goes on (passed); silence never replaces a slot's sound
    assert [(port, p.take.take_id) for port, p in gate.context.emitted] == [
        ("rejected", unsure.take.take_id), ("passed", unsure.take.take_id), ("rejected", silent.take.take_id)]
    marked = gate.context.emitted[1][1]
    assert marked.take.meta["fallback_slot"] == "Chorus" and marked.reason == "rejected: not sure (dog 31%)"

    context = NodeContext()
    context.linked_inputs.update({"take", "rejected"})
    node = SlotMap("map", {"table": HATS}, context)  # dog is Bass in its table: the gate's fallback wins
    node.start()
    node.handle("take", unsure.take.derive(meta={"pitch_hz": 110.0}))
    node.handle("take", silent.take)
    for port, message in gate.context.emitted:
        node.handle("prediction" if port == "passed" else "rejected", message)
    ((port, assignment),) = context.emitted
    assert port == "slot" and assignment.slot == "Chorus" and assignment.label == "dog"
    assert assignment.take.meta["pitch_hz"] == 110.0 and assignment.take.meta["gate_reason"] == "not sure (dog 31%)"
    assert node._takes == {} and node._predictions == {}  # the silent take was let go, not held
    assert context.statuses[-1] == {"take": silent.take.take_id, "slot": "", "waiting": 0,
                                    "rejected": "nothing to classify: silent (peak -80 dBFS < -60 dBFS)"}


def test_node_choices_match_the_classifier() -> None:
    from exsampling_patch.models import classifier
    from exsampling_patch.nodes import classify

    assert classify.WINDOWS == classifier.WINDOWS and classify.POOLINGS == classifier.POOLINGS


class SlotProbe(Node):
    """A sink keeping the assignments it receives."""

    type_name = "test_slot_probe"
    family = "test"
    slot = Input(SLOT, "assignments", multiple=True)

    def start(self) -> None:
        self.received: list[SlotAssignment] = []

    def on_slot(self, assignment: SlotAssignment) -> None:
        self.received.append(assignment)


class PredictionLatch(Node):
    """Passes predictions on once ``opened`` is set: they stay in flight, queued here, until then."""

    type_name = "test_prediction_latch"
    family = "test"
    opened: ClassVar[threading.Event] = threading.Event()
    prediction = Input(PREDICTION, "predictions to pass on once opened", multiple=True)
    out = Output(PREDICTION, "the predictions")

    def on_prediction(self, prediction: Prediction) -> None:
        assert self.opened.wait(60)
        self.emit("out", prediction)


def test_a_burst_of_64_takes_half_rejected_every_fate_told() -> None:
    """As 64 phones' takes at once in the default patch: each pitched take waits in the map for its prediction;
    the 32 the gate passes all reach a slot, the 32 it rejects are let go and their phones told why."""
    from exsampling_patch.nodes.web_recorder.status import BOARD

    patch = Patch()
    patch.add_node(NodeSpec("pitch", "pitch", {"method": "yin"}))
    patch.add_node(NodeSpec("gate", "confidence_gate", {"threshold": 0.4}))
    patch.add_node(NodeSpec("map", "slot_map", {"table": HATS, "max_waiting": 8}))
    patch.add_node(NodeSpec("phones", "recorder_status", {}))
    patch.add_node(NodeSpec("probe", "test_slot_probe", {}))
    patch.add_node(NodeSpec("classifier", "test_prediction_latch", {}))
    for source, target in [("pitch.out", "map.take"), ("classifier.out", "gate.prediction"),
                           ("gate.passed", "map.prediction"),
                           ("gate.rejected", "map.rejected"), ("gate.rejected", "phones.prediction"),
                           ("map.slot", "phones.assigned"), ("map.slot", "probe.slot")]:
        patch.connect(source, target)
    registry = Registry.default(entry_points=False)
    registry.register(SlotProbe, "tests")
    registry.register(PredictionLatch, "tests")
    engine = Engine(registry)
    said: list[dict[str, Any]] = []
    engine.events.subscribe(lambda event: said.append(event.status) if event.node_id == "map" else None, NodeStatus)
    engine.start(patch)
    try:
        rng = np.random.default_rng(5)
        takes = [Take((0.3 * np.sin(2 * np.pi * 110 * (1 + i % 4) * np.arange(24000) / 48000)).astype(np.float32),
                      48000, take_id=f"burst-{i}") for i in range(64)]
        # The predictions are in flight first, held back as a busy classifier's are, so that each take is still in
        # flight when it reaches the map. Injected after the takes, a take pitched and held before its prediction was
        # injected had ended there ("left waiting in map"), and its rejection then waited in the map for good.
        sure = set(rng.permutation(64)[:32].tolist())
        slot_map: Any = engine.node("map")
        for i in rng.permutation(64).tolist():
            label = ("dog", "hihat_closed", "cat")[i % 3]
            BOARD.add(takes[i].take_id, "burst-phone")
            engine.inject("classifier", "prediction", Prediction(takes[i], (Score(label, 0.9 if i in sure else 0.3),)))
        for take in takes:
            engine.inject("pitch", "take", take)  # pitch is quicker than the classifier: the takes come first
        deadline = time.monotonic() + 60
        while len(slot_map._takes) < 64 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(slot_map._takes) == 64
        PredictionLatch.opened.set()
        assert engine.wait_idle(60, settle=0.2)
        probe: Any = engine.node("probe")
        assert sorted(a.take.take_id for a in probe.received) == sorted(f"burst-{i}" for i in sure)
        assert all(a.take.meta["pitched"] is not None for a in probe.received)  # the pitched take, joined
        for i in range(64):
            told = BOARD.get(f"burst-{i}")
            assert told is not None
            if i in sure:
                assert told["status"] == "assigned" and told["slot"] == HATS[("dog", "hihat_closed", "cat")[i % 3]]
            else:
                assert told["reason"] == f"rejected: not sure ({('dog', 'hihat_closed', 'cat')[i % 3]} 30%)"
                assert "slot" not in told
        assert slot_map._takes == {} and slot_map._predictions == {} and slot_map._rejected == {}
        # More than max_waiting takes waited at once: a warning on the node, none dropped. No node error: the run
        # ended with "nodes with errors: map (1)" when nothing had failed and every take had its fate.
        assert engine.errors == {} and engine.error_counts == {}
        (warning,) = [s["warning"] for s in said if s.get("warning")]
        assert "all are kept" in warning
        # without telling the performer to link the gate's 'rejected', which is linked
        assert "'rejected'" not in warning, warning
        assert engine.status["map"]["warning"] == ""  # cleared once the burst was through
    finally:
        PredictionLatch.opened.set()
        engine.stop()
        PredictionLatch.opened.clear()


def test_a_classifier_error_ends_the_take_with_its_fate_and_the_map_lets_it_go() -> None:
    """Before: the classifier raised, the engine bypassed nothing (no output of its input's type), and the slot
    map waited for the prediction forever; nothing told the phone or the performer."""
    from exsampling_patch.nodes.classify import SoundClassifier
    from exsampling_patch.runtime import TakeEnded

    class Broken:
        def predict(self, *args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("the model process died")

    patch = Patch()
    patch.add_node(NodeSpec("classifier", "classifier", {"own_process": False}))
    patch.add_node(NodeSpec("gate", "confidence_gate", {"threshold": 0.0}))
    patch.add_node(NodeSpec("map", "slot_map", {"table": HATS}))
    patch.add_node(NodeSpec("pitch", "trim", {}))  # stands for pitch: a take branch beside the classifier
    patch.add_node(NodeSpec("recorder", "relay", {}))
    for source, target in [("classifier.prediction", "gate.prediction"), ("gate.passed", "map.prediction"),
                           ("gate.rejected", "map.rejected"), ("pitch.out", "map.take"),
                           ("recorder.outlet", "pitch.take"), ("recorder.outlet", "classifier.take")]:
        patch.connect(source, target)
    registry = Registry.default(entry_points=False)
    original_start = SoundClassifier.start
    SoundClassifier.start = lambda self: setattr(self, "_classifier", Broken())
    engine = Engine(registry)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    try:
        engine.start(patch)
        take = Take(np.full(4800, 0.1, np.float32), 48000, take_id="doomed")
        engine.inject("recorder", "inlet", take)
        assert engine.wait_idle(10)
        (end,) = ended
        assert end.fate == "error" and end.node_id == "classifier"
        assert end.reason == ("error in classifier: not classified, the classifier failed on this take (the model "
                              "process died): it goes to no slot; record it again")
        slot_map: Any = engine.node("map")
        assert slot_map._takes == {}  # let go, not held forever
        assert "model process died" in engine.errors["classifier"]
    finally:
        SoundClassifier.start = original_start
        engine.stop()


def test_a_take_the_stop_cuts_off_from_the_classifier_is_no_error() -> None:
    """Ctrl+C with takes queued: the classifier's process ended under the take being classified, and the node
    said "error in classifier: ClassifierProcessError: the classifier's process is stopped" for it and for every
    take still queued, a console line each, and ended each as an error. A failure once the node is stopping is the
    stop's: the runtime leaves the take to be redone at the next start."""
    import threading

    from exsampling_patch.models.process import ClassifierProcess, ClassifierProcessError
    from exsampling_patch.nodes.classify import SoundClassifier
    from exsampling_patch.runtime import NodeError, TakeEnded

    entered, released = threading.Event(), threading.Event()

    class Ending(ClassifierProcess):
        def __init__(self) -> None:  # no process: predict waits until stop() ends it
            pass

        def predict(self, *args: Any, **kwargs: Any) -> Any:
            entered.set()
            released.wait(10)
            raise ClassifierProcessError("the classifier's process is stopped")

        def stop(self, timeout: float = 3.0) -> None:
            released.set()

    patch = Patch()
    patch.add_node(NodeSpec("recorder", "relay", {}))
    patch.add_node(NodeSpec("classifier", "classifier", {"own_process": False}))
    patch.connect("recorder.outlet", "classifier.take")
    original_start = SoundClassifier.start
    SoundClassifier.start = lambda self: setattr(self, "_classifier", Ending())
    engine = Engine(Registry.default(entry_points=False))
    seen: list[Any] = []
    engine.events.subscribe(seen.append, NodeError, TakeEnded)
    try:
        engine.start(patch)
        for i in range(3):
            engine.inject("recorder", "inlet", Take(np.full(4800, 0.1, np.float32), 48000, take_id=f"cut-{i}"))
        assert entered.wait(10)
    finally:
        SoundClassifier.start = original_start
        engine.stop(timeout=0.2)
    assert released.is_set()  # the node's stop ended its process under the take
    assert seen == []
