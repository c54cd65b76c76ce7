"""Small node types for the editor's tests: a table parameter, and slots exposed like the sampler's."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from exsampling_patch.messages import ControlValue, SlotAssignment, Take
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.ports import CONTROL, PREDICTION, SLOT, TAKE


class SlowStart(Node):
    """Takes a while to start, as the classifier does while its process loads the model."""

    type_name = "test_slow_start"
    family = "utility"

    inlet = Input(TAKE, "takes", multiple=True)
    seconds = Param(float, 0.0, "how long start() takes", minimum=0.0, maximum=10.0, unit="s")

    def start(self) -> None:
        time.sleep(self.seconds)

    def on_inlet(self, message: Any) -> None:
        pass


class TableMap(Node):
    """Map labels to slots by a table (like a class-to-slot map)."""

    type_name = "test_table_map"
    family = "classify"

    prediction = Input(PREDICTION, "predictions")
    assignment = Output(SLOT, "assignments")
    table = Param(dict, {"dog": "BD", "rain": "Wind"}, "label -> slot")
    threshold = Param(float, 0.5, "confidence needed", minimum=0.0, maximum=1.0)
    mode = Param(str, "first", "how to pick", choices=("first", "best"))
    labels = Param(list, ["dog"], "labels to keep")
    enabled = Param(bool, True, "on or off")
    count = Param(int, 3, "how many")

    def on_prediction(self, message: Any) -> None:
        self.emit("assignment", message)


class SlotHolder(Node):
    """Hold slots like the sampler: slot_states() for observers, ControlValues to lock, gain, roll back."""

    type_name = "test_slot_holder"
    family = "outputs"

    assign = Input(SLOT, "takes to hold", multiple=True)
    control = Input(CONTROL, "<slot>.lock, <slot>.gain, <slot>.rollback", multiple=True)

    def start(self) -> None:
        self.slots: dict[str, dict[str, Any]] = {
            name: {"name": name, "take": None, "label": None, "pitch_hz": None, "gain": 1.0, "locked": False,
                   "muted": False, "history": [], "position": -1, "overview": None, "takes": []}
            for name in ("HH", "BD")
        }

    def on_assign(self, message: SlotAssignment) -> None:
        slot = self.slots[message.slot]
        if slot["locked"]:
            return
        slot["takes"].append(message)
        slot["history"].append(message.take.take_id)
        self._load(slot, len(slot["takes"]) - 1)
        self.report_status(slot=message.slot, label=message.label, take=message.take.take_id)

    def _load(self, slot: dict[str, Any], position: int) -> None:
        message = slot["takes"][position]
        slot.update(take=message.take.take_id, label=message.label, position=position,
                    pitch_hz=message.take.meta.get("pitch_hz"),
                    overview=np.abs(message.take.mono()[::100]).astype(np.float32))

    def on_control(self, value: ControlValue) -> None:
        name, _, what = value.name.rpartition(".")
        slot = self.slots[name]
        if what == "lock":
            slot["locked"] = value.value >= 0.5
        elif what == "gain":
            slot["gain"] = value.value
        elif what == "rollback":
            self._load(slot, max(0, slot["position"] - int(value.value)))

    def slot_states(self) -> list[dict[str, Any]]:
        return [{k: v for k, v in s.items() if k != "takes"} for s in self.slots.values()]


class Labeler(Node):
    """Label a take from its meta (``label``, ``confidence``, ``slot``) as a classifier and slot map would."""

    type_name = "test_labeler"
    family = "classify"

    take = Input(TAKE, "takes", multiple=True)
    assignment = Output(SLOT, "the take with its slot and label")

    def on_take(self, take: Take) -> None:
        label = str(take.meta.get("label", "unknown"))
        confidence = float(take.meta.get("confidence", 0.9))
        slot = str(take.meta.get("slot", "BD"))
        self.report_status(label=label, confidence=confidence, slot=slot, take=take.take_id, latency_ms=12.0)
        self.emit("assignment", SlotAssignment(slot, take, label=label, confidence=confidence))


class DeviceOutput(Node):
    """Plays on a sound device that goes away and comes back by itself, as the sampler's JACK server does: what its
    keeper thread would report, :meth:`lose` and :meth:`come_back` report from the caller's thread, no message
    passing meanwhile."""

    type_name = "test_device_output"
    family = "outputs"

    control = Input(CONTROL, "controls", multiple=True)

    def start(self) -> None:
        self.report_status(device="dummy", sample_rate=48000.0)

    def on_control(self, value: ControlValue) -> None:
        pass

    def lose(self) -> None:
        self.report_error("its JACK server went away; opening the device again when it is back")

    def come_back(self) -> None:
        self.report_status(device="dummy", sample_rate=48000.0)
