"""The run gate (runtime/run_gate.py) against what meets start()'s wait for the last run's acts: an interrupt as an act
enters, a stop() while start() waits, an act that outlasts the wait, a start on the act's own thread. Each test holds a
real node's thread in its window with an event, never a sleep."""

from __future__ import annotations

import threading

import pytest

from exsampling_patch.runtime.run_gate import RunGate
from tests.core.run_again import engine_of
from tests.core.test_engine_run_again_old_takes import Keeper, Source, source_to_keeper


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
