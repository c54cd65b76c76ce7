"""An error told later on a message (``NodeContext.report_message_error``) ends only at a message whose handling
began after it was told: one running as it was told had not seen it, and ended it within milliseconds while takes
flowed (the sampler's handed take's "no slot named 'Snare'")."""

from __future__ import annotations

import threading
from typing import Any

from exsampling_patch import ANY, Input, Node

from .engine_nodes import lone_node_engine


class Held(Node):
    """Its handler waits, at a message "hold", until the test lets it go."""

    type_name = "t_held_later"
    inlet = Input(ANY)
    entered = threading.Event()
    go = threading.Event()

    def on_inlet(self, message: Any) -> None:
        if message == "hold":
            Held.entered.set()
            assert Held.go.wait(10)


def test_an_error_told_later_stands_across_a_handler_that_began_before_it_and_ends_at_the_next() -> None:
    Held.entered.clear()
    Held.go.clear()
    engine, _, back = lone_node_engine(Held, "n")
    try:
        engine.inject("n", "inlet", "hold")
        assert Held.entered.wait(10)
        # told on this thread (the node's own, as a handed take's) while the handler runs: that one began before it
        engine.node("n").context.report_message_error("n", "take 3 not loaded into slot Snare", "inlet")
        Held.go.set()
        assert engine.wait_idle(10)
        assert engine.errors == {"n": "take 3 not loaded into slot Snare"} and back == []
        engine.inject("n", "inlet", "next take")  # began after it: ends it
        assert engine.wait_idle(10)
        assert engine.errors == {} and [event.how for event in back] == ["handled"]
    finally:
        Held.go.set()
        engine.stop()
