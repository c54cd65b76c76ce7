"""An inject (the editor's button) as the engine stops and starts again: its lookup of the node and what it counts and
delivers are one act of the run gate (runtime/run_gate.py). The caller is held in the window with an event, never a
sleep."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch.runtime import TakeEnded, run_gate
from tests.core.test_engine_run_again_old_takes import Keeper, a_take, new_engine, source_to_keeper
from tests.core.test_engine_run_gate import start_again_meanwhile


def test_an_inject_held_past_its_lookup_as_the_engine_starts_again_stays_in_its_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # inject looked the node up and then counted and delivered outside any act: held between the two while the engine
    # stopped and started again, it counted its take in the new run's ledger and put the ended run's keeper in the
    # new run's queue, where the new run's workers handled the message on that stopped node.
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 60.0)  # start() waits for the held act until the test lets it go
    engine = new_engine()
    engine.start(source_to_keeper())
    old_keep: Any = engine.node("keep")
    checked, go = threading.Event(), threading.Event()
    count_on = engine._count_on

    def held(key: str, message: Any, sender: str, count: int) -> bool:
        if threading.current_thread().name == "editor" and not checked.is_set():
            checked.set()
            go.wait(30)
        return count_on(key, message, sender, count)

    engine._count_on = held  # type: ignore[method-assign]
    failed: list[BaseException] = []

    def press() -> None:
        try:
            engine.inject("keep", "take", a_take("t5"), source="editor")
        except KeyError as error:  # one that finds its run ended: no node runs between runs
            failed.append(error)

    editor = threading.Thread(target=press, name="editor")
    editor.start()
    try:
        assert checked.wait(10)
        engine.stop()
        ended: list[str] = []
        engine.events.subscribe(lambda event: ended.append(event.take_id), TakeEnded)
        start_again_meanwhile(engine, source_to_keeper(), go)
        editor.join(10)
        assert not editor.is_alive() and failed == [], "an inject begun in its run is that run's (start() waits for it)"
        assert engine.wait_idle(5, settle=0.05)
        assert old_keep.received == [], "the ended run's keeper handled the inject in the new run"
        assert "t5" not in engine.ledger and ended == [], "the inject's take was counted in the new run"
        new_keep: Keeper = engine.node("keep")  # type: ignore[assignment]
        engine.inject("keep", "take", a_take("t6"), source="editor")  # this run's own inject still goes in
        assert engine.wait_idle(5, settle=0.05) and [take.take_id for take in new_keep.received] == ["t6"]
    finally:
        go.set()
        editor.join(10)
        engine.stop()
