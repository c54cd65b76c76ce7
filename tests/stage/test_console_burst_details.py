"""A burst of more takes on their way than the console's table keeps (TAKES_KEPT: a folder of 5000 files) kept the
details of its first takes: they were let go as the oldest, and their lines came without class, slot or why."""

from __future__ import annotations

import io

from exsampling_patch.commands.late_loads import TAKES_KEPT
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import NodeStatus, TakeEnded
from exsampling_patch.runtime.ledger import TakeLedger


def test_the_first_take_of_a_burst_past_the_table_keeps_its_details() -> None:
    err = io.StringIO()
    console = StageConsole(Patch(), err=err)
    ledger = TakeLedger()  # the run's: which takes are still on their way
    console.in_flight = lambda take_id: take_id in ledger
    burst = [f"t{n:05d}" for n in range(TAKES_KEPT + 50)]
    for take_id in burst:
        assert ledger.begin(take_id, "Ana", "folder", 1) is None
        console(NodeStatus("folder", {"take": take_id, "duration": 1.25}))
        console(NodeStatus("map", {"take": take_id, "label": "hihat_closed", "confidence": 0.94, "slot": "HH"}))
    first = burst[0]
    ledger.note(first, "map", "slot", "slot HH", slot="HH")
    ended = ledger.finish(first, "map", reached=True)
    assert isinstance(ended, TakeEnded) and ended.fate == "slot", ended
    console(ended)
    line = err.getvalue().splitlines()[-1]
    assert ", 1.2 s: " in line and "-> HH" in line and "94%" in line, line


def test_a_take_named_again_after_its_end_is_let_go_not_kept_for_good() -> None:
    """Takes out of the ledger are let go at the second sweep that finds them out (a sweep each time the table
    doubles): kept, 5000 late loads of ended takes were 5000 entries for good."""
    console = StageConsole(Patch(), err=io.StringIO())
    ledger = TakeLedger()
    console.in_flight = lambda take_id: take_id in ledger
    for n in range(3 * TAKES_KEPT):  # named by a status (a late load), none on its way
        console(NodeStatus("sampler", {"take": f"old{n}", "slot": "HH"}))
    assert len(console._takes) <= 2 * TAKES_KEPT + 2, len(console._takes)
