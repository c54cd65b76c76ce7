"""A stop that leaves several handlers running names each one's place, all read from one dump of the threads.

stop_workers read each busy worker's place with its own ``running_at``, a faulthandler dump of every thread each
time (3.5-21 ms with the GIL held, parts.thread_stacks): a stop with two hung handlers dumped twice."""

from __future__ import annotations

import faulthandler
import inspect
import threading
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.waiting import wait_for


class Stuck(Node):
    """Holds its handler until the test lets it go (not told hung meanwhile: that would dump the threads too)."""

    type_name = "t_stuck_at_stop"
    hang_after = 600.0
    inlet = Input(ANY)
    release = threading.Event()

    def on_inlet(self, message: Any) -> None:
        self._deeper()

    def _deeper(self) -> None:
        type(self).release.wait(60)  # the line the stop names


def test_two_handlers_left_at_a_stop_are_named_each_with_its_line_from_one_dump(
        monkeypatch: pytest.MonkeyPatch) -> None:
    registry = Registry.default(entry_points=False)
    registry.register(Stuck, "test")
    patch = Patch()
    patch.add_node(NodeSpec("one", Stuck.type_name))
    patch.add_node(NodeSpec("two", Stuck.type_name))
    engine = Engine(registry, workers=2, pin_workers=False)
    Stuck.release.clear()
    engine.start(patch)
    dumps: list[int] = []
    dump = faulthandler.dump_traceback
    try:
        engine.inject("one", "inlet", "a")
        engine.inject("two", "inlet", "b")
        assert wait_for(lambda: all(state.busy is not None for state in engine._states), 30)
        monkeypatch.setattr(faulthandler, "dump_traceback", lambda *args, **kwargs: dumps.append(1) or dump(
            *args, **kwargs))
        assert not engine.stop(timeout=0.1)
    finally:
        Stuck.release.set()
        monkeypatch.undo()
    source, first = inspect.getsourcelines(Stuck)
    line = next(first + n for n, text in enumerate(source) if "release.wait(60)" in text)
    where = f"{__file__}:{line} in _deeper"
    assert sorted(engine.unfinished) == [("one", "inlet", where, ""), ("two", "inlet", where, "")]
    assert len(dumps) == 1  # one dump each: two
