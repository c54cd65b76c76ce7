"""Errors on takes whose lines never come, and takes named after their line.

A take named by a status after its line ("loaded after all") was put back among the takes on their way, for good:
5000 such takes, 5000 kept; and once the oldest was no longer remembered as ended, an error naming it was counted
"1 more error on takes, each said on its take's line" and never printed.
"""

from __future__ import annotations

import io
import time

from exsampling_patch.commands.error_repeats import RepeatedErrors
from exsampling_patch.commands.stage import ENDED_KEPT, StageConsole
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import NodeError, NodeStatus, TakeEnded


def error(node_id: str, text: str) -> NodeError:
    return NodeError(node_id, error=text, port="take", time=time.monotonic())


def arrived(take_id: str) -> NodeStatus:
    return NodeStatus("phones", status={"take": take_id, "recorder": "Ana", "duration": 2.0}, time=time.monotonic())


def ended(take_id: str, reason: str = "slot HH") -> TakeEnded:
    return TakeEnded("map", take_id=take_id, recorder="Ana", fate="slot", reason=reason, slots=("HH",),
                     time=time.monotonic(), loaded=())


def console_of() -> StageConsole:
    console = StageConsole(Patch(), err=io.StringIO())
    console.repeats = RepeatedErrors(every=3600.0)  # no count due meanwhile, however slow the host
    return console


def said(console: StageConsole) -> list[str]:
    return [line.split(" ", 1)[1] for line in console.err.getvalue().splitlines()]  # type: ignore[attr-defined]


def test_takes_loaded_after_all_are_not_kept_and_an_error_on_an_old_one_is_told() -> None:
    console = console_of()
    for number in range(ENDED_KEPT + 10):
        take_id = f"Ana-{number:05d}"
        console(arrived(take_id))
        console(ended(take_id))
        console(NodeStatus("sampler", status={"take": take_id, "slot": "HH", "loaded_after_all": "HH"},
                           time=time.monotonic()))
    assert len(console._takes) == 0  # none is on its way
    console(arrived("Ana-late"))
    console(error("sampler", "Ana-late not loaded into slot HH: no answer"))  # the first on takes: told
    console(error("sampler", "Ana-00000 rolled back from slot HH: no answer"))  # long ended: no line is to tell it
    assert [line for line in said(console) if "error in node" in line] == [
        "error in node 'sampler': Ana-late not loaded into slot HH: no answer",
        "error in node 'sampler': Ana-00000 rolled back from slot HH: no answer"]
