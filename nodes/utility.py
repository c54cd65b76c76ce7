"""Utility nodes: a log sink and a relay."""

from __future__ import annotations

import logging
from typing import Any

from exsampling_patch.messages import summarize
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.ports import ANY

log = logging.getLogger("exsampling.log")

__all__ = ["Log", "Relay", "summarize"]  # summarize lives in exsampling_patch.messages


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
