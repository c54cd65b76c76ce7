"""An error a node tells inside one take's handler about an EARLIER take (``report_message_error``: the earlier take's
handler has returned): the earlier take's error, ``NodeError.later``. Before, told while the node's worker had this
node's handler in hand, it was taken for the running handler's own: a NodeError without ``later``, counted as that
handler failing, and the take in hand marked erred, so an output that loads takes (a sampler) had its take end
"loaded by none" though it loaded it. The sampler told such errors from a new thread per take to get around it."""

from __future__ import annotations

import numpy as np

from exsampling_patch import ANY, Input, Node
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.runtime import TakeEnded
from tests.waiting import wait_for

from .engine_nodes import lone_node_engine


class TellsTheLastOne(Node):
    """An output that loads each take, and tells inside the handler of the next one that the last one failed."""

    type_name = "t_tells_the_last_one"
    loads_takes = True
    assign = Input(ANY)

    def start(self) -> None:
        self.last: str | None = None

    def on_assign(self, assignment: SlotAssignment) -> None:
        if self.last is not None:
            self.report_message_error(f"{self.last} could not be told", "assign")
        self.last = assignment.take.take_id


def assignment() -> SlotAssignment:
    return SlotAssignment("Snare", Take(np.zeros(64, dtype=np.float32), 44100))


def test_an_earlier_takes_error_told_in_a_handler_is_the_earlier_takes() -> None:
    engine, told, back = lone_node_engine(TellsTheLastOne, "out")
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    try:
        first, second, third = assignment(), assignment(), assignment()
        engine.inject("out", "assign", first)
        assert wait_for(lambda: len(ended) == 1, 10)
        engine.inject("out", "assign", second)  # tells the first failed, in its handler
        assert wait_for(lambda: len(ended) == 2, 10)
        ((error,),) = [told]
        assert (error.error, error.port, error.later) == (f"{first.take.take_id} could not be told", "assign", True)
        assert ended[1].take_id == second.take.take_id
        assert ended[1].loaded == ("out",), ended[1]  # the take in hand was loaded: not marked erred
        # Told after the handler in hand began: that one's return does not end it; the next take's does.
        assert engine.errors == {"out": f"{first.take.take_id} could not be told"} and back == []
        assert engine._handler_errors.get("out", 0) == 0  # no handler failed
        engine.inject("out", "assign", third)  # tells the second failed: a later error again, which stands
        assert wait_for(lambda: len(ended) == 3, 10)
        assert engine.errors == {"out": f"{second.take.take_id} could not be told"} and ended[2].loaded == ("out",)
    finally:
        engine.stop()
