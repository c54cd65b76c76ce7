"""A node in two errors, one of which ends: the engine tells the one that stands (:class:`NodeStillInError`), and the
editor's badge shows it. Before, ``Engine.errors`` changed to it but nothing was published, so the badge (and any
observer following the events) kept the text of the error that had ended."""

from __future__ import annotations

from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.editor.observer import RuntimeObserver
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeRecovered, NodeStillInError


class Output(Node):
    """An output whose destination fails ("down", told about its "port"), is fine ("up"), or whose message is bad
    ("bad": a plain handler's error); any other message it handles cleanly."""

    type_name = "t_output_still"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        if message == "down":
            self.report_error("the destination refuses", about="port")
        elif message == "bad":
            self.report_error("this message cannot be sent")
        elif message == "up":
            self.report_status(port=9000)


def handled(engine: Engine, message: str) -> None:
    engine.inject("out", "inlet", message)
    assert engine.wait_idle(10)


def test_the_error_left_standing_when_another_ends_is_told_and_shown_on_the_badge() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(Output, "test")
    patch = Patch()
    patch.add_node(NodeSpec("out", "t_output_still"))
    engine = Engine(registry, workers=1, pin_workers=False)
    still: list[NodeStillInError] = []
    back: list[NodeRecovered] = []
    engine.events.subscribe(still.append, NodeStillInError)
    engine.events.subscribe(back.append, NodeRecovered)
    observer = RuntimeObserver()
    engine.start(patch)
    observer.attach(engine)
    try:
        handled(engine, "down")
        handled(engine, "bad")
        observer.apply()
        assert observer.nodes["out"].error == "this message cannot be sent"
        handled(engine, "clean")  # ends the message's error; the output's stands
        assert engine.errors == {"out": "the destination refuses"} and back == []
        ((event,),) = [still]
        assert (event.node_id, event.how, event.error.error) == ("out", "handled", "the destination refuses")
        assert event.error.about == "port" and event.ended == ("this message cannot be sent",)
        observer.apply()
        live = observer.nodes["out"]
        assert live.error == "the destination refuses" and live.error_event is event.error
        assert live.error_count == 2
        handled(engine, "up")  # the last one ends: back, and nothing is said to stand
        observer.apply()
        assert observer.nodes["out"].error is None and len(still) == 1
        assert [recovered.how for recovered in back] == ["opened"]
    finally:
        observer.detach()
        engine.stop()
