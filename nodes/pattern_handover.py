"""What an edited ``pattern`` node takes over from the one it replaces: the runtime rebuilds a node for an edit, and
the new one goes on with the groove (its timeline, step count and patterns) rather than restarting it. See
docs/pattern.md, "Live changes"."""

from __future__ import annotations

import threading
import time
from typing import Any

HANDOVER_SECONDS = 5.0  # an edited node (rebuilt by the runtime) takes over the groove of the one it replaces


def regrid(next_step: int | None, sent_step: int | None, before: int, after: int) -> tuple[int | None, int | None]:
    """The step counts an edited node takes over, from a grid of ``before`` steps a beat to one of ``after``: the
    first step after the last one handled, and the last sent. Taken as they were, they named other beats: a finer
    grid went on from beats long past (every step between counted as late), a coarser one restarted and sent again
    a step already out."""
    if before == after:
        return next_step, sent_step
    regridded = None if next_step is None else (next_step - 1) * after // before + 1
    return regridded, None if sent_step is None else sent_step * after // before


_handover: dict[str, dict[str, Any]] = {}
_handover_lock = threading.Lock()


def give_handover(node_id: str, state: dict[str, Any]) -> None:
    """Keep a stopped node's groove for a node that replaces it (an edit); a Link peer nobody takes over leaves."""
    state["at"] = time.monotonic()
    with _handover_lock:
        _handover[node_id] = state

    def expire() -> None:
        with _handover_lock:
            if _handover.get(node_id) is not state:
                return
            del _handover[node_id]
        state["timeline"].close()

    timer = threading.Timer(HANDOVER_SECONDS, expire)
    timer.daemon = True
    timer.start()


def take_handover(node_id: str) -> dict[str, Any] | None:
    with _handover_lock:
        state = _handover.pop(node_id, None)
    if state is None:
        return None
    if time.monotonic() - state["at"] > HANDOVER_SECONDS:
        state["timeline"].close()  # taken from its timer, which would have closed it
        return None
    return state
