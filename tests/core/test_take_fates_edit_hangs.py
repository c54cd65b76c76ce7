"""A live edit, or its roll back, never waits on a hung handler at a node it removes, changes or adds: once the
node counts as hung it is left to its worker, and the takes queued behind it still reach their end.

The node types and the engine's set-up are :mod:`tests.core.test_take_fates`' and
:mod:`tests.core.test_take_fates_edits`'.
"""

from __future__ import annotations

import threading
import time
from typing import Any, cast

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import TakeEnded
from tests.core.test_take_fates import ON_START, RELEASE, Hang, registry, run
from tests.core.test_take_fates_edits import _hooks, updating
from tests.waiting import wait_for

__all__ = ["_hooks", "registry"]  # the fixtures, for these tests


def test_a_removed_node_whose_handler_hangs_does_not_hold_the_edit(registry: Any) -> None:
    # The edit waited for the message in hand at a removed node (holding the swap lock, the editor's update() with
    # it) for as long as the handler ran: past retire_wait, for good where it never returned. Once it counts as hung
    # (its hang_after), it is left to its worker, as the watchdog leaves it, and the edit goes on.
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> h.take"], {"phone": "t_phone", "h": "t_hang"})
    engine.retire_wait = 0.0
    edit = Patch()
    edit.add_node(NodeSpec("phone", "t_phone"))
    try:
        phone: Any = engine.node("phone")
        hang: Any = engine.node("h")
        phone.push("held")
        assert hang.entered.wait(5)
        phone.push("q1")  # queued at h behind "held"
        swap = threading.Thread(target=engine.update, args=(edit,))
        swap.start()
        swap.join(5)
        assert not swap.is_alive(), "the edit waits for the hung handler"
        assert engine.plan is not None and engine.plan.version == 2 and "h" in engine.hung
        ended = [(e.take_id, e.fate, e.node_id) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("q1", "dropped", "h")]  # "held" stays in flight while its handler hangs
        assert [e.take_id for e in phone.ended] == ["q1"]
        RELEASE.set()  # the handler comes back: its take ends there
        deadline = time.monotonic() + 5
        while len(phone.ended) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        ended = [(e.take_id, e.fate, e.node_id) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("q1", "dropped", "h"), ("held", "done", "h")]
        assert [e.take_id for e in phone.ended] == ["q1", "held"] and len(engine.ledger) == 0
    finally:
        RELEASE.set()
        engine.stop()


def test_a_changed_node_whose_handler_hangs_does_not_hold_the_edit(registry: Any) -> None:
    # The restart of a changed node waited for the message in hand without a bound (its cell's run_lock): a
    # handler that never returned held the swap lock, and the editor's update() with it. Once it counts as hung, it
    # is left to its worker and the node is rebuilt beside it; what was queued behind it goes to the new node.
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> h.take"], {"phone": "t_phone", "h": "t_hang"})
    edit = Patch()
    edit.add_node(NodeSpec("phone", "t_phone"))
    edit.add_node(NodeSpec("h", "t_hang", {"seconds": 29.0}))
    edit.connect("phone.out", "h.take")
    try:
        phone: Any = engine.node("phone")
        hang: Any = engine.node("h")
        phone.push("held")
        assert hang.entered.wait(5)
        phone.push("q1")  # queued at h behind "held": kept for the new node
        swap, escaped = updating(engine, edit)
        swap.join(5)
        assert not swap.is_alive(), "the edit waits for the hung handler"
        assert escaped == [] and engine.plan is not None and engine.plan.version == 2 and "h" in engine.hung
        assert engine.node("h") is not hang and engine.node("h").seconds == 29.0  # type: ignore[attr-defined]
        assert not [e for e in events if isinstance(e, TakeEnded)]  # "held" in flight while its handler hangs
        RELEASE.set()  # the handler comes back: its take ends there, then the new node handles q1
        assert wait_for(lambda: len(phone.ended) == 2, 5)
        ended = [(e.take_id, e.fate, e.node_id) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("held", "done", "h"), ("q1", "done", "h")] and len(engine.ledger) == 0
    finally:
        RELEASE.set()
        engine.stop()


def test_an_added_node_whose_handler_hangs_does_not_hold_the_roll_back(registry: Any) -> None:
    # An edit adds h2 after the phone; "quitter" quits once h2 handles a take, and the edit is rolled back. The
    # roll-back waited for h2's message in hand without a bound: a handler that never returned held update() for
    # good. Once it counts as hung, h2 is stopped beside it; what was queued behind it is handed back.
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> keep.take"], {"phone": "t_phone", "keep": "t_keep"})
    phone: Any = engine.node("phone")
    edit = Patch()
    for node_id, type_name in (("quitter", "t_quits_after"), ("phone", "t_phone"), ("keep", "t_keep"),
                               ("h2", "t_hang")):
        edit.add_node(NodeSpec(node_id, type_name))
    edit.connect("phone.out", "h2.take")  # h2 starts before the quitter: consumers first, then file order

    def meanwhile() -> None:
        phone.push("held")
        entered = cast(Hang, engine.find_node("h2")).entered
        assert entered.wait(5)
        phone.push("q1")  # queued at h2 behind "held": handed back to keep

    ON_START[:] = [meanwhile]
    try:
        swap, escaped = updating(engine, edit)
        swap.join(5)
        assert not swap.is_alive(), "the roll-back waits for the hung handler"
        assert [type(error) for error in escaped] == [SystemExit]
        assert engine.plan is not None and engine.plan.version == 1 and "h2" in engine.hung
        assert engine.find_node("h2") is None
        assert wait_for(lambda: len(phone.ended) == 1, 5)
        assert [(e.take_id, e.fate, e.node_id) for e in events if isinstance(e, TakeEnded)] == [("q1", "done", "keep")]
        RELEASE.set()  # the handler comes back: its take ends there
        assert wait_for(lambda: len(phone.ended) == 2, 5)
        ended = [(e.take_id, e.fate, e.node_id) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("q1", "done", "keep"), ("held", "done", "h2")] and len(engine.ledger) == 0
    finally:
        RELEASE.set()
        engine.stop()
