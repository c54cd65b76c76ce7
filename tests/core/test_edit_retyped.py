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
from exsampling_patch.runtime import TakeEnded
from tests.core.test_take_fates import RELEASE, registry, run

__all__ = ["registry"]  # the fixture, for these tests


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
        RELEASE.wait(5)
        self.emit("out", take)


@pytest.fixture(autouse=True)
def _types(registry: Any) -> None:
    registry.register(SlowPass, "test")


def test_a_take_a_retyped_nodes_old_handler_passes_on_goes_by_the_link_it_had(registry: Any) -> None:
    # x's handler hangs with "held"; the composer makes x a t_assign (its output is 'slot', not 'out'), linked on to
    # keep. The old handler comes back and sends "held" on 'out': the edited plan routes x by name, and has no link
    # from x.out, so the take ended 'dropped: went nowhere: x.out is linked to nothing' (x.out was linked when the
    # take reached x, and keep, where that link went, is still there). It goes on by the link it had.
    RELEASE.clear()
    engine, events = run(registry, ["phone.out -> x.take", "x.out -> keep.take"],
                         {"phone": "t_phone", "x": "t_slow_pass", "keep": "t_keep"})
    edit = Patch()
    for node_id, type_name in (("phone", "t_phone"), ("x", "t_assign"), ("keep", "t_keep")):
        edit.add_node(NodeSpec(node_id, type_name))
    edit.connect("phone.out", "x.take")
    edit.connect("x.slot", "keep.inlet")
    try:
        phone: Any = engine.node("phone")
        old: Any = engine.node("x")
        phone.push("held")
        assert old.entered.wait(5)
        engine.update(edit)  # returns once x counts as hung: the new x is built beside its handler
        assert "x" in engine.hung and type(engine.node("x")).type_name == "t_assign"
        RELEASE.set()
        deadline = time.monotonic() + 5
        while not phone.ended and time.monotonic() < deadline:
            time.sleep(0.01)
        ended = [(e.take_id, e.fate, e.node_id, e.reason) for e in events if isinstance(e, TakeEnded)]
        assert ended == [("held", "done", "keep", "done (keep)")]
        assert [take.take_id for take in engine.node("keep").got] == ["held"]  # type: ignore[attr-defined]
        assert len(engine.ledger) == 0
    finally:
        RELEASE.set()
        engine.stop()
