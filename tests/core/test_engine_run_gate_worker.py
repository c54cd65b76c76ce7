"""A worker of the last run that counts a take's message off as the engine stops and starts again: its check "my run is
still the engine's" and the count-off are one act of the run gate (runtime/run_gate.py). The worker is held in the
window with an event, never a sleep."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import run_gate
from tests.core.run_again import engine_of, from_its_own_thread, patch_of
from tests.core.test_engine_run_again_old_takes import a_take
from tests.core.test_engine_run_gate import TellingSource
from tests.waiting import wait_for


class HeldSink(Node):
    """Takes each message in, holding its handler until the test lets it go (a model still busy with the take)."""

    type_name = "t_gate_held_sink"
    inlet = Input(ANY)

    def start(self) -> None:
        self.entered, self.release = threading.Event(), threading.Event()

    def on_inlet(self, message: Any) -> None:
        self.entered.set()
        self.release.wait(30)


def source_to_sink() -> Patch:
    return patch_of(NodeSpec("src", TellingSource.type_name), NodeSpec("sink", HeldSink.type_name),
                    links=[("src.out", "sink.inlet")])


def test_a_worker_counting_off_as_the_engine_starts_again_ends_no_take_of_the_new_run(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # The worker checked its run and ledger, then counted off outside any act: held between the two while the engine
    # stopped and started again, it counted the old message off in the new run's ledger, ending the new run's take of
    # the same id (a take redone keeps it) while its handler still had it, and told its source so.
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 60.0)  # start() waits for the held act until the test lets it go
    engine = engine_of(TellingSource, HeldSink)
    engine.start(source_to_sink())
    old_src, old_sink = engine.node("src"), engine.node("sink")
    old_sink.release.set()  # type: ignore[attr-defined]
    checked, go, counted = threading.Event(), threading.Event(), threading.Event()
    count_off = engine._count_off

    def held(key: str, node_id: str, reached: bool = False, run: int | None = None) -> None:
        if not checked.is_set() and threading.current_thread().name.startswith("exsampling-worker"):
            checked.set()
            go.wait(30)
            count_off(key, node_id, reached, run)
            counted.set()
            return
        count_off(key, node_id, reached, run)

    engine._count_off = held  # type: ignore[method-assign]
    starter = threading.Thread(target=engine.start, args=(source_to_sink(),), name="start-again")
    try:
        from_its_own_thread(lambda: old_src.emit("out", a_take("t1")))
        assert checked.wait(10)
        engine.stop(timeout=0.3)  # the worker is held: not waited for long
        starter.start()
        assert wait_for(lambda: not starter.is_alive() or engine._gate.waiting, 10)
        if not starter.is_alive():  # started with the old act still in hand: the new run's t1 in flight meanwhile
            new_sink: Any = engine.node("sink")
            from_its_own_thread(lambda: engine.node("src").emit("out", a_take("t1")))
            assert new_sink.entered.wait(10)
        go.set()
        assert counted.wait(10)
        starter.join(10)
        assert not starter.is_alive() and engine.running
        new_src: Any = engine.node("src")
        new_sink = engine.node("sink")
        if not new_sink.entered.is_set():
            from_its_own_thread(lambda: new_src.emit("out", a_take("t1")))
            assert new_sink.entered.wait(10)
        assert new_src.ended == [], "the last run's worker ended the new run's take in its handler"
        new_sink.release.set()
        assert wait_for(lambda: new_src.ended == ["t1"], 10), new_src.ended  # this run's own end still lands, once
    finally:
        go.set()
        sink: Any = engine.find_node("sink")
        if sink is not None:
            sink.release.set()
        engine.stop()
