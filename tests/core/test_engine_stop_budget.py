"""stop(timeout) waits ``timeout`` for the patch's work, each node's own stop() on top (its docstring, run.py's
STOP_SECONDS): the nodes' stops were taken out of it. The default patch's stops (its sampler's audio process, its
classifier's) take 0.3-0.45 s of run.py's 0.4 s on a loaded machine, which left each idle worker 0.05 s to end; one
that missed it made `exsampling run` say "some work did not finish in time" after Ctrl+C with nothing unfinished
(tests/stage/test_ctrl_c.py, 1 run in 14). A source's stop (the web recorder's) was still taken out of the wait for
what was queued: its deadline was set before the sources stopped.

The close takes the whole timeout, so a stop that takes it out of the wait leaves the handler the 0.05 s floor, which
its WORK_LEFT outlasts; counted on top, the handler has TIMEOUT - WORK_LEFT to spare, for a stalled machine."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node, Output
from exsampling_patch.patch import NodeSpec
from tests.core.run_again import engine_of, patch_of

TIMEOUT = 1.0  # the stop's wait for the patch's work
WORK_LEFT = 0.2  # the handler's work once the slow stop has returned: well over the 0.05 s the workers were left


class SlowSource(Node):
    """Passes on what it holds as it stops, then closes a device more slowly than the whole stop's ``timeout``. A
    source (no inputs): stopped first, before the wait for what is queued."""

    type_name = "t_budget_slow_source"
    out = Output(ANY)

    def start(self) -> None:
        self.taken, self.closed = threading.Event(), threading.Event()  # the test shares them with the handler

    def stop(self) -> None:
        self.emit("out", "the last of it")
        assert self.taken.wait(10)  # a handler has it, from before the device's close
        time.sleep(TIMEOUT)  # the device's close: as long as the stop's whole wait
        self.closed.set()
        super().stop()


class SlowClose(SlowSource):
    """The same, not a source: stopped after that wait, before the workers'."""

    type_name = "t_budget_slow_close"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        """Nothing comes in: what it passes on is its own, at its stop."""


class Finisher(Node):
    """Works on what it gets until the slow close is over, then a little more."""

    type_name = "t_budget_finisher"
    take = Input(ANY)

    def on_take(self, message: Any) -> None:
        self.taken.set()  # type: ignore[attr-defined]
        self.closed.wait(10)  # type: ignore[attr-defined]
        time.sleep(WORK_LEFT)


@pytest.mark.parametrize("closing", [SlowClose, SlowSource])
def test_a_nodes_slow_stop_comes_on_top_of_the_wait_for_work(closing: type[SlowSource]) -> None:
    engine = engine_of(closing, Finisher)
    engine.start(patch_of(NodeSpec("close", closing.type_name), NodeSpec("finish", Finisher.type_name),
                          links=[("close.out", "finish.take")]))
    close, finish = engine.node("close"), engine.node("finish")
    assert engine.plan is not None and ("close" in engine.plan.sources()) is (closing is SlowSource)
    finish.taken, finish.closed = close.taken, close.closed  # type: ignore[attr-defined]
    try:
        # The handler's WORK_LEFT after the close is within the TIMEOUT its work is given: a stop that took the
        # close's TIMEOUT out of it gave the workers 0.05 s (the settle wait none, for a source), and said work was
        # left unfinished
        assert engine.stop(timeout=TIMEOUT), engine.unfinished
    finally:
        close.closed.set()  # type: ignore[attr-defined]
    assert engine.unfinished == []
