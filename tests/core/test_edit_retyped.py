"""A live edit that makes a node another type under its id (the editor's "make x a ...") while the node's handler
hangs: the old handler, when it comes back, is the old type's, and what it passes on is the old type's output.

The node types and the engine's set-up are :mod:`tests.core.test_take_fates`'.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from exsampling_patch import TAKE, Input, Node, Output, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeHung, TakeEnded
from tests.core.test_take_fates import RELEASE, registry, run

__all__ = ["registry"]  # the fixture, for these tests

#: Set by SlowPass once its emit has returned: where the take went is settled then.
PASSED = threading.Event()


class SlowPass(Node):
    """Holds each take in its handler until RELEASE is set, then passes it on; counted as hung soon."""

    type_name = "t_slow_pass"
    hang_after = 0.3
    take = Input(TAKE, multiple=True)
    out = Output(TAKE)

    def start(self) -> None:
        self.entered = threading.Event()

    def on_take(self, take: Take) -> None:
        self.entered.set()
        # Long: the tests set RELEASE when they mean it to come back (and in their finally). Timed out under load
        # (5 s, while update() waited for the hang), it came back at a point of the edit the test did not choose.
        RELEASE.wait(30)
        self.emit("out", take)
        PASSED.set()


class Hook(Node):
    """Added by an edit: its prepare() comes after the edited plan's routes take effect and before the changed nodes
    are rebuilt; it lets the hung handler come back there, and waits until that handler has passed its take on."""

    type_name = "t_hook"

    def prepare(self) -> None:
        RELEASE.set()
        PASSED.wait(30)


@pytest.fixture(autouse=True)
def _types(registry: Any) -> None:
    registry.register(SlowPass, "test")
    registry.register(Hook, "test")


def retyping_edit(*extra: tuple[str, str]) -> Patch:
    """x made a t_assign (its output is 'slot', not 'out'), linked on to keep; ``extra``: (id, type) nodes added."""
    edit = Patch()
    for node_id, type_name in (("phone", "t_phone"), ("x", "t_assign"), ("keep", "t_keep"), *extra):
        edit.add_node(NodeSpec(node_id, type_name))
    edit.connect("phone.out", "x.take")
    edit.connect("x.slot", "keep.inlet")
    return edit


def ends(events: list[Any], phone: Any) -> list[tuple[str, str, str, str]]:
    """The takes' ends, once the phone has been told one (within a loaded host's deadline)."""
    deadline = time.monotonic() + 10
    while not phone.ended and time.monotonic() < deadline:
        time.sleep(0.01)
    return [(e.take_id, e.fate, e.node_id, e.reason) for e in events if isinstance(e, TakeEnded)]


def test_a_take_a_retyped_nodes_old_handler_passes_on_goes_by_the_link_it_had(registry: Any) -> None:
    # x's handler hangs with "held"; the composer makes x a t_assign (its output is 'slot', not 'out'), linked on to
    # keep. The old handler comes back and sends "held" on 'out': the edited plan routes x by name, and has no link
    # from x.out, so the take ended 'dropped: went nowhere: x.out is linked to nothing' (x.out was linked when the
    # take reached x, and keep, where that link went, is still there). It goes on by the link it had.
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> x.take", "x.out -> keep.take"],
                         {"phone": "t_phone", "x": "t_slow_pass", "keep": "t_keep"})
    edit = retyping_edit()
    try:
        phone: Any = engine.node("phone")
        old: Any = engine.node("x")
        phone.push("held")
        assert old.entered.wait(5)
        engine.update(edit)  # returns once x counts as hung: the new x is built beside its handler
        assert "x" in engine.hung and type(engine.node("x")).type_name == "t_assign"
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert [take.take_id for take in engine.node("keep").got] == ["held"]  # type: ignore[attr-defined]
        assert len(engine.ledger) == 0
    finally:
        RELEASE.set()
        engine.stop()


def test_a_take_a_retyped_nodes_old_handler_passes_on_as_the_edit_swaps_goes_by_the_link_it_had(
        registry: Any) -> None:
    # x's old handler comes back while the edit is under way: after the edited routes took effect (an added node's
    # prepare()), before x is rebuilt. Routed by x's id in the edited plan then, "held" went nowhere (x.out is
    # linked to nothing there): 'dropped: went nowhere', though keep, where x.out led as it reached x, was there.
    RELEASE.clear()
    PASSED.clear()
    engine, events = run(registry, ["phone.out -> x.take", "x.out -> keep.take"],
                         {"phone": "t_phone", "x": "t_slow_pass", "keep": "t_keep"})
    try:
        phone: Any = engine.node("phone")
        old: Any = engine.node("x")
        phone.push("held")
        assert old.entered.wait(5)
        engine.update(retyping_edit(("hook", "t_hook")))  # hook's prepare() lets x's handler pass "held" on
        assert PASSED.is_set() and type(engine.node("x")).type_name == "t_assign"
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert [take.take_id for take in engine.node("keep").got] == ["held"]  # type: ignore[attr-defined]
    finally:
        RELEASE.set()
        engine.stop()


def test_a_take_a_hung_handler_passes_on_ends_where_it_reached_whichever_counts_off_last(registry: Any) -> None:
    # The flaky run's end, made sure: a worker marked hung hands what its handler emits to another worker, so keep
    # may handle "held" before x's handler, held on its way back from the hang, counts its own message off. The
    # take's end named the last node to count off: 'done (x)', where x passed it on and keep is where it ended.
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> x.take", "x.out -> keep.take"],
                         {"phone": "t_phone", "x": "t_slow_pass", "keep": "t_keep"})

    def hold_the_return(event: NodeHung) -> None:  # on x's worker, before it counts its message off
        deadline = time.monotonic() + 10
        while event.recovered and engine.ledger.queued("held") > 1 and time.monotonic() < deadline:
            time.sleep(0.005)  # until keep has counted its copy off: only x's message is left

    engine.events.subscribe(hold_the_return, NodeHung)
    try:
        phone: Any = engine.node("phone")
        old: Any = engine.node("x")
        phone.push("held")
        assert old.entered.wait(5)
        engine.update(retyping_edit())
        assert "x" in engine.hung
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert [take.take_id for take in engine.node("keep").got] == ["held"]  # type: ignore[attr-defined]
    finally:
        RELEASE.set()
        engine.stop()
