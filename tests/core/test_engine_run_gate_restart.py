"""The run gate (runtime/run_gate.py) against what meets start()'s wait for the last run's acts: an interrupt as an act
enters, a stop() while start() waits, an act that outlasts the wait, a start on the act's own thread. Each test holds a
real node's thread in its window with an event, never a sleep."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch.runtime import Engine, NodeHung, TakeEnded, run_gate
from exsampling_patch.runtime.engine import EngineNotReady
from exsampling_patch.runtime.run_gate import RunGate
from tests.core.run_again import engine_of, from_its_own_thread
from tests.core.test_engine_run_again_old_run import held_over_a_stop, let_go, relay_to_sink
from tests.core.test_engine_run_again_old_takes import Keeper, Source, a_take, source_to_keeper
from tests.core.test_engine_run_gate import (
    TellingSource,
    held_after_check,
    source_to_keeper_telling,
    start_again_meanwhile,
)
from tests.waiting import wait_for


def test_an_interrupt_as_an_emit_enters_the_gate_leaves_no_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    # enter() ran before the try whose finally leaves: a KeyboardInterrupt landing between the two left the thread's
    # entry behind for good, and every later start() waited out the whole WAIT_SECONDS for an act long over.
    engine = engine_of(Source, Keeper)
    engine.start(source_to_keeper())
    src = engine.node("src")
    enter = RunGate.enter

    def interrupted(self: RunGate, run: int) -> None:
        enter(self, run)
        raise KeyboardInterrupt  # Ctrl+C, landing just after the entry is stored

    monkeypatch.setattr(RunGate, "enter", interrupted)
    try:
        with pytest.raises(KeyboardInterrupt):
            src.emit("out", "interrupted")
        assert threading.get_ident() not in engine._gate._acting, "the interrupted act's entry was left behind"
    finally:
        engine.stop()


@pytest.fixture(autouse=True)
def long_gate_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """start()'s wait for the last run's acts, long past what a loaded machine needs to let the held act go: each test
    lets it go itself (or means start() to give up, and says so)."""
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 60.0)


def held_in_end_observer(engine: Engine) -> tuple[threading.Thread, threading.Event, threading.Event, Any]:
    """A take of the running ``engine`` ended by its keeper on a thread of its own (the last run's device), held in a
    TakeEnded observer (a console line to a stalled pipe), inside the act start() waits for: (that thread, in_observer,
    go, the run's source)."""
    src, keep = engine.node("src"), engine.node("keep")
    from_its_own_thread(lambda: src.emit("out", a_take("t1")))
    assert wait_for(lambda: keep.received, 10)  # type: ignore[attr-defined]
    in_observer, go = threading.Event(), threading.Event()

    def slow_observer(ended: TakeEnded) -> None:
        if ended.take_id == "t1" and not go.is_set():
            in_observer.set()
            go.wait(30)

    engine.events.subscribe(slow_observer, TakeEnded)
    old_device = threading.Thread(target=lambda: keep.close_take(a_take("t1"), ""), name="old-device")
    old_device.start()
    assert in_observer.wait(10)
    return old_device, in_observer, go, src


def test_a_stop_while_start_waits_for_the_last_runs_act_is_kept() -> None:
    # stop() found the last run still halted and returned True at once, and start(), once the act was over, ran every
    # node of a run told to stop.
    engine = engine_of(TellingSource, Keeper)
    engine.start(source_to_keeper_telling())
    old_device, _, go, _ = held_in_end_observer(engine)
    failed: list[BaseException] = []

    def start_again() -> None:
        try:
            engine.start(source_to_keeper_telling())
        except EngineNotReady as error:
            failed.append(error)

    starter = threading.Thread(target=start_again, name="start-again")
    try:
        engine.stop(timeout=0.3)  # the keeper's thread is held: not waited for long
        starter.start()
        assert wait_for(lambda: engine._gate.waiting, 10)
        assert engine.stop()
        go.set()
        starter.join(10)
        assert not starter.is_alive()
        assert not engine.running and engine.find_node("src") is None, "the start went on past the stop"
        assert [str(error) for error in failed] == ["not started: stop() was called while the engine started; it is "
                                                    "stopped"]
    finally:
        go.set()
        old_device.join(10)
        engine.stop()


def test_a_start_that_gives_up_on_the_last_runs_act_starts_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # start() gave up after WAIT_SECONDS and went on: the held act, let go, told the old take's end to the new run's
    # source of its id (looked up in the new run's cells).
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 0.2)  # the act is held until the test lets it go: it gives up
    engine = engine_of(TellingSource, Keeper)
    engine.start(source_to_keeper_telling())
    old_device, _, go, old_src = held_in_end_observer(engine)
    try:
        engine.stop(timeout=0.3)
        with pytest.raises(EngineNotReady, match="a thread of the last run is still telling the engine"):
            engine.start(source_to_keeper_telling())
        assert not engine.running
        go.set()
        old_device.join(10)
        assert not old_device.is_alive()
        monkeypatch.setattr(run_gate, "WAIT_SECONDS", 60.0)
        engine.start(source_to_keeper_telling())  # once the act is over, the engine starts again
        new_src: Any = engine.node("src")
        assert new_src.ended == [] and new_src is not old_src
    finally:
        go.set()
        old_device.join(10)
        engine.stop()


def test_a_start_on_the_ending_acts_own_thread_goes_on_and_tells_the_old_end_to_none_of_its_nodes(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # A TakeEnded observer that stops and starts the engine (an embedder's "take done: next set") runs on the act's own
    # thread: the gate must not wait for that act (it could never end), and the old end, told on once the observer
    # returned, went to the new run's source of its id.
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 0.5)  # no other act is in hand: start() waits for none
    engine = engine_of(TellingSource, Keeper)
    engine.start(source_to_keeper_telling())
    src, keep = engine.node("src"), engine.node("keep")
    from_its_own_thread(lambda: src.emit("out", a_take("t1")))
    assert wait_for(lambda: keep.received, 10)  # type: ignore[attr-defined]
    restarted: list[object] = []

    def restart_on_end(ended: TakeEnded) -> None:
        if ended.take_id == "t1" and not restarted:
            engine.stop(timeout=1)
            try:
                engine.start(source_to_keeper_telling())
                restarted.append(threading.get_ident())
            except EngineNotReady as error:
                restarted.append(error)

    def end_t1() -> int:
        keep.close_take(a_take("t1"), "")
        return threading.get_ident()

    engine.events.subscribe(restart_on_end, TakeEnded)
    ended_on = from_its_own_thread(end_t1)
    try:
        assert restarted == ended_on, "start() on the act's own thread waited for that act and gave up"
        new_src: Any = engine.node("src")
        assert new_src is not src and new_src.ended == [], "the old end was told to the new run's source"
    finally:
        engine.stop()


def test_a_take_sent_after_its_nodes_stop_is_told_dropped_in_its_own_run(monkeypatch: pytest.MonkeyPatch) -> None:
    # sent_after_stop checked its run and then published the take's "dropped" end with no act of the gate: start()
    # running between the two went on, and the end was told among the new run's events, once its state was put in.
    engine = engine_of(TellingSource, Keeper)
    engine.start(source_to_keeper_telling())
    src, old_ledger = engine.node("src"), engine.ledger
    engine.stop()
    told_in_old_run: list[bool] = []
    engine.events.subscribe(lambda ended: told_in_old_run.append(engine.ledger is old_ledger), TakeEnded)
    checked, go = held_after_check(monkeypatch, src.context, "a take sent after its stop")
    loop = threading.Thread(target=lambda: src.context.sent_after_stop("src", "loop", a_take("t9"), False),
                            name="old-loop")  # as a run_thread loop of the node going on past its stop
    loop.start()
    try:
        assert checked.wait(10)
        start_again_meanwhile(engine, source_to_keeper_telling(), go)
        loop.join(10)
        assert told_in_old_run == [True], "the dropped end was told once the new run's state was put in"
    finally:
        go.set()
        engine.stop()


class HeldAsTaken:
    """The engine's pool lock, holding one thread as it takes it (setting ``checked``) until ``go``: the first thing a
    handler back from a hang does past its run check."""

    def __init__(self, lock: Any, thread: threading.Thread | None) -> None:
        self.lock, self.thread = lock, thread
        self.checked, self.go = threading.Event(), threading.Event()

    def __enter__(self) -> Any:
        if threading.current_thread() is self.thread and not self.checked.is_set():
            self.checked.set()
            self.go.wait(30)
        return self.lock.__enter__()

    def __exit__(self, *exc: object) -> Any:
        return self.lock.__exit__(*exc)


def test_a_handler_back_from_a_hang_as_the_engine_starts_again_is_told_in_its_own_run() -> None:
    # _back_from_hang checked its run and then acted with no act of the gate: a start() between the two went on, and
    # the last run's handler took the new run's spare worker, cleared its hung mark and told "recovered" in it.
    with held_over_a_stop("take") as (engine, old):
        old_ledger, told_in_old_run = engine.ledger, []
        engine.events.subscribe(lambda hung: told_in_old_run.append(engine.ledger is old_ledger), NodeHung)
        held = engine._pool_lock = HeldAsTaken(engine._pool_lock, old.thread)  # type: ignore[assignment]
        try:
            old.opened.set()
            assert held.checked.wait(10)
            start_again_meanwhile(engine, relay_to_sink(), held.go)
            let_go(old)
            assert told_in_old_run == [True], "the last run's hang was told recovered once the new run's state was in"
        finally:
            held.go.set()
