"""What the confidence gate and the slot map read of their slot table, one rule for both (the two must agree on
what a slot is): its parameters, its rows, what the gate judges and the slot the map chooses."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from exsampling_patch.messages import Prediction
from exsampling_patch.node import Param
from exsampling_patch.nodes.slot_table import (
    DEFAULT_SLOT_TABLE,
    gate_confidence,
    normalize_label,
    normalized_table,
    slot_scores,
    unslotted,
)


def judged_confidence(prediction: Prediction, judge: str,
                      table: Mapping[str, str] = DEFAULT_SLOT_TABLE) -> tuple[str, float]:
    """What a gate compares with its threshold (:func:`~exsampling_patch.nodes.slot_table.gate_confidence`: the
    rule the model's calibration and gate threshold were fitted with, by the shipped slot table); with ``judge``
    "slot", the slots are those of ``table`` (labels normalised as :func:`normalized_table` gives them)."""
    if not prediction.scores:
        return (prediction.label or "", prediction.confidence)
    return gate_confidence([(score.label, score.probability) for score in prediction.scores], table, judge)


def base_table_param(use: str = "") -> Param[str]:
    """The ``base_table`` parameter of a node with a slot table (``table_param``): the slot map's, and the gate's,
    which must say the same for the two to agree on what a slot is. ``use``: what the table is for, first."""
    return Param(str, "shipped", f"{use}what the table's rows change: shipped: the shipped class table; empty: "
                 "nothing, the table is the patch's rows alone", choices=("shipped", "empty"))


def table_param(use: str = "") -> Param[dict[Any, Any]]:
    """The ``table`` parameter (label -> slot, rows that change ``base_table``) of the slot map and the gate."""
    return Param(dict, DEFAULT_SLOT_TABLE, f"{use}label -> slot name (case, spaces, '-' and '_' do not matter): "
                 "the rows that change the shipped table (an empty slot removes a label); its other rows stay "
                 "(base_table: empty: these rows alone)", merge=True, base="base_table")


class SlotTableRows:
    """What the nodes with a slot table (the gate and the slot map) read of it, one rule for both: the two must agree
    on what a slot is. Methods only: the parameters stay on each node, in the order the editor lists them."""

    params: dict[str, Any]

    def slot_table(self) -> dict[str, str]:
        """The table in effect (``table`` over ``base_table``), labels normalised (:func:`normalized_table`): its rows,
        as written (``exsampling check`` compares the gate's with the map's)."""
        return normalized_table(self.params["table"])

    def label_table(self) -> dict[str, str]:
        """:meth:`slot_table` and, where no row names it, each of its slots' own name as a label of that slot (case
        aside): what the slot map chooses by, and a gate judging slots sums by. A composer whose sampler has
        slot_names [Kick, Vox] (``base_table: empty``, the table's rows sending other labels there) and who trained
        on folders Kick/ and Vox/ got those takes in no slot; the shipped table has such rows for the default slots
        (HH/ to HH)."""
        table = self.slot_table()
        for slot in list(table.values()):
            if slot:  # an empty slot is a row removed, not a slot
                table.setdefault(normalize_label(slot), slot)
        return table

    def slot_for(self, label: str) -> str | None:
        """The slot the table sends ``label`` to (:meth:`label_table`); None when it has no row for it."""
        return self.label_table().get(normalize_label(label))

    def slots_for(self, labels: Iterable[str]) -> list[str | None]:
        """:meth:`slot_for` of each of ``labels``, the table normalised once: :meth:`slot_for` normalises all its
        rows on each call, and a check asking of each of a model's labels took 40-70 ms of every start."""
        table = self.label_table()
        return [table.get(normalize_label(label)) for label in labels]


def chosen_slot(prediction: Prediction, table: Mapping[str, str],
                choose: str) -> tuple[str | None, str | None, float, str | None]:
    """(slot or None, the label that chose it, confidence, the labels a drop names) from ``table`` alone (a slot
    map's :meth:`~SlotTableRows.label_table`), choosing by ``choose``: "slot" or "label" (its parameter)."""
    if choose == "label" or not prediction.scores:
        label = prediction.label
        return (table.get(normalize_label(label)) if label else None), label, prediction.confidence, label
    pairs = [(score.label, score.probability) for score in prediction.scores]
    ranked = slot_scores(pairs, table)
    tipped = unslotted(pairs, table, ranked)
    if tipped is not None:  # labels with no slot weigh more: the heaviest is the label, all that tip it the why
        return None, tipped[0][0], tipped[1], ", ".join(tipped[0])
    slot, probability = ranked[0]
    label = next(label for label, _ in pairs if table.get(normalize_label(label)) == slot)
    return slot, label, probability, label
