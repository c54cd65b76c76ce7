"""A handler that returns between the watchdog's look (past its limit) and its hung mark is not told hung.

The watchdog read the worker's ``busy``, found it past its limit, and marked the worker hung without looking again: a
handler that had returned in between stayed marked hung for good, its node told hung and never "recovered" (the
return, which tells that, had passed), and a spare worker was started for it. The interleaving is forced here: the
watchdog's step between the look and the mark lets the handler return and waits until its worker has cleared
``busy``."""

from __future__ import annotations

import sys
import threading
from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeHung
from exsampling_patch.runtime.parts import Worker
from tests.waiting import wait_for


class HeldPastLimit(Node):
    """Holds its handler past its limit until ``release`` is set."""

    type_name = "t_held_past_limit"
    hang_after = 0.05
    inlet = Input(ANY)

    def start(self) -> None:
        self.release = threading.Event()
        self.handled = threading.Event()

    def on_inlet(self, message: Any) -> None:
        self.release.wait(60)
        self.handled.set()


class ReturnsBeforeTheMark(Engine):
    """An engine whose watchdog, having found a handler past its limit, lets it return before marking it."""

    looked = threading.Event()  # the watchdog's step between look and mark is over

    def _found_hung(self, state: Worker, busy: tuple[Node, str, float, float, str | None], seconds: float) -> None:
        busy[0].release.set()  # type: ignore[attr-defined]
        assert wait_for(lambda: state.busy is None, 30), "the handler never returned"
        super()._found_hung(state, busy, seconds)
        type(self).looked.set()


def test_a_handler_back_before_the_watchdog_marks_it_is_not_told_hung() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(HeldPastLimit, "test")
    patch = Patch()
    patch.add_node(NodeSpec("held", HeldPastLimit.type_name))
    engine = ReturnsBeforeTheMark(registry, workers=1, pin_workers=False)
    told: list[NodeHung] = []
    engine.events.subscribe(told.append, NodeHung)
    ReturnsBeforeTheMark.looked.clear()
    engine.start(patch)
    node: Any = engine.node("held")
    try:
        engine.inject("held", "inlet", "a message")
        assert ReturnsBeforeTheMark.looked.wait(30), "the watchdog never found it past its limit"
        assert node.handled.is_set()
        state = engine._states[0]
        # Marked after its return, it stayed hung with a spare beside it, told hung and never back
        assert (told, engine.hung, state.hung, engine._spares) == ([], {}, False, 0)
    finally:
        node.release.set()
        engine.stop()


class ReturnsDuringTheMark(Engine):
    """An engine whose watchdog, having marked a handler hung, lets it return while the rest of the mark's act (the
    spare worker, the hung record, the telling) is still to do: the hold-up is in starting the spare worker."""

    def _add_worker(self) -> None:
        state = self._states[0] if self._states else None
        if state is not None and state.hung and state.busy is not None:
            state.busy[0].release.set()  # type: ignore[attr-defined]
            # Until its return has been told, or waits for the mark's act to be over (the fix): not the clock's
            assert wait_for(lambda: not state.hung or _waits_in(state, "_back_from_hang"), 30), "never came back"
        super()._add_worker()


def _waits_in(state: Worker, function: str) -> bool:
    """Whether ``state``'s worker thread is in ``function`` now (its innermost Python frame)."""
    frame = sys._current_frames().get(state.thread_id or 0)
    return frame is not None and frame.f_code.co_name == function


def test_a_handler_back_during_the_mark_is_told_hung_then_recovered_and_nothing_stays_marked() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(HeldPastLimit, "test")
    patch = Patch()
    patch.add_node(NodeSpec("held", HeldPastLimit.type_name))
    engine = ReturnsDuringTheMark(registry, workers=1, pin_workers=False)
    told: list[bool] = []
    engine.events.subscribe(lambda event: told.append(event.recovered), NodeHung)
    engine.start(patch)
    node: Any = engine.node("held")
    try:
        engine.inject("held", "inlet", "a message")
        assert wait_for(lambda: len(told) >= 2, 30), told
        # The spare worker started for it stays; the hung one retires once back
        assert wait_for(lambda: len(engine._workers) == 1, 30), engine._workers
        # Told recovered before the mark's act was over, the node stayed recorded hung, a spare counted for good
        assert (told, engine.hung, engine._spares) == ([False, True], {}, 0)
        assert not any(state.hung for state in engine._states)
    finally:
        node.release.set()
        engine.stop()
