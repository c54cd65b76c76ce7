"""An error a handler tells ``about`` one of its node's outputs stands until the node reports a status with that key:
the messages it handles cleanly meanwhile do not end it, as they end a handler's plain error.

Before, the engine dropped ``about`` from an error told by a handler, and the next message handled without one
ended it: a node whose output failed at each message had to tell its error at each message to stay in it."""

from __future__ import annotations

from exsampling_patch.runtime import Engine

from .engine_nodes import OutputOnCue, lone_node_engine


def handled(engine: Engine, message: str) -> None:
    engine.inject("out", "inlet", message)
    assert engine.wait_idle(10)


def test_an_error_told_about_an_output_stands_through_clean_messages_until_it_opens() -> None:
    engine, told, back = lone_node_engine(OutputOnCue, "out")
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
    engine, told, back = lone_node_engine(OutputOnCue, "out")
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
