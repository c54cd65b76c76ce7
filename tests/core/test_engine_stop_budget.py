"""stop(timeout) waits ``timeout`` for the patch's work, each node's own stop() on top (its docstring, run.py's
STOP_SECONDS): the nodes' stops were taken out of it. The default patch's stops (its sampler's audio process, its
classifier's) take 0.3-0.45 s of run.py's 0.4 s on a loaded machine, which left each idle worker 0.05 s to end; one
that missed it made `exsampling run` say "some work did not finish in time" after Ctrl+C with nothing unfinished
(tests/stage/test_ctrl_c.py, 1 run in 14)."""

from __future__ import annotations

import threading
import time
from typing import Any

from exsampling_patch import ANY, Input, Node, Output
from exsampling_patch.patch import NodeSpec
from tests.core.run_again import engine_of, patch_of

TIMEOUT = 0.5  # the stop's wait for the patch's work
WORK_LEFT = 0.1  # the handler's work once the slow stop has returned: over the 0.05 s the workers were left


class SlowClose(Node):
    """Passes on what it holds as it stops, then closes a device more slowly than the whole stop's ``timeout``."""

    type_name = "t_budget_slow_close"
    inlet = Input(ANY)
    out = Output(ANY)

    def start(self) -> None:
        self.taken, self.closed = threading.Event(), threading.Event()  # the test shares them with the handler

    def on_inlet(self, message: Any) -> None:
        """Nothing comes in: what it passes on is its own, at its stop."""

    def stop(self) -> None:
        self.emit("out", "the last of it")
        assert self.taken.wait(10)  # a handler has it, from before the device's close
        time.sleep(TIMEOUT)  # the device's close: as long as the stop's whole wait
        self.closed.set()
        super().stop()


class Finisher(Node):
    """Works on what it gets until the slow close is over, then a little more."""

    type_name = "t_budget_finisher"
    take = Input(ANY)

    def on_take(self, message: Any) -> None:
        self.taken.set()  # type: ignore[attr-defined]
        self.closed.wait(10)  # type: ignore[attr-defined]
        time.sleep(WORK_LEFT)


def test_a_nodes_slow_stop_comes_on_top_of_the_wait_for_work() -> None:
    engine = engine_of(SlowClose, Finisher)
    engine.start(patch_of(NodeSpec("close", SlowClose.type_name), NodeSpec("finish", Finisher.type_name),
                          links=[("close.out", "finish.take")]))
    close, finish = engine.node("close"), engine.node("finish")
    finish.taken, finish.closed = close.taken, close.closed  # type: ignore[attr-defined]
    try:
        # The handler's 0.1 s after the close are within the 0.5 s its work is given: a stop that took the close's
        # 0.5 s out of them gave the workers 0.05 s, and said work was left unfinished
        assert engine.stop(timeout=TIMEOUT), engine.unfinished
    finally:
        close.closed.set()  # type: ignore[attr-defined]
    assert engine.unfinished == []
