"""stop() while an edit starts its nodes: what is queued at an added node that will never start."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch import TAKE, Input, Node, Take
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, TakeEnded
from tests.core.test_roll_back_plain import patch_of
from tests.core.test_take_fates import Pass, Phone

LOADING, LOADED = threading.Event(), threading.Event()


class Loads(Node):
    """A sink whose start() takes long, as a classifier's that loads its model: until LOADED is set."""

    type_name = "t_stop_loads"
    take = Input(TAKE, multiple=True)

    def start(self) -> None:
        LOADING.set()
        LOADED.wait(30)

    def on_take(self, take: Take) -> None:
        pass


@pytest.fixture
def registry() -> Registry:
    registry = Registry.default(entry_points=False)
    for node_type in (Phone, Pass, Loads):
        registry.register(node_type, "test")
    return registry


def test_stop_during_an_edit_does_not_wait_for_a_take_queued_at_an_added_node_that_never_starts(
        registry: Registry) -> None:
    # The edit puts a gate before "loads", which starts first (consumers first) and takes long. The phone's take goes
    # to the gate by the edited links, and waits there for the gate's start. Stop comes: the gate will never start,
    # yet stop() waited its whole timeout for the take, then said some work had not finished. The take stays in
    # flight (not ended, not told to the phone): it is redone at the next start.
    LOADING.clear()
    LOADED.clear()
    engine = Engine(registry, workers=2, pin_workers=False)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch_of({"phone": "t_phone"}, []))
    phone: Any = engine.node("phone")
    edit = patch_of({"phone": "t_phone", "gate": "t_pass", "loads": "t_stop_loads"},
                    ["phone.out -> gate.take", "gate.out -> loads.take"])
    swapped: list[Any] = []
    swap = threading.Thread(target=lambda: swapped.append(engine.update(edit)), daemon=True)
    try:
        swap.start()
        assert LOADING.wait(5)
        phone.push("t1")
        assert list(engine._cells["gate"].inbox), "queued at the gate, not started"
        assert engine.stop(timeout=3.0), "stop() waited for a take that no node would take up"
        LOADED.set()
        swap.join(5)
        assert not swap.is_alive() and swapped == [None]  # the edit never ran
        assert ended == [] and phone.ended == [] and "t1" in engine.ledger  # in flight: redone at the next start
    finally:
        LOADED.set()
        engine.stop()
