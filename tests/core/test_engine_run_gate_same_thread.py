"""A take's end told on the thread that starts the engine again (a TakeEnded observer: "take done: next set"), where
the flow itself ends the take, not a context's close_take: the run gate does not wait for that act (it is this
thread's own), so the end must be checked against its run once the observer returns. Events only, no sleep."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import TakeEnded, run_gate
from exsampling_patch.runtime.engine import EngineNotReady
from tests.core.run_again import engine_of, from_its_own_thread, patch_of
from tests.core.test_engine_run_again_old_takes import a_take
from tests.core.test_engine_run_gate import TellingSource


def lone_source() -> Patch:
    """A :class:`TellingSource` ``src`` linked to nothing: a take it sends ends as it begins."""
    return patch_of(NodeSpec("src", TellingSource.type_name))


def test_a_take_that_ends_as_it_begins_is_not_told_to_the_source_of_a_run_started_on_its_thread(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # _begin called _ended without the run: the observer started the engine again on the emitting thread, and the old
    # take's end, told on once it returned, went to the new run's source of its id (a recorder writes it down as done).
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 0.5)  # no other act is in hand: start() waits for none
    engine = engine_of(TellingSource)
    engine.start(lone_source())
    src: Any = engine.node("src")
    restarted: list[object] = []

    def restart_on_end(ended: TakeEnded) -> None:
        if ended.take_id == "t1" and not restarted:
            engine.stop(timeout=1)
            try:
                engine.start(lone_source())
                restarted.append(threading.get_ident())
            except EngineNotReady as error:
                restarted.append(error)

    def send_t1() -> int:
        src.emit("out", a_take("t1"))
        return threading.get_ident()

    engine.events.subscribe(restart_on_end, TakeEnded)
    sent_on = from_its_own_thread(send_t1)
    try:
        assert restarted == sent_on, "start() on the act's own thread did not start"
        new_src: Any = engine.node("src")
        assert new_src is not src and new_src.ended == [], "the old end was told to the new run's source"
    finally:
        engine.stop()
