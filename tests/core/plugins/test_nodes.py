"""User nodes for the core tests, loaded through a patch's node_dirs (or --nodes)."""

from __future__ import annotations

from typing import Any

from exsampling_patch import SLOT, TAKE, Input, Node, Output, Param, SlotAssignment, Take


class SlotPrinter(Node):
    """Print slot assignments."""

    type_name = "slot_printer"
    assignment = Input(SLOT, "assignments", multiple=True)

    def on_assignment(self, message: SlotAssignment) -> None:
        print(message.slot)


class SingleInputSink(Node):
    """Accept takes from exactly one link."""

    type_name = "single_input_sink"
    take = Input(TAKE, "one source only")

    def on_take(self, message: Take) -> None:
        self.report_status(take=message.take_id)


class FailOnName(Node):
    """Raise on takes whose file name contains a given text; pass the others on."""

    type_name = "fail_on_name"
    family = "testing"
    take = Input(TAKE, "takes")
    out = Output(TAKE, "the same takes")
    needle = Param(str, "boom", "a take whose file name contains this raises")

    def on_take(self, message: Take) -> None:
        name = message.path.name if message.path else ""
        if self.needle in name:
            raise ValueError(f"refusing {name}")
        self.emit("out", message)


class Collect(Node):
    """Keep every message received (tests read ``received``)."""

    type_name = "collect"
    family = "testing"
    inlet = Input(TAKE, "anything", multiple=True)

    def start(self) -> None:
        self.received: list[Any] = []

    def on_inlet(self, message: Any) -> None:
        self.received.append(message)
