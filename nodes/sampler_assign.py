"""Assigning takes to sampler slots without a classifier: one fixed slot, or round-robin over several."""

from __future__ import annotations

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.ports import SLOT, TAKE


class FixedSlot(Node):
    """Assign every take to a named slot, or to the listed slots in turn (round-robin)."""

    type_name = "fixed_slot"
    family = "classify"

    take = Input(TAKE, "takes to assign", multiple=True)
    assignment = Output(SLOT, "the take with the slot it goes to")

    slot = Param(str, "HH", "the slot every take goes to (mode fixed)")
    mode = Param(str, "fixed", "fixed: always slot; round_robin: each of slots in turn",
                 choices=("fixed", "round_robin"))
    slots = Param(list, ["HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus"],
                  "the slots round_robin cycles through")
    label = Param(str, "", "label given with the assignment ('' : the take's meta label, else the slot)")

    def start(self) -> None:
        if self.mode == "round_robin" and not self.slots:
            raise ValueError("fixed_slot: mode round_robin needs at least one name in 'slots'")
        self._next = 0

    def on_take(self, take: Take) -> None:
        if self.mode == "fixed":
            slot = self.slot
        else:
            slot = str(self.slots[self._next % len(self.slots)])
            self._next += 1
        label = self.label or str(take.meta.get("label") or slot)
        self.report_status(slot=slot, label=label, take=take.take_id)
        self.emit("assignment", SlotAssignment(slot=slot, take=take, label=label, confidence=1.0))
