"""Utility nodes: a log sink and a relay."""

from __future__ import annotations

import logging
from typing import Any

from exsampling_patch.messages import Prediction, SlotAssignment, Take
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.ports import ANY

log = logging.getLogger("exsampling.log")


def summarize(message: Any) -> str:
    """A one-line description of a message, for logs and the editor."""
    if isinstance(message, Take):
        where = f" at {message.location}" if message.location else ""
        name = message.path.name if message.path else message.take_id
        return f"take {name}: {message.duration:.2f} s, {message.sample_rate} Hz, {message.channels} ch{where}"
    if isinstance(message, Prediction):
        if not message.scores:
            return f"prediction for {message.take.take_id}: nothing ({message.reason})"
        top = ", ".join(f"{s.label} {s.probability:.2f}" for s in message.scores[:3])
        return f"prediction for {message.take.take_id}: {top}"
    if isinstance(message, SlotAssignment):
        return f"slot {message.slot} <- {message.take.take_id} ({message.label}, {message.confidence:.2f})"
    return repr(message)


class Log(Node):
    """Log every message it receives, one line each."""

    type_name = "log"
    family = "utility"

    message = Input(ANY, "anything to log", multiple=True)

    level = Param(str, "info", "log level of the lines", choices=("debug", "info", "warning"))
    prefix = Param(str, "", "text put before each line")

    def start(self) -> None:
        self._level = logging.getLevelName(self.level.upper())
        self.count = 0

    def on_message(self, message: Any) -> None:
        self.count += 1
        line = summarize(message)
        log.log(self._level, "%s%s", f"{self.prefix} " if self.prefix else f"[{self.node_id}] ", line)
        self.report_status(count=self.count, last=line)


class Relay(Node):
    """Pass every message on unchanged (a patch point; also used to measure the runtime)."""

    type_name = "relay"
    family = "utility"

    inlet = Input(ANY, "any message", multiple=True)
    outlet = Output(ANY, "the same message")

    def on_inlet(self, message: Any) -> None:
        self.emit("outlet", message)
