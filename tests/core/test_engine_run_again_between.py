"""A node of the last run that tells from a thread of its own just as the engine starts again: start() runs between
its context's check "my run has not ended" and the act. The act is still its own run's: it ends, holds and sends
nothing in the new run. Checked then read, the context read the engine's ledger (the new run's by then): an old
keeper's late close_take ended the new run's redone take, and an old source's emit went into the new run's keeper.

The test's hook runs the new start() inside the check, as if the old node's thread were preempted right after it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from exsampling_patch.runtime import Engine, TakeEnded
from exsampling_patch.runtime.context import EngineContext
from tests.core.run_again import from_its_own_thread, last_run_nodes
from tests.core.test_engine_run_again_old_takes import Keeper, a_take, new_engine, source_to_keeper
from tests.waiting import wait_for


class Restart:
    """Starts ``engine`` again (and has the new run's keeper take the redone take) the first time the context of
    ``old`` checks whether its run has ended."""

    def __init__(self, engine: Engine, old: EngineContext) -> None:
        self.engine, self.old = engine, old
        self.ended: list[TakeEnded] = []
        self.new_keep: Keeper | None = None

    def run(self) -> None:
        if self.new_keep is not None:
            return
        self.engine.start(source_to_keeper())
        self.engine.events.subscribe(self.ended.append, TakeEnded)
        self.new_keep = self.engine.node("keep")  # type: ignore[assignment]
        new_src = self.engine.node("src")
        new_src.emit("out", a_take("redone"))  # the last run's take, passed on again under its id
        assert wait_for(lambda: self.new_keep is not None and len(self.new_keep.received) == 1, 10)


@pytest.fixture
def restarted(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Engine, Any, Any, Restart]]:
    engine = new_engine()
    old_src, old_keep = last_run_nodes(engine, source_to_keeper(), "src", "keep")
    restart = Restart(engine, old_keep.context)
    checked: Callable[[EngineContext, str, str, object], bool] = EngineContext._of_ended_run

    def check_then_restart(self: EngineContext, node_id: str, what: str, told: object) -> bool:
        result = checked(self, node_id, what, told)
        if self is restart.old:
            restart.run()  # the old node's thread is preempted here
        return result

    monkeypatch.setattr(EngineContext, "_of_ended_run", check_then_restart)
    try:
        yield engine, old_src, old_keep, restart
    finally:
        engine.stop()


def test_a_late_close_take_ends_nothing_of_the_new_run(restarted: tuple[Engine, Any, Any, Restart]) -> None:
    engine, _, old_keep, restart = restarted
    from_its_own_thread(lambda: old_keep.close_take(a_take("redone"), "Live's answer of the last run"))
    restart.run()  # where the close came before any check: the new run starts after it
    assert engine.wait_idle(5, settle=0.05)
    assert restart.ended == [], "the last run's keeper ended the new run's redone take"
    assert "redone" in engine.ledger


def test_a_late_send_goes_nowhere_in_the_new_run(restarted: tuple[Engine, Any, Any, Restart]) -> None:
    engine, old_src, _, restart = restarted
    from_its_own_thread(lambda: old_src.emit("out", a_take("late")))
    restart.run()
    assert engine.wait_idle(5, settle=0.05)
    assert restart.new_keep is not None
    assert [take.take_id for take in restart.new_keep.received] == ["redone"], "the last run's send reached this run"
    assert "late" not in engine.ledger
