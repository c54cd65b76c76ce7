"""`exsampling classify --patch` on patches whose way from take to slot is not the default patch's: a relay between
the classifier, the gate and the map, two classifiers, a gate's fallback slot for labels with no slot; each against
the slot the running patch (the engine) gives the same take. A node that answers from a thread of its own:
test_classify_patch_threads.py."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from exsampling_patch import Prediction, Score, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.classify import ConfidenceGate, SlotMap
from exsampling_patch.nodes.slot_table import no_slot_reason
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine
from exsampling_patch.takes import read_take
from exsampling_patch.validate import load_patch
from tests.nodes.test_classify_gate import SlotProbe
from tests.nodes.test_classify_patch_cli import DEFAULT_PATCH, DOG, exsampling_here, in_this_process, rows_of

#: The nodes of the default patch from a take to its slot (no pitch: the map takes the prediction's take).
CHAIN = ("trim", "classifier", "gate", "map")


def default_data() -> dict[str, Any]:
    """The default patch's trim, classifier, gate and map, linked as there (the map without its take input)."""
    data = yaml.safe_load(DEFAULT_PATCH.read_text(encoding="utf-8"))
    data["nodes"] = [node for node in data["nodes"] if node["id"] in CHAIN]
    data["links"] = ["trim.out -> classifier.take", "classifier.prediction -> gate.prediction",
                     "gate.passed -> map.prediction", "gate.rejected -> map.rejected"]
    return data


def write(folder: Path, data: dict[str, Any], name: str = "patch.yaml") -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def first_plugin_patch(folder: Path, source_name: str, source: str, node: dict[str, Any],
                       data: dict[str, Any] | None = None) -> Path:
    """``data`` (default_data() unless given) with the plugin node ``node``, its code ``source`` in
    my-nodes/``source_name``.py, taking what went to trim and passing it on to trim; written to patch.yaml."""
    (folder / "my-nodes").mkdir(exist_ok=True)
    (folder / "my-nodes" / f"{source_name}.py").write_text(source, encoding="utf-8")
    data = default_data() if data is None else data
    data["node_dirs"] = ["my-nodes"]
    data["nodes"].append(node)
    data["links"] = [f"{node['id']}.out -> trim.take",
                     *(link.replace("-> trim.take", f"-> {node['id']}.take") for link in data["links"])]
    return write(folder, data)


def clips(folder: Path, esc50: Path, named: dict[str, str]) -> list[Path]:
    """The ESC-50 clips in ``named`` copied to ``folder`` under their names, in its order."""
    files = []
    for name, clip in named.items():
        file = folder / name
        file.write_bytes((esc50 / "audio" / clip).read_bytes())
        files.append(file)
    return files


def running_slot(path: Path, take: Take, first: str = "trim") -> str | None:
    """The slot the running patch at ``path`` gives ``take`` (injected at ``first``): its nodes in the engine, a
    probe on each slot map's 'slot'."""
    loaded, registry = load_patch(path)
    patch = Patch()
    for spec in loaded.nodes.values():
        patch.add_node(in_this_process(spec))
    for link in loaded.links:
        patch.connect(link.source, link.target)
    patch.add_node(NodeSpec("probe", "test_slot_probe", {}))
    for spec in loaded.nodes.values():
        if spec.type == "slot_map":
            patch.connect(f"{spec.id}.slot", "probe.slot")
    registry.register(SlotProbe, "tests")
    engine = Engine(registry, base_dir=path.parent)
    engine.start(patch)
    try:
        assert not engine.errors, engine.errors
        engine.inject(first, "take", take)
        assert engine.wait_idle(60, settle=0.3)
        probe: Any = engine.node("probe")
        slots = [a.slot for a in probe.received]
    finally:
        engine.stop()
    assert len(slots) <= 1, slots
    return slots[0] if slots else None


def test_relays_between_classifier_gate_and_map_are_followed(esc50: Path, tmp_path: Path) -> None:
    # Only direct links were followed: a relay before the gate made classify say "the patch has no slot_map after
    # its classifier", one before the map "no slot", where the running patch landed the dog in Bass.
    data = default_data()
    data["nodes"] += [{"id": "r1", "type": "relay"}, {"id": "r2", "type": "relay"}]
    data["links"] = ["trim.out -> classifier.take", "classifier.prediction -> r1.inlet", "r1.outlet -> gate.prediction",
                     "gate.passed -> r2.inlet", "r2.outlet -> map.prediction", "gate.rejected -> map.rejected"]
    patch = write(tmp_path, data)
    dog = esc50 / "audio" / DOG
    (row,) = rows_of(exsampling_here("classify", "--patch", str(patch), str(dog), "--json"))
    assert (row["slot"], row["reason"]) == ("Bass", None)
    assert row["slot"] == running_slot(patch, read_take(dog).derive(take_id=DOG))
    # The gate is the one judging: a strict one turns the dog down, through the relay, with its own words.
    next(n for n in data["nodes"] if n["id"] == "gate")["params"]["threshold"] = 0.999
    (strict,) = rows_of(exsampling_here("classify", "--patch", str(write(tmp_path, data)), str(dog), "--json"))
    assert strict["slot"] is None and strict["reason"].startswith("not sure (")


def test_the_classifier_that_leads_to_a_slot_map_is_used(esc50: Path, tmp_path: Path) -> None:
    # A patch's first classifier only logs; the second one plays. classify took the first and said "the patch has
    # no slot_map after its classifier" of every file.
    data = default_data()
    data["nodes"].insert(0, {"id": "sniff", "type": "classifier", "params": {"top_k": 1}})
    data["nodes"].append({"id": "said", "type": "log"})
    data["links"] += ["trim.out -> sniff.take", "sniff.prediction -> said.message"]
    patch = write(tmp_path, data)
    dog = str(esc50 / "audio" / DOG)
    done = exsampling_here("classify", "--patch", str(patch), dog, "--json")
    assert done.returncode == 0 and done.stderr == ""
    ((row,)) = rows_of(done)
    assert (row["slot"], len(row["top"])) == ("Bass", 5)  # the playing classifier's (top_k 5)
    # Asked for by its id, the one that logs is used, and says it has no slot map.
    (logged,) = rows_of(exsampling_here("classify", "--patch", str(patch), "--classifier", "sniff", dog, "--json"))
    assert len(logged["top"]) == 1 and logged["reason"] == "the patch has no slot_map after its classifier"
    # Two that lead to slot maps: the first is used, and a note says which and how to pick the other.
    data["links"] += ["sniff.prediction -> map.prediction"]
    both = exsampling_here("classify", "--patch", str(write(tmp_path, data)), dog, "--json")
    assert both.returncode == 0 and len(rows_of(both)[0]["top"]) == 1
    assert both.stderr == "note: the classifiers 'sniff', 'classifier' each lead to a slot map: 'sniff' is used " \
                          "(--classifier ID picks another)\n"
    unknown = exsampling_here("classify", "--patch", str(patch), "--classifier", "nope", dog)
    assert unknown.returncode == 2 and unknown.stderr == f"error: {patch}: no classifier node 'nope'\n"
    alone = exsampling_here("classify", "--classifier", "sniff", dog)
    assert alone.returncode == 2 and "use it with --patch" in alone.stderr


def gate_fallback_data(map_fallback: str = "") -> dict[str, Any]:
    """The default chain, the dog's row removed from the map's and the gate's tables, the gate's fallback Chorus."""
    data = default_data()
    rows = {"dog": ""}
    next(n for n in data["nodes"] if n["id"] == "gate")["params"].update(fallback_slot="Chorus", table=rows)
    next(n for n in data["nodes"] if n["id"] == "map")["params"] = {"table": rows, "fallback": map_fallback}
    return data


def test_a_sure_take_with_no_slot_goes_to_the_gates_fallback_slot(esc50: Path, tmp_path: Path) -> None:
    # A dog the gate was sure of (its label judged, no slot summing more) passed, then the map had no slot for it
    # and it was dropped, though the gate's fallback_slot promises that no take is silently dropped.
    dog = esc50 / "audio" / DOG
    patch = write(tmp_path, gate_fallback_data())
    (row,) = rows_of(exsampling_here("classify", "--patch", str(patch), str(dog), "--json"))
    assert (row["slot"], row["reason"]) == ("Chorus", None)
    # Its other top labels have slots (a few % at most): outweighed, as the fallback says.
    said = re.fullmatch(r"its labels with no slot outweigh those with one \(>?([\d.]+)% against [A-Za-z]+ "
                        r"<?([\d.]+)%\)", row["fallback"])  # ">99.9%", "<0.1%": near-certain, never 100% and 0%
    assert said is not None and float(said[1]) > float(said[2]), row
    # the dog's share is among them (its figure rounded, at most half a percent off)
    assert float(said[1]) + 0.5 >= row["top"][0]["probability"] * 100, row
    assert running_slot(patch, read_take(dog).derive(take_id=DOG)) == "Chorus"
    # The map's own fallback, for labels it has no slot for, comes first.
    own = write(tmp_path, gate_fallback_data(map_fallback="Wind"))
    (row,) = rows_of(exsampling_here("classify", "--patch", str(own), str(dog), "--json"))
    assert (row["slot"], "fallback" in row) == ("Wind", False)


def test_the_map_sends_a_passed_prediction_with_no_slot_to_the_gates_fallback_slot() -> None:
    gate = ConfidenceGate("gate", {"threshold": 0.4, "judge": "slot", "fallback_slot": "chorus"})
    gate.start()
    take = Take(np.zeros(100, np.float32), 16000)
    gate.handle("prediction", Prediction(take, (Score("whale_song", 0.9), Score("dog", 0.05))))
    ((port, passed),) = gate.context.emitted
    assert port == "passed"
    context = NodeContext()
    node = SlotMap("map", {"table": {"dog": "Bass"}, "base_table": "empty"}, context)
    node.start()
    node.handle("prediction", passed)
    ((port, assignment),) = context.emitted
    assert (port, assignment.slot, assignment.label) == ("slot", "Chorus", "whale_song")
    # dog has a slot, outweighed by the whale song's none: said so, not "no slot for its labels"
    why = "its labels with no slot outweigh those with one (90% against Bass 5%)"
    assert assignment.take.meta["gate_reason"] == why and context.statuses[-1]["rejected"] == why
    # A label with a slot goes there, the fallback unused.
    gate.handle("prediction", Prediction(take, (Score("dog", 0.9),)))
    node.handle("prediction", gate.context.emitted[-1][1])
    assert context.emitted[-1][1].slot == "Bass" and "gate_reason" not in context.emitted[-1][1].take.meta


def test_the_reason_says_when_labels_with_no_slot_outweigh_one_with_a_slot() -> None:
    # dog 60%, kick 40%, kick with a slot: the map found no slot (the dog weighs more) and the gate's fallback took
    # it with "no slot for its labels", though kick had one.
    gate = ConfidenceGate("gate", {"threshold": 0.4, "fallback_slot": "chorus"})
    take = Take(np.zeros(100, np.float32), 16000)
    gate.handle("prediction", Prediction(take, (Score("dog", 0.6), Score("kick", 0.4))))
    ((port, passed),) = gate.context.emitted
    assert port == "passed"

    def reason(choose: str) -> str:
        context = NodeContext()
        node = SlotMap("map", {"table": {"kick": "Bass"}, "base_table": "empty", "choose": choose}, context)
        node.start()
        node.handle("prediction", passed)
        ((port, assignment),) = context.emitted
        assert (port, assignment.slot) == ("slot", "Chorus")
        assert context.statuses[-1]["rejected"] == assignment.take.meta["gate_reason"]
        return str(assignment.take.meta["gate_reason"])

    assert reason("slot") == "its labels with no slot outweigh those with one (60% against Bass 40%)"
    assert reason("label") == "no slot for its best label, dog"


def test_the_outweigh_reason_tells_apart_figures_that_round_alike() -> None:
    # dog 50.4%, kick 49.6%: rounded, "50% against Bass 50%" said no outweighing at all.
    gate = ConfidenceGate("gate", {"threshold": 0.4, "fallback_slot": "chorus"})
    take = Take(np.zeros(100, np.float32), 16000)
    gate.handle("prediction", Prediction(take, (Score("dog", 0.504), Score("kick", 0.496))))
    ((_, passed),) = gate.context.emitted
    context = NodeContext()
    node = SlotMap("map", {"table": {"kick": "Bass"}, "base_table": "empty"}, context)
    node.start()
    node.handle("prediction", passed)
    ((_, assignment),) = context.emitted
    assert assignment.take.meta["gate_reason"] == \
        "its labels with no slot outweigh those with one (50.4% against Bass 49.6%)"


def test_the_outweigh_reason_never_says_a_certainty_the_classifier_did_not_give() -> None:
    # dog 0.9996, hat 0.0004 read "(100% against HH 0%)"
    table = {"hat": "HH"}
    assert no_slot_reason([("dog", 0.9996), ("hat", 0.0004)], table) == \
        "its labels with no slot outweigh those with one (>99.9% against HH <0.1%)"
    assert no_slot_reason([("dog", 0.996), ("hat", 0.004)], table) == \
        "its labels with no slot outweigh those with one (99.6% against HH 0.4%)"
    # exact figures are said as they are
    assert no_slot_reason([("dog", 1.0), ("hat", 0.0)], table) == \
        "its labels with no slot outweigh those with one (100% against HH 0%)"


def test_the_map_names_every_label_without_a_slot_that_outweighs_the_slot() -> None:
    # dog 30%, cat 30%, kick (Bass) 40%: "no slot for dog" named a label that alone weighs less than Bass.
    take = Take(np.zeros(100, np.float32), 16000, take_id="t")
    context = NodeContext()
    node = SlotMap("map", {"table": {"kick": "Bass"}, "base_table": "empty"}, context)
    node.start()
    node.handle("prediction", Prediction(take, (Score("kick", 0.4), Score("dog", 0.3), Score("cat", 0.3))))
    assert [port for port, _ in context.emitted] == ["unmapped"]
    assert context.statuses[-1]["label"] == "dog"  # the label is one of the prediction's; the reason names all
    assert [fate[-1] for fate in context.fates] == ["no slot for dog, cat"]


def test_a_fallback_slot_takes_the_heaviest_label_without_a_slot_as_its_label() -> None:
    # dog 30%, cat 30%, kick (Bass) 40% to the map's fallback FX: its clip, OSC label and show log said "dog, cat", a
    # label the classifier never gave, and the status's confidence was the sum of both, the slot's figure lost.
    take = Take(np.zeros(100, np.float32), 16000, take_id="t")
    context = NodeContext()
    node = SlotMap("map", {"table": {"kick": "Bass"}, "base_table": "empty", "fallback": "FX"}, context)
    node.start()
    node.handle("prediction", Prediction(take, (Score("kick", 0.4), Score("dog", 0.3), Score("cat", 0.3))))
    ((port, assignment),) = context.emitted
    assert (port, assignment.slot, assignment.label, assignment.confidence) == ("slot", "FX", "dog", 0.6)
    status = context.statuses[-1]
    assert (status["label"], status["confidence"], status["slot_confidence"]) == ("dog", 0.3, 0.6)


def test_the_gates_fallback_slot_takes_the_heaviest_label_without_a_slot_as_its_label() -> None:
    take = Take(np.zeros(100, np.float32), 16000, take_id="t", meta={"gate_fallback_slot": "Chorus"})
    context = NodeContext()
    node = SlotMap("map", {"table": {"kick": "Bass"}, "base_table": "empty"}, context)
    node.start()
    node.handle("prediction", Prediction(take, (Score("kick", 0.4), Score("dog", 0.3), Score("cat", 0.3))))
    ((port, assignment),) = context.emitted
    assert (port, assignment.slot, assignment.label) == ("slot", "Chorus", "dog")
    assert context.statuses[-1]["label"] == "dog" and "slot_confidence" in context.statuses[-1]


def test_classify_tells_which_way_it_takes_where_the_classifier_gets_takes_two_ways(
        esc50: Path, tmp_path: Path) -> None:
    # A second trim linked first into the classifier: its way was taken, the patch's own trim stepped over, unsaid.
    data = default_data()
    data["nodes"].append({"id": "tight", "type": "trim"})
    data["links"] = ["tight.out -> classifier.take", *data["links"]]
    patch = write(tmp_path, data)
    told = exsampling_here("classify", "--patch", str(patch), str(esc50 / "audio" / DOG), "--json")
    (row,) = rows_of(told)
    assert row["slot"] == "Bass"
    assert "note: 'classifier' also gets takes from 'trim': each file goes the way through 'tight' (linked first)" \
        in told.stderr, told.stderr
