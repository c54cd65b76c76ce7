"""A stop() on another thread during a fresh engine's first start(): while it compiles, and between its
``_running = True`` and its stop state's reset. Each was lost: the start went on, its nodes ran with the engine
telling it was not running, and a later stop() did nothing. Real engine and nodes; the starting thread is held in its
window with events, never a sleep."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from exsampling_patch.runtime import Engine
from exsampling_patch.runtime import engine as engine_module
from exsampling_patch.runtime.engine import EngineNotReady
from tests.core.run_again import engine_of
from tests.core.test_engine_run_again_old_takes import Keeper, Source, source_to_keeper
from tests.waiting import wait_for


def _starter(engine: Engine) -> tuple[threading.Thread, list[BaseException]]:
    """start() of ``engine`` on a thread of its own (as `exsampling run`'s starter), what it raised kept."""
    failed: list[BaseException] = []

    def start() -> None:
        try:
            engine.start(source_to_keeper())
        except EngineNotReady as error:
            failed.append(error)

    return threading.Thread(target=start, name="starter", daemon=True), failed


def _held(call: Callable[..., Any], inside: threading.Event, go: threading.Event) -> Callable[..., Any]:
    """``call``, held once entered until ``go`` (a loaded machine's preemption stands in)."""
    def held(*args: Any, **kwargs: Any) -> Any:
        inside.set()
        assert go.wait(30), "the test never let start() go on"
        return call(*args, **kwargs)
    return held


@contextmanager
def _stopped_in_window(engine: Engine, inside: threading.Event, go: threading.Event) -> Iterator[list[BaseException]]:
    """Start ``engine`` on another thread, stop() it once the start is ``inside`` its window, then let it go on."""
    starter, failed = _starter(engine)
    starter.start()
    try:
        assert inside.wait(30), "start() never reached its window"
        assert engine.stop(30.0)  # generous: a loaded machine; the time is not what is tested
        go.set()
        starter.join(30)
        assert not starter.is_alive()
        yield failed
    finally:
        go.set()
        starter.join(30)
        engine.stop(30.0)


def _assert_not_started(engine: Engine, failed: list[BaseException]) -> None:
    assert [str(error) for error in failed] == ["not started: stop() was called while the engine started; it is "
                                                "stopped"]
    assert not engine.running and engine.find_node("src") is None and engine.find_node("keep") is None


def test_a_stop_while_the_first_start_compiles_ends_that_start(monkeypatch: pytest.MonkeyPatch) -> None:
    # stop() saw the engine not running yet and returned True; the start then ran every node.
    inside, go = threading.Event(), threading.Event()
    monkeypatch.setattr(engine_module, "compile_plan", _held(engine_module.compile_plan, inside, go))
    engine = engine_of(Source, Keeper)
    with _stopped_in_window(engine, inside, go) as failed:
        _assert_not_started(engine, failed)


def test_a_stop_before_the_first_starts_stop_state_is_reset_ends_that_start() -> None:
    # stop() ran a whole stop (nothing there yet) that the start's reset of the stop state then undid: the nodes ran,
    # `running` was False, and a later stop() did nothing.
    inside, go = threading.Event(), threading.Event()
    engine = engine_of(Source, Keeper)
    gate: Any = engine._gate
    gate.wait_out = _held(gate.wait_out, inside, go)  # after `_running = True`, before the reset
    with _stopped_in_window(engine, inside, go) as failed:
        _assert_not_started(engine, failed)


def test_a_stop_while_start_adds_its_workers_leaves_none_of_them_running() -> None:
    # stop() took the workers added so far; those start() added after it were never told to stop and stayed alive.
    inside, go = threading.Event(), threading.Event()
    engine = engine_of(Source, Keeper)
    add_worker = engine._add_worker
    calls: list[int] = []

    def second_held() -> None:
        calls.append(1)
        if len(calls) == 2:  # one worker added before the stop, the next one held until it has returned
            _held(add_worker, inside, go)()
        else:
            add_worker()

    setattr(engine, "_add_worker", second_held)  # noqa: B010 (an instance's method, for this engine alone)
    before = set(threading.enumerate())
    with _stopped_in_window(engine, inside, go) as failed:
        assert failed == [] and not engine.running and engine.find_node("src") is None
        assert engine._workers == [], "a worker added after the stop was left in the pool"

        def left() -> list[str]:
            return [thread.name for thread in set(threading.enumerate()) - before
                    if thread.name.startswith("exsampling-worker") and thread.is_alive()]

        assert wait_for(lambda: not left(), 10), f"workers of the stopped engine still running: {left()}"
