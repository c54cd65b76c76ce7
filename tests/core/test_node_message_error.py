"""``Node.report_message_error``: an error on a message a node took in, told from a thread of its own once its handler
returned, written as ``report_error`` is (``self.report_message_error(...)`` was an AttributeError at run time); and an
input name it does not have, refused in words (a misspelt one was taken without a word)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node, Output
from exsampling_patch.node import NodeContext
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError


class Later(Node):
    """Takes what comes in, and tells its error later, from a thread of its own."""

    type_name = "t_later_error"
    assignment = Input(ANY)
    midi = Input(ANY)
    out = Output(ANY)

    def on_assignment(self, message: Any) -> None:
        if message == "misspelt in the handler":
            self.report_message_error("not loaded", "asignment")

    def on_midi(self, message: Any) -> None:
        pass


class Lone(Node):
    """A source: no inputs at all."""

    type_name = "t_later_lone"
    out = Output(ANY)


def running(*specs: NodeSpec) -> tuple[Engine, list[NodeError]]:
    registry = Registry.default(entry_points=False)
    registry.register(Later, "test")
    registry.register(Lone, "test")
    patch = Patch()
    for spec in specs or (NodeSpec("post", "t_later_error"),):
        patch.add_node(spec)
    engine = Engine(registry, workers=1, pin_workers=False)
    told: list[NodeError] = []
    engine.events.subscribe(told.append, NodeError)
    engine.start(patch)
    return engine, told


def from_a_thread(call: Any) -> BaseException | None:
    """Run ``call`` on a thread of its own (no worker's), as a node's own thread tells: what it raised, if anything."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            call()
        except BaseException as error:
            raised.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    return raised[0] if raised else None


def test_a_node_tells_a_message_error_from_its_own_thread() -> None:
    engine, told = running()
    try:
        node = engine.node("post")
        assert from_a_thread(lambda: node.report_message_error("take 3 not loaded", "assignment")) is None
        assert engine.errors == {"post": "take 3 not loaded"}
        engine.inject("post", "assignment", "the next take")
        assert engine.wait_idle(10)
        assert engine.errors == {}
    finally:
        engine.stop()
    ((error,),) = [told]
    assert (error.port, error.later) == ("assignment", True)


def test_without_a_runtime_the_error_is_kept_on_the_context() -> None:
    context = NodeContext()
    Later("post", context=context).report_message_error("take 3 not loaded", "assignment")
    assert context.errors == ["take 3 not loaded"]


def test_a_misspelt_input_is_refused_in_words() -> None:
    engine, told = running()
    try:
        node = engine.node("post")
        raised = from_a_thread(lambda: node.report_message_error("take 3 not loaded", "asignment"))
        assert str(raised) == ("node 'post' (t_later_error) has no input 'asignment' to tell a message's error on; "
                               "did you mean 'assignment'? its inputs: assignment, midi")
        assert engine.errors == {} and told == []
    finally:
        engine.stop()


def test_a_name_like_no_input_lists_the_inputs() -> None:
    engine, _ = running()
    try:
        with pytest.raises(ValueError, match=r"has no input 'xyz' .*; its inputs: assignment, midi$"):
            engine.node("post").context.report_message_error("post", "not loaded", "xyz")
    finally:
        engine.stop()


def test_a_node_without_inputs_is_told_to_use_report_error() -> None:
    engine, _ = running(NodeSpec("lone", "t_later_lone"))
    try:
        with pytest.raises(ValueError, match=r"'lone' \(t_later_lone\) has no input 'in' .*it has no inputs: tell an "
                                             r"error of its own with report_error$"):
            engine.node("lone").report_message_error("not loaded", "in")
    finally:
        engine.stop()


def test_a_misspelt_input_in_the_handler_is_the_handlers_error() -> None:
    engine, _ = running()
    try:
        engine.inject("post", "assignment", "misspelt in the handler")
        assert engine.wait_idle(10)
        assert "has no input 'asignment' to tell a message's error on; did you mean 'assignment'?" \
            in engine.errors["post"]
    finally:
        engine.stop()
