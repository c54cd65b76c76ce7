"""Where the watchdog tells a hung handler is: the place it had when found hung, read before anything else is done.

The watchdog marked the worker hung, handed its cells on and started a new worker, and only then read where the
handler was: the mark lets an edit waiting on it go on (stopping the node, which may end the handler), so the place
told was the one it had moved on to, "" for a handler that had ended, or a new worker's (thread ids are reused)."""

from __future__ import annotations

import inspect
import threading
import time
from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine, NodeError
from tests.core.engine_nodes import engine_registry


class MovesOnWhenMarked(Node):
    """Waits for its worker's hung mark (what an edit waits on), then somewhere else: where it is told hung shows
    whether its place was read before the mark or after."""

    type_name = "t_moves_on_when_marked"
    hang_after = 0.1
    inlet = Input(ANY)
    engine: Engine | None = None  # set by the test: the engine whose worker's mark it watches

    def start(self) -> None:
        self.release = threading.Event()

    def on_inlet(self, message: Any) -> None:
        assert self.engine is not None
        worker = self.engine._local.worker
        while not worker.hung:  # before the mark: the place to tell
            time.sleep(0.0001)  # polled closely: it moves on at once once marked
        self.release.wait(10)  # after the mark


def lines_of(*texts: str) -> set[int]:
    source, first = inspect.getsourcelines(MovesOnWhenMarked)
    return {first + n for n, line in enumerate(source) if any(text in line for text in texts)}


def test_the_place_told_is_the_one_the_handler_had_before_it_was_marked_hung() -> None:
    registry = engine_registry()
    registry.register(MovesOnWhenMarked, "test")
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": 1}))
    patch.add_node(NodeSpec("stuck", MovesOnWhenMarked.type_name))
    patch.connect("src.out", "stuck.inlet")
    errors: list[NodeError] = []
    engine = Engine(registry, workers=2)
    MovesOnWhenMarked.engine = engine
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    try:
        deadline = time.monotonic() + 10
        while not errors and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        engine.node("stuck").release.set()  # type: ignore[attr-defined]
        engine.stop()
        MovesOnWhenMarked.engine = None
    (error,) = errors
    assert error.node_id == "stuck" and error.error.startswith("hung: its handler on 'inlet'")
    before = {f"{__file__}:{line} in on_inlet" for line in lines_of("while not worker.hung", "time.sleep(0.0001)")}
    assert error.where in before, error.where  # read after the mark: the release.wait line, or ""
