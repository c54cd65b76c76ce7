"""A take an x that an edit rebuilt or removed loaded after all. Its hung handler let go, the old x tells the take
loaded after all; the engine publishes that word alone (runtime/context.py), the old x's warning being none of the
new x's line. The console said only the warning, so it said nothing: the performer had heard "not loaded ... no
output has it" on the take's line and never heard it was loaded after all. The current x's word comes with its
warning, said once as before."""

from __future__ import annotations

import io
from typing import Any

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeStatus
from tests.core.test_roll_back_plain import Notes, patch_of
from tests.core.test_same_id_errors import LoadsLate, rebuilt_beside_its_hung_handler
from tests.core.test_watchdog_same_id import Hangs

WARNING = "tone was loaded into slot HH after all, 4.0 s after it was sent (its end said not loaded)"
LATE = "node 'x': take-1 loaded after all (by the 'x' an edit has since rebuilt or removed)"


class LoadsLateWarns(LoadsLate):
    """As :class:`LoadsLate`, telling its take loaded after all with a warning, as the sampler does
    (nodes/sampler/answers.py)."""

    type_name = "t_loads_late_warns"

    def on_inlet(self, message: Any) -> None:
        Hangs.on_inlet(self, message)
        self.report_status(loaded_after_all="take-1", warning=WARNING)


def _lines(err: io.StringIO) -> list[str]:
    return [line.split(" ", 1)[1] for line in err.getvalue().splitlines()]  # without the clock


def test_an_old_nodes_take_loaded_after_all_is_said_once() -> None:
    registry = Registry.default(entry_points=False)
    for node_type in (Notes, Hangs, LoadsLate, LoadsLateWarns):
        registry.register(node_type, "test")
    patch = patch_of({"notes": "t_plain_notes", "x": "t_loads_late_warns"}, ["notes.out -> x.inlet"])
    with rebuilt_beside_its_hung_handler(registry, "t_loads_late_warns") as (engine, _, _, let_a_back):
        err = io.StringIO()
        console = StageConsole(patch, err=err)
        engine.events.subscribe(console, *console.kinds())
        let_a_back()
    lines = _lines(err)
    assert lines.count(LATE) == 1, lines
    assert not any(WARNING in line for line in lines), lines  # the old x's warning stays off the new x's line


def test_the_current_nodes_take_loaded_after_all_is_said_by_its_warning_alone() -> None:
    patch = patch_of({"x": "t_loads_late_warns"}, [])
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    console(NodeStatus("x", {"loaded_after_all": "take-1", "warning": WARNING}))
    console(NodeStatus("x", {"take": "take-1", "slot": "HH", "loaded_after_all": "take-1"}))  # its slot's news
    assert _lines(err) == [f"warning from node 'x': {WARNING}"]


def test_an_old_nodes_take_loaded_after_all_is_not_said_in_quiet_mode() -> None:
    err = io.StringIO()
    console = StageConsole(patch_of({"x": "t_loads_late_warns"}, []), mode="quiet", err=err)
    console(NodeStatus("x", {"loaded_after_all": "take-1"}))
    assert err.getvalue() == ""
