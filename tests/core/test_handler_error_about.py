"""An error a handler tells ``about`` one of its node's outputs stands until the node reports a status with that key:
the messages it handles cleanly meanwhile do not end it, as they end a handler's plain error.

Before, the engine dropped ``about`` from an error told by a handler, and the next message handled without one
ended it: a node whose output failed at each message had to tell its error at each message to stay in it."""

from __future__ import annotations

from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.runtime.events import NodeError, NodeRecovered


class Output(Node):
    """An output whose destination fails ("down", told about its "port"), is fine ("up", a status with that key),
    or whose message is bad ("bad": a plain handler's error); any other message it handles cleanly."""

    type_name = "t_output_about"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        if message == "down":
            self.report_error("the destination refuses", about="port")
        elif message == "bad":
            self.report_error("this message cannot be sent")
        elif message == "up":
            self.report_status(port=9000)


def running() -> tuple[Engine, list[NodeError], list[NodeRecovered]]:
    registry = Registry.default(entry_points=False)
    registry.register(Output, "test")
    patch = Patch()
    patch.add_node(NodeSpec("out", "t_output_about"))
    engine = Engine(registry, workers=1, pin_workers=False)
    told: list[NodeError] = []
    back: list[NodeRecovered] = []
    engine.events.subscribe(told.append, NodeError)
    engine.events.subscribe(back.append, NodeRecovered)
    engine.start(patch)
    return engine, told, back


def handled(engine: Engine, message: str) -> None:
    engine.inject("out", "inlet", message)
    assert engine.wait_idle(10)


def test_an_error_told_about_an_output_stands_through_clean_messages_until_it_opens() -> None:
    engine, told, back = running()
    try:
        handled(engine, "down")
        for _ in range(4):
            handled(engine, "clean")
            assert engine.errors == {"out": "the destination refuses"}
            assert engine.error_state()["out"].error is not None
        assert back == []
        handled(engine, "up")
        assert engine.errors == {} and engine.error_state()["out"].error is None
    finally:
        engine.stop()
    assert len(told) == 1 and told[0].about == "port" and told[0].port == "inlet"
    assert [event.how for event in back] == ["opened"]


def test_a_plain_handler_error_still_ends_at_the_next_clean_message_beside_one_about_an_output() -> None:
    engine, told, back = running()
    try:
        handled(engine, "down")
        handled(engine, "bad")
        assert engine.errors == {"out": "this message cannot be sent"}
        handled(engine, "clean")  # ends the message's error; the output's stands
        assert engine.errors == {"out": "the destination refuses"} and back == []
        handled(engine, "up")
        assert engine.errors == {}
        handled(engine, "bad")
        handled(engine, "clean")  # as ever, without an output's error
        assert engine.errors == {}
    finally:
        engine.stop()
    assert [event.about for event in told] == ["port", "", ""]
    assert [event.how for event in back] == ["opened", "handled"]
