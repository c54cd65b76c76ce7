"""A live edit that makes a node another type under its id (the editor's "make x a ...") while the node's handler
hangs: the old handler, when it comes back, is the old type's, and what it passes on is the old type's output; also
where later edits remove, add back or retype a node of that id meanwhile.

The node types and the engine's set-up are :mod:`tests.core.test_take_fates`'.
"""

from __future__ import annotations

import threading
import time
from typing import Any, ClassVar

import pytest

from exsampling_patch import TAKE, Input, Node, Output, Param, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeHung, TakeEnded
from tests.core.test_take_fates import RELEASE, holding, registry, run
from tests.waiting import wait_for

__all__ = ["registry"]  # the fixture, for these tests

#: Set by SlowPass once its emit has returned: where the take went is settled then.
PASSED = threading.Event()
#: Set to let Busy's handler return.
LET_GO = threading.Event()


class _Holds(Node):
    """Holds each take in its handler until its ``gate`` is set, then passes it on."""

    gate: ClassVar[threading.Event]
    take = Input(TAKE, multiple=True)
    out = Output(TAKE)

    def start(self) -> None:
        self.entered = threading.Event()

    def on_take(self, take: Take) -> None:
        self.entered.set()
        # Long: the tests set the gate when they mean it to come back (and on their way out). Timed out under load
        # (5 s, while update() waited for the hang), it came back at a point of the edit the test did not choose.
        self.gate.wait(30)
        self.emit("out", take)
        self.passed()

    def passed(self) -> None:
        """Called once the take is passed on."""


class SlowPass(_Holds):
    """Holds each take in its handler until RELEASE is set, then passes it on; counted as hung soon."""

    type_name = "t_slow_pass"
    hang_after = 0.3
    gate = RELEASE

    def passed(self) -> None:
        PASSED.set()  # where the take went is settled now


class SlowTuned(SlowPass):
    """A SlowPass with a parameter: an edit that sets it rebuilds the node as its type."""

    type_name = "t_slow_tuned"
    level = Param(float, 1.0, "not used")


class Hook(Node):
    """Added by an edit: its prepare() comes after the edited plan's routes take effect and before the changed nodes
    are rebuilt; it lets the hung handler come back there, and waits until that handler has passed its take on."""

    type_name = "t_hook"

    def prepare(self) -> None:
        RELEASE.set()
        PASSED.wait(30)


class Busy(_Holds):
    """Holds each take in its handler until LET_GO is set, then passes it on; never hung in a test (a long limit)."""

    type_name = "t_busy"
    hang_after = 60.0
    gate = LET_GO

    def __eq__(self, other: object) -> bool:  # as a plugin's may: it has no hash then (the engine keys by identity)
        return self is other


@pytest.fixture(autouse=True)
def _types(registry: Any) -> None:
    registry.register(SlowPass, "test")
    registry.register(SlowTuned, "test")
    registry.register(Hook, "test")
    registry.register(Busy, "test")


#: The links and nodes the tests start with: x, a t_slow_pass, between the phone and keep.
X_LINKS = ["phone.out -> x.take", "x.out -> keep.take"]
X_NODES = {"phone": "t_phone", "x": "t_slow_pass", "keep": "t_keep"}


def patch_of(nodes: list[tuple[str, str]], *links: str) -> Patch:
    patch = Patch()
    for node_id, type_name in nodes:
        patch.add_node(NodeSpec(node_id, type_name))
    for link in links:
        patch.connect(*link.split(" -> "))
    return patch


def retyping_edit(*extra: tuple[str, str]) -> Patch:
    """x made a t_assign (its output is 'slot', not 'out'), linked on to keep; ``extra``: (id, type) nodes added."""
    return patch_of([("phone", "t_phone"), ("x", "t_assign"), ("keep", "t_keep"), *extra],
                    "phone.out -> x.take", "x.slot -> keep.inlet")


def x_holds_a_take(engine: Any) -> tuple[Any, Any]:
    """The phone pushes "held", and x's handler holds it: (the phone, x)."""
    phone: Any = engine.node("phone")
    old: Any = engine.node("x")
    phone.push("held")
    assert old.entered.wait(5)
    return phone, old


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
    with holding(registry, X_LINKS, X_NODES) as (engine, events):
        edit = retyping_edit()
        phone, _ = x_holds_a_take(engine)
        engine.update(edit)  # returns once x counts as hung: the new x is built beside its handler
        assert "x" in engine.hung and type(engine.node("x")).type_name == "t_assign"
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert [take.take_id for take in engine.node("keep").got] == ["held"]  # type: ignore[attr-defined]
        assert len(engine.ledger) == 0


def test_a_take_a_retyped_nodes_old_handler_passes_on_as_the_edit_swaps_goes_by_the_link_it_had(
        registry: Any) -> None:
    # x's old handler comes back while the edit is under way: after the edited routes took effect (an added node's
    # prepare()), before x is rebuilt. Routed by x's id in the edited plan then, "held" went nowhere (x.out is
    # linked to nothing there): 'dropped: went nowhere', though keep, where x.out led as it reached x, was there.
    PASSED.clear()
    with holding(registry, X_LINKS, X_NODES) as (engine, events):
        phone, _ = x_holds_a_take(engine)
        engine.update(retyping_edit(("hook", "t_hook")))  # hook's prepare() lets x's handler pass "held" on
        assert PASSED.is_set() and type(engine.node("x")).type_name == "t_assign"
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert [take.take_id for take in engine.node("keep").got] == ["held"]  # type: ignore[attr-defined]


def test_a_take_a_hung_handler_passes_on_ends_where_it_reached_whichever_counts_off_last(registry: Any) -> None:
    # The flaky run's end, made sure: a worker marked hung hands what its handler emits to another worker, so keep
    # may handle "held" before x's handler, held on its way back from the hang, counts its own message off. The
    # take's end named the last node to count off: 'done (x)', where x passed it on and keep is where it ended.
    with holding(registry, X_LINKS, X_NODES) as (engine, events):

        def hold_the_return(event: NodeHung) -> None:  # on x's worker, before it counts its message off
            deadline = time.monotonic() + 10
            while event.recovered and engine.ledger.queued("held") > 1 and time.monotonic() < deadline:
                time.sleep(0.005)  # until keep has counted its copy off: only x's message is left

        engine.events.subscribe(hold_the_return, NodeHung)
        phone, _ = x_holds_a_take(engine)
        engine.update(retyping_edit())
        assert "x" in engine.hung
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert [take.take_id for take in engine.node("keep").got] == ["held"]  # type: ignore[attr-defined]


def test_a_take_a_removed_nodes_hung_handler_passes_on_goes_by_its_old_links_after_it_is_added_back(
        registry: Any) -> None:
    # x's handler hangs with "held"; one edit removes x, the next adds an x of the same type back linked on to keep2
    # (a delete undone, then relinked). The old handler comes back: told by type alone, it was taken for the new x's,
    # and "held" went to keep2. What a removed node's handler passes on follows its links in the plan that ran.
    with holding(registry, X_LINKS, X_NODES) as (engine, events):
        phone, old = x_holds_a_take(engine)
        removed = patch_of([("phone", "t_phone"), ("keep", "t_keep"), ("keep2", "t_keep")])
        engine.update(removed)  # returns once x counts as hung
        assert "x" in engine.hung and old in engine._left_plans
        added_back = removed.copy()
        added_back.add_node(NodeSpec("x", "t_slow_pass"))
        added_back.connect("phone.out", "x.take")
        added_back.connect("x.out", "keep2.take")
        engine.update(added_back)
        assert engine.node("x") is not old
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert [take.take_id for take in engine.node("keep").got] == ["held"]  # type: ignore[attr-defined]
        assert engine.node("keep2").got == []  # type: ignore[attr-defined]
        assert wait_for(lambda: not engine._left_plans)  # let go of once the old handler is back


def test_the_plan_a_retyped_nodes_hung_handler_ran_in_is_let_go_of_once_it_comes_back(registry: Any) -> None:
    with holding(registry, X_LINKS, X_NODES) as (engine, events):
        phone, old = x_holds_a_take(engine)
        engine.update(retyping_edit())
        assert "x" in engine.hung and old in engine._left_plans  # its handler may still pass "held" on
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert wait_for(lambda: not engine._left_plans)


def test_edits_that_remove_and_retype_nodes_not_hung_keep_no_plan_of_theirs(registry: Any) -> None:
    # Kept until the next start, each edit that removed or retyped a node left a whole plan behind: a show of edits
    # with fresh ids piled them up. Their handlers were waited for: nothing follows those plans' links any more.
    engine, _ = run(registry, X_LINKS, {**X_NODES, "x": "t_pass"})
    try:
        for i in range(3):  # a fresh gate each time, the last one removed
            engine.update(patch_of([("phone", "t_phone"), ("x", "t_pass"), (f"g{i}", "t_pass"), ("keep", "t_keep")],
                                   "phone.out -> x.take", f"x.out -> g{i}.take", f"g{i}.out -> keep.take"))
            assert len(engine._left_plans) == 0
        engine.update(retyping_edit())
        assert len(engine._left_plans) == 0
    finally:
        engine.stop()


def test_an_edit_that_retypes_a_node_and_is_rolled_back_keeps_no_plan_of_it(registry: Any) -> None:
    # "quitter" starts before x is rebuilt (consumers first) and quits: the edit is rolled back, x as it ran.
    engine, _ = run(registry, X_LINKS, {**X_NODES, "x": "t_pass"})
    edit = patch_of([("phone", "t_phone"), ("x", "t_slow_pass"), ("keep", "t_keep"), ("quitter", "t_quits_after")],
                    "phone.out -> x.take", "x.out -> keep.take", "x.out -> quitter.take")
    try:
        with pytest.raises(SystemExit):
            engine.update(edit)
        assert type(engine.node("x")).type_name == "t_pass"
        assert len(engine._left_plans) == 0
    finally:
        engine.stop()


def test_a_hung_node_an_edit_rolled_back_before_retyping_it_keeps_no_plan_once_its_handler_is_back(
        registry: Any) -> None:
    # x's handler hangs; "quitter" quits before the edit reaches x: x, still in its cell, runs in the plan that is put
    # back. Its entry was kept while the handler hung, and its return (a handler of the node in the cell) let go of
    # nothing: one whole plan per such roll-back stayed until the next start.
    with holding(registry, X_LINKS, X_NODES) as (engine, events):
        edit = patch_of([("phone", "t_phone"), ("x", "t_pass"), ("keep", "t_keep"), ("quitter", "t_quits_after")],
                        "phone.out -> x.take", "x.out -> keep.take", "x.out -> quitter.take")
        phone: Any = engine.node("phone")
        old: Any = engine.node("x")
        phone.push("held")
        assert wait_for(lambda: "x" in engine.hung)  # hung before the roll-back asks
        with pytest.raises(SystemExit):
            engine.update(edit)
        assert engine.node("x") is old
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert wait_for(lambda: any(isinstance(e, NodeHung) and e.recovered for e in events))
        assert len(engine._left_plans) == 0  # let go of before "recovered" is told, if at all


@pytest.mark.parametrize("third", ["removes", "retypes"])
def test_a_hung_handler_back_after_later_edits_of_its_id_leaves_the_plan_of_the_new_handler(
        registry: Any, third: str) -> None:
    # x's handler A hangs with "held"; edit 1 removes x; edit 2 adds an x back as a t_busy linked on to keep2, whose
    # handler B takes "second"; edit 3 removes x again (or makes it a t_assign) while B is busy. Noted by the node's
    # id, edit 2's plan took the place of A's ("held" went to keep2); edit 3 took B for hung (A's id was) and stopped
    # its node beside it; and A, back, let go of the plan B ran in: "second" was 'dropped with node x: removed by an
    # edit' (retyped: 'went nowhere', by the new x's links).
    RELEASE.clear()
    LET_GO.clear()
    base = [("phone", "t_phone"), ("keep", "t_keep"), ("keep2", "t_keep")]
    engine, events = run(registry, ["phone.out -> x.take", "x.out -> keep.take"], dict([*base, ("x", "t_slow_pass")]),
                         workers=3)
    edit3: threading.Thread | None = None
    try:
        phone: Any = engine.node("phone")
        a: Any = engine.node("x")
        phone.push("held")
        assert a.entered.wait(5)
        engine.update(patch_of(base))  # returns once A counts as hung
        engine.update(patch_of([*base, ("x", "t_busy")], "phone.out -> x.take", "x.out -> keep2.take"))
        b: Any = engine.node("x")
        phone.push("second")
        assert b.entered.wait(5)
        second_plan = engine.plan
        edit = patch_of(base) if third == "removes" else retyping_edit(("keep2", "t_keep"))
        edit3 = threading.Thread(target=engine.update, args=(edit,))  # waits for B's handler
        edit3.start()
        assert wait_for(lambda: engine.plan is not second_plan)  # its entries are noted before the switch
        RELEASE.set()  # A comes back, and lets go of its own entry
        assert wait_for(lambda: any(isinstance(e, NodeHung) and e.recovered for e in events))
        LET_GO.set()
        edit3.join(10)
        assert not edit3.is_alive()
        assert wait_for(lambda: len(phone.ended) == 2)
        assert sorted((e.take_id, e.fate, e.reason) for e in events if isinstance(e, TakeEnded)) == [
            ("held", "done", "done (keep)"), ("second", "done", "done (keep2)")]
        assert wait_for(lambda: not engine._left_plans)
    finally:
        RELEASE.set()
        LET_GO.set()
        if edit3 is not None:
            edit3.join(10)
        engine.stop()


def test_a_hung_handler_of_a_node_whose_retyping_was_rolled_back_passes_on_by_the_links_it_has_now(
        registry: Any) -> None:
    # x's handler A hangs with "held"; an edit makes x a t_assign, then "quitter" quits and the edit is rolled back: x
    # is a t_slow_pass again, rebuilt beside A. A later edit links x.out to keep2 in keep's place. A kept the plan it
    # ran in, as a retyped node's old handler: back, it sent "held" to keep, gone, and the take ended 'dropped with
    # node x: made another type by an edit', though x is the type A is and its links lead to keep2.
    with holding(registry, X_LINKS, X_NODES) as (engine, events):
        phone, old = x_holds_a_take(engine)
        assert wait_for(lambda: "x" in engine.hung)
        with pytest.raises(SystemExit):
            engine.update(retyping_edit(("quitter", "t_quits_after")))
        assert type(engine.node("x")).type_name == "t_slow_pass" and engine.node("x") is not old
        engine.update(patch_of([("phone", "t_phone"), ("x", "t_slow_pass"), ("keep2", "t_keep")],
                               "phone.out -> x.take", "x.out -> keep2.take"))
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep2", "done (keep2)")]
        assert wait_for(lambda: not engine._left_plans)


def test_a_retyping_retried_after_its_roll_back_leaves_the_hung_handler_its_old_links(registry: Any) -> None:
    # x's handler A hangs with "held"; the retyping edit is rolled back ("quitter" quits), x rebuilt beside A as the
    # type it was, and A's plan let go of; the composer tries the same edit again, without the quitter. Only the node
    # in x's cell (the rebuilt one) had its plan noted: A, back, sent "held" by the t_assign's links, and the take
    # ended 'dropped: went nowhere: x.out is linked to nothing'.
    with holding(registry, X_LINKS, X_NODES) as (engine, events):
        phone, _ = x_holds_a_take(engine)
        assert wait_for(lambda: "x" in engine.hung)
        with pytest.raises(SystemExit):
            engine.update(retyping_edit(("quitter", "t_quits_after")))
        engine.update(retyping_edit())
        assert type(engine.node("x")).type_name == "t_assign"
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert wait_for(lambda: not engine._left_plans)


@pytest.mark.parametrize("then", ["retypes", "removes"])
def test_a_node_rebuilt_as_its_type_beside_its_hung_handler_then_retyped_or_removed_leaves_it_its_old_links(
        registry: Any, then: str) -> None:
    # x's handler A hangs with "held"; an edit sets a parameter of x (rebuilt beside A, of its type: A goes by x's
    # links), then another makes x a t_assign (or removes x). Only the rebuilt node had its plan noted: A's take went
    # nowhere (removed: 'dropped with node x: removed by an edit', though keep, where x.out led, is still there).
    with holding(registry, X_LINKS, {**X_NODES, "x": "t_slow_tuned"}) as (engine, events):
        phone, old = x_holds_a_take(engine)
        assert wait_for(lambda: "x" in engine.hung)
        tuned = patch_of([("phone", "t_phone"), ("keep", "t_keep")], "phone.out -> x.take", "x.out -> keep.take")
        tuned.add_node(NodeSpec("x", "t_slow_tuned", {"level": 2.0}))
        engine.update(tuned)
        assert engine.node("x") is not old
        engine.update(retyping_edit() if then == "retypes" else patch_of([("phone", "t_phone"), ("keep", "t_keep")]))
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep", "done (keep)")]
        assert wait_for(lambda: not engine._left_plans)


def test_a_retyping_rolled_back_twice_leaves_the_hung_handler_the_links_x_has_now(registry: Any) -> None:
    # As above, the second try rolled back too: x is a t_slow_pass again, and a later edit links x.out to keep2 in
    # keep's place. A kept the plan the second try noted for it: back, it sent "held" to keep, gone.
    with holding(registry, X_LINKS, X_NODES) as (engine, events):
        phone, _ = x_holds_a_take(engine)
        assert wait_for(lambda: "x" in engine.hung)
        for _ in range(2):
            with pytest.raises(SystemExit):
                engine.update(retyping_edit(("quitter", "t_quits_after")))
        engine.update(patch_of([("phone", "t_phone"), ("x", "t_slow_pass"), ("keep2", "t_keep")],
                               "phone.out -> x.take", "x.out -> keep2.take"))
        RELEASE.set()
        assert ends(events, phone) == [("held", "done", "keep2", "done (keep2)")]
        assert wait_for(lambda: not engine._left_plans)
