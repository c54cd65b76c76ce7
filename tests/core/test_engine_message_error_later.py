"""An error a node tells on a thread of its own about a message it took in (``NodeContext.report_message_error``,
``NodeError.later``): it ends at the next message handled without one, as its handler's would, and, no message of it
being finished, it does not hold back an opening that ends the node's other errors."""

from __future__ import annotations

from typing import Any

from exsampling_patch import ANY, Input, Node

from .engine_nodes import lone_node_engine


class Quiet(Node):
    type_name = "t_quiet_later"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        pass


def test_an_error_told_later_on_a_message_ends_at_the_next_message_handled() -> None:
    engine, told, back = lone_node_engine(Quiet, "n")
    try:
        node = engine.node("n")
        node.context.report_message_error("n", "this take could not be loaded", "inlet")  # this thread: no worker's
        assert engine.errors == {"n": "this take could not be loaded"}
        engine.inject("n", "inlet", "clean")
        assert engine.wait_idle(10)
        assert engine.errors == {} and [event.how for event in back] == ["handled"]
    finally:
        engine.stop()
    ((error,),) = [told]
    assert (error.port, error.later) == ("inlet", True)


def test_an_error_told_later_does_not_hold_back_an_opening() -> None:
    engine, told, back = lone_node_engine(Quiet, "n")
    try:
        node = engine.node("n")
        node.report_error("the device is gone")
        node.context.report_message_error("n", "this take could not be loaded", "inlet")
        node.report_status(device="system")  # opened: ends both
        assert engine.errors == {} and [event.how for event in back] == ["opened"]
    finally:
        engine.stop()
    assert len(told) == 2
