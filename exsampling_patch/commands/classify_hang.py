"""How ``exsampling classify --patch`` tells a node of its chain that fails or hangs on a file, as a run tells it: the
line of a plugin's code that raised or is stuck, and a handler waited for no longer than the node's ``hang_after``."""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from exsampling_patch.node import Node


class Hung(RuntimeError):
    """A node's handler still running past its ``hang_after``; ``where`` is the line of the node's code it is on,
    ``thread`` the one it runs on (None where the node hung on an earlier file)."""

    def __init__(self, message: str, where: str = "", thread: threading.Thread | None = None) -> None:
        super().__init__(message)
        self.where = where
        self.thread = thread


def handle_within_limit(node: Node, in_port: str, message: Any, callers: set[threading.Thread]) -> None:
    """``node.handle(in_port, message)`` on a thread of its own (added to ``callers``: not one the node began),
    waited for as long as the runtime waits before it tells the node hung (its ``hang_after``); its error raised
    here. A plugin's handler that never returned held classify there for ever, where a run tells it hung and goes
    on; past the limit :class:`Hung` is raised and the thread left to the handler."""
    from exsampling_patch.runtime.parts import hang_limit, running_at

    raised: list[BaseException] = []

    def call() -> None:
        try:
            node.handle(in_port, message)
        except BaseException as error:  # raised again on the caller's thread, as if the handler ran there
            raised.append(error)

    thread = threading.Thread(target=call, name=f"classify-{node.node_id}", daemon=True)
    callers.add(thread)
    limit, started = hang_limit(node), time.monotonic()
    thread.start()
    thread.join(limit)
    if thread.is_alive():
        # The time it has run, measured, as the run's watchdog tells it: the limit said twice told nothing more.
        seconds = time.monotonic() - started
        raise Hung(f"hung: its handler on '{in_port}' has run {seconds:.1f} s, past its limit of {limit:g} s "
                   "(hang_after); the file goes on past it unchanged", running_at(thread.ident, node), thread)
    if raised:
        raise raised[0]


def told_at(error: BaseException, node: Node | type[Node]) -> str:
    """`` (at FILE:LINE in FUNCTION)``: where a plugin's own code raised ``error`` (or hung), as a run tells it; ''
    for a built-in node's. "error in rev: ValueError: ..." alone left a node's author to find the line."""
    from exsampling_patch.runtime.parts import raised_at

    where = error.where if isinstance(error, Hung) else raised_at(error, node)
    return f" (at {where})" if where else ""
