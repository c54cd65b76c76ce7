"""Class-to-slot map: the slot chosen by its labels' summed probability, its table and the spellings it forgives,
and the join with the pitched takes that never drops one."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from exsampling_patch import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.classify import (
    DEFAULT_SLOT_TABLE,
    ESC50_SLOTS,
    SLOTS,
    ConfidenceGate,
    SlotMap,
    normalize_label,
    slot_scores,
)
from tests.nodes.test_classify_gate import HATS, prediction


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
    node.handle("prediction", prediction(("kazoo", 0.9)))  # in no table
    ports = [port for port, _ in node.context.emitted]
    assert ports == ["slot", "slot", "unmapped"]
    first: SlotAssignment = node.context.emitted[0][1]
    assert first.slot == "HH" and first.label == "hi_hat" and first.confidence == 0.9


def test_map_says_a_slot_written_in_lower_case_as_the_sampler_loads_it() -> None:
    # "Kick: bass" loads into the sampler's Bass (it finds slots whatever their case), but the map said "bass",
    # on the console and in classify --patch, and summed it apart from the rows that say "Bass".
    node = SlotMap("map", {"base_table": "empty", "table": {"Kick": "bass", "dog": "Bass"}, "fallback": "chorus"})
    node.start()
    node.handle("prediction", prediction(("kick", 0.4), ("dog", 0.3), ("cat", 0.35)))
    node.handle("prediction", prediction(("kazoo", 0.9)))
    slots = [assignment.slot for _, assignment in node.context.emitted]
    assert slots == ["Bass", "Chorus"] and node.context.emitted[0][1].confidence == pytest.approx(0.7)
    assert [status["slot"] for status in node.context.statuses if status.get("slot")] == ["Bass", "Chorus"]
    assert node.slot_for("KICK") == "Bass"


def test_map_sums_a_samplers_own_slot_names_whatever_their_case() -> None:
    # A sampler with slot_names [Kick, Vox]: "thud: kick" loads into Kick (the sampler finds slots whatever their
    # case), but the map summed it apart from "boom: Kick" (Vox 0.4 won over Kick 0.3 + 0.3), and said "vox".
    table = {"boom": "Kick", "thud": "kick", "la": "Vox"}
    node = SlotMap("map", {"base_table": "empty", "table": table, "fallback": "vox"})
    node.start()
    node.handle("prediction", prediction(("boom", 0.3), ("thud", 0.3), ("la", 0.4)))
    node.handle("prediction", prediction(("kazoo", 0.9)))
    assert [(a.slot, a.confidence) for _, a in node.context.emitted] == [("Kick", pytest.approx(0.6)), ("Vox", 0.9)]
    gate = ConfidenceGate("gate", {"threshold": 0.5, "judge": "slot", "base_table": "empty", "table": table})
    gate.start()
    gate.handle("prediction", prediction(("boom", 0.3), ("thud", 0.3), ("la", 0.4)))
    assert [port for port, _ in gate.context.emitted] == ["passed"]
    assert node.slot_for("THUD") == "Kick" and gate.slot_table()["thud"] == "Kick"


class OwnStartMap(SlotMap):
    """A plugin's slot map whose start() does not call the map's."""

    type_name = "own_start_map"

    def start(self) -> None:
        self.opened = True


@pytest.mark.parametrize("started", ["own start()", "never started"])
def test_a_map_never_started_maps_as_a_started_one(started: str) -> None:
    """Its table and its held takes were made in start() alone: an AttributeError on its first message."""
    context = NodeContext()
    context.linked_inputs.add("take")
    params = {"base_table": "empty", "table": {"dog": "Kick"}, "fallback": "kick"}
    node = OwnStartMap("map", params, context) if started == "own start()" else SlotMap("map", params, context)
    if started == "own start()":
        node.start()
    dog, kazoo, gone = prediction(("dog", 0.9)), prediction(("kazoo", 0.9)), prediction(("cat", 0.2))
    node.handle("rejected", gone)
    node.handle("take", gone.take)  # let go: the gate rejected it
    node.handle("prediction", dog)
    node.handle("take", dog.take)
    node.handle("take", kazoo.take)
    node.handle("prediction", kazoo)  # the fallback, as the table spells it
    assert [(port, message.slot) for port, message in context.emitted] == [("slot", "Kick"), ("slot", "Kick")]
    assert [status["rejected"] for status in context.statuses if "rejected" in status] == ["rejected"]


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
    node = SlotMap("map", {"table": {**HATS, "rain": ""}})  # an empty slot takes rain out of the table
    node.start()
    node.handle("prediction", mostly_unknown)
    node.handle("prediction", prediction(("rain", 0.3), ("dog", 0.2), ("cat", 0.15)))  # Bass 0.2 < unknown 0.3
    node.handle("prediction", prediction(("rain", 0.3), ("hihat_open", 0.2), ("hihat_closed", 0.2)))
    assert [port for port, _ in node.context.emitted] == ["unmapped", "unmapped", "slot"]
    falling = SlotMap("map", {"table": {"rain": None}, "fallback": "Wind"})
    falling.start()
    falling.handle("prediction", mostly_unknown)
    ((_, assignment),) = falling.context.emitted
    assert (assignment.slot, assignment.label, assignment.confidence) == ("Wind", "rain", 0.7)


def warnings(context: NodeContext) -> list[str]:
    """The warnings a node reported in its status (``warning``; an empty one clears the last)."""
    return [str(status["warning"]) for status in context.statuses if status.get("warning")]


def test_map_holds_every_take_past_max_waiting_and_says_so() -> None:
    context = NodeContext()
    context.linked_inputs.add("take")  # the gate's 'rejected' is not linked here: nothing tells the map
    node = SlotMap("map", {"table": HATS, "max_waiting": 2}, context)
    node.start()
    waiting = [prediction(("dog", 0.9)) for _ in range(5)]
    for p in waiting:
        node.handle("take", p.take)
    assert len(node._takes) == 5 and context.emitted == []  # none dropped to make room
    (warning,) = warnings(context)  # said once, when the limit was passed: a warning, no error
    assert "3 takes wait for their predictions" in warning and "'rejected'" in warning
    assert context.errors == []
    assert context.statuses[-1]["waiting"] == 5
    for p in waiting:  # the oldest one too: it was kept
        node.handle("prediction", p)
    assert [a.take.take_id for _, a in context.emitted] == [p.take.take_id for p in waiting]
    assert context.statuses[-1] == {"warning": ""}  # the backlog cleared: the warning with it
    for p in waiting[:3]:
        node.handle("take", p.take.derive(take_id=p.take.take_id + "-again"))
    assert len(warnings(context)) == 2  # below the limit in between: passing it again is said again
    assert context.errors == []


def test_map_warns_once_for_a_backlog_hovering_at_its_limit() -> None:
    """A burst from many phones: the backlog went 3, 2, 3, 2, 3 around max_waiting 2, and each crossing was one more
    "error in node 'map'" line on the console ("nodes with errors: map (3)" for one burst). Said again only after
    the backlog has cleared."""
    context = NodeContext()
    context.linked_inputs.update({"take", "rejected"})
    node = SlotMap("map", {"table": HATS, "max_waiting": 2}, context)
    node.start()
    burst = [prediction(("dog", 0.9)) for _ in range(6)]
    for p in burst[:3]:
        node.handle("take", p.take)
    gate = ConfidenceGate("gate", {"threshold": 0.95})
    gate.start()
    for i in range(3):  # the gate rejects one held take, one more take comes: 2, then 3 again
        gate.handle("prediction", burst[i])
        node.handle("rejected", gate.context.emitted[-1][1])
        node.handle("take", burst[3 + i].take)
    assert len(warnings(context)) == 1, context.statuses
    for p in burst[3:]:
        node.handle("prediction", p)
    assert node._takes == {}
    for p in [prediction(("dog", 0.9)) for _ in range(3)]:  # a later burst, after the backlog cleared
        node.handle("take", p.take)
    assert len(warnings(context)) == 2, context.statuses
    assert context.errors == []


def test_map_lets_go_of_takes_the_gate_rejected_whichever_comes_first() -> None:
    context = NodeContext()
    context.linked_inputs.update({"take", "rejected"})
    node = SlotMap("map", {"table": HATS, "max_waiting": 2}, context)
    node.start()
    gate = ConfidenceGate("gate", {"threshold": 0.5})
    gate.start()
    early, late = prediction(("dog", 0.2)), prediction(("cat", 0.1))
    gate.handle("prediction", early)
    gate.handle("prediction", late)
    (_, early_rejected), (_, late_rejected) = gate.context.emitted
    node.handle("take", early.take)  # the pitched take first, then the gate's word
    node.handle("rejected", early_rejected)
    node.handle("rejected", late_rejected)  # the gate's word first, then the take
    node.handle("take", late.take)
    assert node._takes == {} and node._rejected == {} and context.emitted == [] and context.errors == []
    assert [s.get("rejected") for s in context.statuses if "rejected" in s] == [
        "not sure (dog 20%)", "not sure (cat 10%)"]


def test_the_table_lists_changes_to_the_shipped_table() -> None:
    node = SlotMap("map", {"table": {"dog": "HH", "crickets": "", "kazoo": "Wind"}})
    assert node.table == {**{k: v for k, v in DEFAULT_SLOT_TABLE.items() if k != "crickets"}, "dog": "HH",
                          "kazoo": "Wind"}
    assert list(node.table)[:3] == list(DEFAULT_SLOT_TABLE)[:3]  # the shipped rows keep their order
    every_row = SlotMap("map", {"table": dict(DEFAULT_SLOT_TABLE)})  # an older patch that lists every row
    assert every_row.table == DEFAULT_SLOT_TABLE
    node.start()
    for label in ("dog", "crickets", "kazoo", "cat"):
        node.handle("prediction", prediction((label, 0.9)))
    assert [(port, getattr(m, "slot", None)) for port, m in node.context.emitted] == [
        ("slot", "HH"), ("unmapped", None), ("slot", "Wind"), ("slot", "Chorus")]



def test_the_table_can_start_empty_instead_of_from_the_shipped_one() -> None:
    node = SlotMap("map", {"base_table": "empty", "table": {"dog": "Kick", "rain": "Pad", "kazoo": ""}})
    assert node.table == {"dog": "Kick", "rain": "Pad", "kazoo": ""}  # the patch's rows, none shipped
    assert SlotMap("map", {"base_table": "empty"}).table == {}
    node.start()
    for label in ("dog", "rain", "cat", "kazoo"):
        node.handle("prediction", prediction((label, 0.9)))
    assert [(port, getattr(m, "slot", None)) for port, m in node.context.emitted] == [
        ("slot", "Kick"), ("slot", "Pad"), ("unmapped", None), ("unmapped", None)]
    assert SlotMap("map", {"base_table": "shipped", "table": {"dog": "Kick"}}).table == {
        **DEFAULT_SLOT_TABLE, "dog": "Kick"}

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


#: The original system's 41 classes (FSDKaggle2018's names) and the slots ../shared/DESIGN.md gives them.
ORIGINAL_TABLE = {
    "HH": ["Hi-hat", "Computer_keyboard", "Keys_jangling", "Writing", "Scissors", "Finger_snapping"],
    "Snare": ["Knock", "Snare_drum", "Tearing", "Cough", "Shatter", "Fireworks", "Tambourine"],
    "TT": ["Glockenspiel", "Chime", "Gong", "Cowbell"],
    "BD": ["Gunshot_or_gunfire", "Fart", "Bass_drum", "Drawer_open_or_close"],
    "Piano": ["Telephone", "Harmonica", "Electric_piano", "Acoustic_guitar", "Violin_or_fiddle"],
    "Wind": ["Saxophone", "Trumpet", "Clarinet", "Oboe", "Flute"],
    "Bass": ["Cello", "Bark", "Bus", "Microwave_oven", "Burping_or_eructation", "Double_bass"],
    "Chorus": ["Laughter", "Squeak", "Meow", "Applause"],
}


def test_a_composers_own_labels_land_where_the_original_or_a_musician_would_put_them() -> None:
    node = SlotMap("map", {})  # the shipped table, nothing changed
    node.start()
    wanted = {label: slot for slot, labels in ORIGINAL_TABLE.items() for label in labels}
    wanted.update({"Kick": "BD", "Hi-hat open": "HH", "closed hihat": "HH", "Clap": "Snare", "Toms": "TT",
                   "Organ": "Piano", "Bass guitar": "Bass", "Vocals": "Chorus", "Trombone": "Wind"})
    assert len(wanted) == 41 + 9
    for label in wanted:
        node.handle("prediction", prediction((label, 0.9)))
    emitted = node.context.emitted
    assert [port for port, _ in emitted] == ["slot"] * len(wanted)
    assert {message.label: message.slot for _, message in emitted} == wanted


def test_labels_named_after_the_slots_land_in_them() -> None:
    # Takes sorted into folders named after the slot they are meant for, and trained on: HH, TT, BD and Chorus
    # had no row (snare, piano, wind and bass had theirs by other names) and went to 'unmapped'.
    from exsampling_patch.commands.train import slots_line

    node = SlotMap("map", {})  # the shipped table, nothing changed
    node.start()
    for label in (*SLOTS, "hh", "Bd"):
        node.handle("prediction", prediction((label, 0.9)))
    assert [(port, getattr(message, "slot", None)) for port, message in node.context.emitted] == [
        ("slot", slot) for slot in (*SLOTS, "HH", "BD")]
    assert "not in it" not in slots_line(list(SLOTS))


def test_the_names_musicians_give_their_drum_and_instrument_folders_land_in_their_slots() -> None:
    # Before, folders SD, Open hat and Closed hat (and OH, CH, Hats, Floor tom, Vox, ...) went to 'unmapped': the
    # table knew "snare" and "Hi-hat open", and a label is matched as written, case, spaces, '-' and '_' aside.
    from exsampling_patch.commands.train import slots_line
    from exsampling_patch.nodes.slot_table import MUSICAL_SLOTS

    wanted = {"SD": "Snare", "Open hat": "HH", "Closed hat": "HH", "OH": "HH", "CH": "HH", "Hats": "HH",
              "Hi-hats": "HH", "Closed hi-hat": "HH", "Cymbals": "HH", "Rim shot": "Snare", "Claps": "Snare",
              "Floor tom": "TT", "Kicks": "BD", "Rhodes": "Piano", "Sub bass": "Bass", "Vox": "Chorus"}
    node = SlotMap("map", {})  # the shipped table, nothing changed
    node.start()
    for label in wanted:
        node.handle("prediction", prediction((label, 0.9)))
    assert {message.label: getattr(message, "slot", None) for _, message in node.context.emitted} == wanted
    assert "not in it" not in slots_line(list(wanted))
    # the shipped model's own labels keep their slots; a name an everyday sound has too is left to the patch
    assert {label: DEFAULT_SLOT_TABLE[label] for label in {**ESC50_SLOTS, **MUSICAL_SLOTS}} == {
        **ESC50_SLOTS, **MUSICAL_SLOTS}
    assert "keys" not in DEFAULT_SLOT_TABLE  # keys jangling: the original system's HH


def test_labels_named_after_a_samplers_own_slots_land_in_them() -> None:
    # A sampler with slot_names [Kick, Vox] needs base_table: empty (the shipped rows send labels to HH, BD, ...);
    # a model trained on folders Kick/ and Vox/ then had takes heard as Kick or Vox in no slot ('unmapped'), though
    # the table sent other labels to those slots.
    from exsampling_patch.commands.train import own_slots_line
    from exsampling_patch.nodes.slot_table import normalized_table

    table = {"boom": "Kick", "la": "vox", "thud": ""}
    node = SlotMap("map", {"base_table": "empty", "table": table})
    node.start()
    for label in ("Kick", "KICK", "Vox", "thud", "Snare"):
        node.handle("prediction", prediction((label, 0.9)))
    assert [(port, getattr(message, "slot", None)) for port, message in node.context.emitted] == [
        ("slot", "Kick"), ("slot", "Kick"), ("slot", "vox"), ("unmapped", None), ("unmapped", None)]
    gate = ConfidenceGate("gate", {"judge": "slot", "base_table": "empty", "table": table})
    assert gate.label_table() == node.label_table() == {**normalized_table(table), "kick": "Kick", "vox": "vox"}
    assert node.slot_table() == normalized_table(table)  # the rows written, which check compares
    assert SlotMap("map", {"base_table": "empty", "table": {"boom": "Kick", "kick": "Vox"}}).slot_for("Kick") == "Vox"
    assert SlotMap("map", {}).label_table() == normalized_table(DEFAULT_SLOT_TABLE)  # the shipped table: no row more
    # train's note names only labels called after a slot it knows (the shipped table's, 6cc422d): a sampler's own
    # slot_names are the patch's, unknown to train
    assert "(snare: Snare)" in own_slots_line(["snare", "Vox"]) and "Vox" not in own_slots_line(["snare", "Vox"])
    assert own_slots_line(["Kick", "Vox"]) == ""
