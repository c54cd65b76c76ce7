"""A node in two errors, one of which ends: the engine tells the one that stands (:class:`NodeStillInError`), and the
editor's badge shows it. Before, ``Engine.errors`` changed to it but nothing was published, so the badge (and any
observer following the events) kept the text of the error that had ended."""

from __future__ import annotations

from exsampling_patch.editor.observer import RuntimeObserver
from exsampling_patch.runtime import Engine, NodeStillInError

from .engine_nodes import OutputOnCue, lone_node_engine


def handled(engine: Engine, message: str) -> None:
    engine.inject("out", "inlet", message)
    assert engine.wait_idle(10)


def test_the_error_left_standing_when_another_ends_is_told_and_shown_on_the_badge() -> None:
    engine, _, back = lone_node_engine(OutputOnCue, "out")
    still: list[NodeStillInError] = []
    engine.events.subscribe(still.append, NodeStillInError)
    observer = RuntimeObserver()
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
