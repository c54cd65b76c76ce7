"""A node that recovers loses its current error in the engine (its count stays), as the console and the live
editor already say: an editor that attaches after it recovered must not show the old error's badge. What ends an
error depends on what it was (runtime.recovery): a message's, the next message handled; a device's, only the
device back (or the node rebuilt), however many messages it handles meanwhile."""

from __future__ import annotations

import io
import threading
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node, Param
from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, Event, NodeError
from tests.core.engine_nodes import all_sent, engine_registry


class Grumbles(Node):
    """Reports an error of its own on "bad" messages and returns, as a node tells a problem without raising."""

    type_name = "grumbles"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        if message == "bad":
            self.report_error("told, not raised")


class NoDevice(Node):
    """As the sampler with no JACK server: its start() finds no device (told, the node runs on), it keeps the
    takes it is sent for when the device is back; its device thread (the test here) tells when it opens."""

    type_name = "no_device"
    inlet = Input(ANY)
    missing = Param(str, "no JACK server: the sampler is silent until it is back", "the error start() tells")
    listens = Param(bool, False, "start() then opens a URL, as a web recorder does")

    def start(self) -> None:
        self.kept: list[Any] = []
        if self.missing:
            self.report_error(self.missing)
        if self.listens:
            self.report_status(url="https://10.0.0.2:8443")

    def on_inlet(self, message: Any) -> None:
        self.kept.append(message)


@pytest.fixture
def registry() -> Registry:
    registry = engine_registry()
    registry.register(Grumbles, "test")
    registry.register(NoDevice, "test")
    return registry


def attached(engine: Engine) -> RuntimeObserver:
    """What an editor that attaches now shows."""
    observer = RuntimeObserver()
    observer.attach(engine)
    observer.apply()
    observer.detach()
    return observer


def watching(engine: Engine) -> RuntimeObserver:
    """An editor that watches from before the start (as the editor's Runner attaches)."""
    observer = RuntimeObserver()
    observer.attach(engine)
    return observer


def shown(observer: RuntimeObserver, node_id: str) -> str | None:
    observer.apply()
    return observer.nodes[node_id].error if node_id in observer.nodes else None


def test_a_message_handled_after_a_failure_clears_the_error_and_keeps_the_count(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": 6}))
    patch.add_node(NodeSpec("recovers", "add_one", {"fail_on": [1, 2]}))
    patch.add_node(NodeSpec("fails_last", "add_one", {"fail_on": [5]}))
    patch.connect("src.out", "recovers.inlet")
    patch.connect("src.out", "fails_last.inlet")
    errors: list[Event] = []
    engine = Engine(registry)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    try:
        assert all_sent(engine) and engine.wait_idle(5, settle=0.05)
        assert [e.node_id for e in errors].count("recovers") == 2
        assert set(engine.errors) == {"fails_last"} and "cannot add one to 5" in engine.errors["fails_last"]
        # the count is the history: `exsampling run`'s "nodes with errors" still names the node that recovered
        assert engine.error_counts == {"recovers": 2, "fails_last": 1}
        live = attached(engine).nodes
        # no badge: it has no error now; its count comes along, as one that watched all along has it
        assert live["recovers"].error is None and live["recovers"].error_count == 2
        assert live["fails_last"].error is not None and "cannot add one to 5" in live["fails_last"].error
    finally:
        engine.stop()


def test_a_device_opened_again_clears_the_error(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("out", "grumbles"))
    engine = Engine(registry)
    engine.start(patch)
    try:
        node = engine.node("out")
        node.report_status(device="system", sample_rate=48000.0)
        # As a sampler's audio thread does: the device went away, then opened again, no message passing.
        node.report_error("the JACK server went away")
        node.report_status(level=0.0)  # nothing opened: still in error
        assert engine.errors == {"out": "the JACK server went away"}
        assert attached(engine).nodes["out"].error == "the JACK server went away"
        node.report_status(device="system", sample_rate=48000.0)
        assert engine.errors == {} and engine.error_counts == {"out": 1}
        assert attached(engine).nodes["out"].error is None
    finally:
        engine.stop()


def test_an_error_told_while_handling_a_message_is_kept(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("out", "grumbles"))
    engine = Engine(registry)
    engine.start(patch)
    try:
        engine.inject("out", "inlet", "bad")
        assert engine.wait_idle(5, settle=0.05)
        assert engine.errors == {"out": "told, not raised"}  # its handler returned, but it told of a problem
        engine.inject("out", "inlet", "fine")
        assert engine.wait_idle(5, settle=0.05)
        assert engine.errors == {} and engine.error_counts == {"out": 1}
    finally:
        engine.stop()


def test_a_device_opened_while_a_message_fails_does_not_clear_that_failure(registry: Registry) -> None:
    # The editor's rule too (test_live_status.py): a device's status from another thread says nothing of a failure
    # that is being handled now.
    patch = Patch()
    patch.add_node(NodeSpec("add", "add_one", {"fail_on": [7]}))
    engine = Engine(registry)
    engine.start(patch)

    def meanwhile(event: Event) -> None:  # called on the worker, the failed message not finished
        engine.node("add").report_status(device="system")

    engine.events.subscribe(meanwhile, NodeError)
    try:
        engine.inject("add", "inlet", 7)
        assert engine.wait_idle(5, settle=0.05)
        assert "cannot add one to 7" in engine.errors["add"]
        assert attached(engine).nodes["add"].error is not None
    finally:
        engine.stop()


def test_a_device_error_stands_through_the_messages_handled_until_the_device_is_back(registry: Registry) -> None:
    # The sampler with no JACK server goes on taking its takes in: each handled without an error, it is silent all
    # the same. Before, the first one cleared its error in the engine and in the editor.
    patch = Patch()
    patch.add_node(NodeSpec("sampler", "no_device"))
    engine = Engine(registry)
    editor = watching(engine)
    engine.start(patch)
    try:
        for take in ("t1", "t2", "t3"):
            engine.inject("sampler", "inlet", take)
        assert engine.wait_idle(5, settle=0.05)
        assert engine.node("sampler").kept == ["t1", "t2", "t3"]  # type: ignore[attr-defined]
        missing = "no JACK server: the sampler is silent until it is back"
        assert engine.errors == {"sampler": missing}
        assert shown(editor, "sampler") == missing and editor.nodes["sampler"].handled == 3
        late = attached(engine).nodes["sampler"]
        assert late.error == missing and late.error_count == 1
        engine.node("sampler").report_status(level=0.0)  # nothing opened
        assert engine.errors == {"sampler": missing} and shown(editor, "sampler") == missing
        # Its device thread finds the server: the device opens, for the first time since its start.
        engine.node("sampler").report_status(device="system", sample_rate=48000.0)
        assert engine.errors == {} and engine.error_counts == {"sampler": 1}
        assert shown(editor, "sampler") is None and editor.nodes["sampler"].error_count == 1
        assert attached(engine).nodes["sampler"].error is None
    finally:
        editor.detach()
        engine.stop()


def test_a_start_that_failed_stands_through_the_messages_handled(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("bad", "bad_start"))  # its start() raises "no such device"
    engine = Engine(registry)
    editor = watching(engine)
    engine.start(patch)
    try:
        engine.inject("bad", "inlet", 1)
        engine.inject("bad", "inlet", 2)
        assert engine.wait_idle(5, settle=0.05)
        assert engine.errors == {"bad": "OSError: no such device"}
        assert shown(editor, "bad") == "OSError: no such device" == attached(engine).nodes["bad"].error
    finally:
        editor.detach()
        engine.stop()


def test_an_opening_in_its_own_start_is_no_recovery(registry: Registry) -> None:
    # A web recorder that finds a damaged take as it starts, then listens: the error is no device's, and stands.
    # Before, the editor that watched cleared it at the URL while the engine kept it.
    patch = Patch()
    patch.add_node(NodeSpec("rec", "no_device", {"missing": "stored take unreadable", "listens": True}))
    engine = Engine(registry)
    editor = watching(engine)
    engine.start(patch)
    try:
        assert engine.errors == {"rec": "stored take unreadable"}
        assert shown(editor, "rec") == "stored take unreadable" == attached(engine).nodes["rec"].error
        # Its server restarted by itself later: it is back.
        engine.node("rec").report_status(url="https://10.0.0.2:8443")
        assert engine.errors == {} and shown(editor, "rec") is None
    finally:
        editor.detach()
        engine.stop()


def test_an_error_told_by_a_handler_ends_with_the_next_message_in_the_editor_too(registry: Registry) -> None:
    # Before, the editor cleared it at once (the NodeTiming of the very message whose handler told it), while the
    # engine kept it until the next one.
    patch = Patch()
    patch.add_node(NodeSpec("out", "grumbles"))
    patch.add_node(NodeSpec("add", "add_one", {"fail_on": [7]}))
    engine = Engine(registry)
    editor = watching(engine)
    engine.start(patch)
    try:
        engine.inject("out", "inlet", "bad")
        engine.inject("add", "inlet", 7)
        assert engine.wait_idle(5, settle=0.05)
        assert set(engine.errors) == {"out", "add"}
        assert shown(editor, "out") == "told, not raised" == attached(engine).nodes["out"].error
        assert shown(editor, "add") is not None and attached(engine).nodes["add"].error is not None
        late = watching(engine)  # joins now, and sees the next messages with the one that watched all along
        engine.inject("out", "inlet", "fine")
        engine.inject("add", "inlet", 8)
        assert engine.wait_idle(5, settle=0.05)
        assert engine.errors == {} and engine.error_counts == {"out": 1, "add": 1}
        for observer in (editor, late):
            assert shown(observer, "out") is None and shown(observer, "add") is None
        late.detach()
    finally:
        editor.detach()
        engine.stop()


def test_a_node_rebuilt_by_a_live_edit_loses_its_device_error(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("sampler", "no_device"))
    engine = Engine(registry)
    editor = watching(engine)
    engine.start(patch)
    try:
        assert shown(editor, "sampler") is not None
        edited = Patch()
        edited.add_node(NodeSpec("sampler", "no_device", {"missing": ""}))  # a device it finds
        assert engine.update(edited) is not None
        assert engine.errors == {} and engine.error_counts == {"sampler": 1}
        # Before, the editor kept the old node's badge: no message came, no device opened.
        assert shown(editor, "sampler") is None and editor.nodes["sampler"].error_count == 1
        assert attached(engine).nodes["sampler"].error is None
    finally:
        editor.detach()
        engine.stop()


class DeviceThread(Node):
    """Tells an error on the message in hand, and meanwhile its device thread loses the device and opens it again."""

    type_name = "device_thread"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        self.report_error(f"no slot for {message}")

        def device() -> None:
            self.report_error("the device went away")
            self.report_status(device="system")

        thread = threading.Thread(target=device)
        thread.start()
        thread.join()


def test_an_error_told_by_another_thread_while_a_handler_runs_ends_for_all_as_the_engine_says(
        registry: Registry) -> None:
    # The console and the editor replayed runtime.recovery's rule from the events: the editor took the device
    # thread's error (no port) for the end of the failed message, so the opening meanwhile ended it, while the engine
    # kept it (the handler had not returned). Both follow the engine's NodeRecovered (and NodeStatus.back) now.
    from exsampling_patch.commands.stage import StageConsole

    registry.register(DeviceThread, "test")
    patch = Patch()
    patch.add_node(NodeSpec("sampler", "device_thread"))
    engine = Engine(registry)
    editor = watching(engine)
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    engine.events.subscribe(console, *console.kinds())
    engine.start(patch)
    try:
        engine.inject("sampler", "inlet", "Bas")
        assert engine.wait_idle(5, settle=0.05)
        assert engine.errors == {"sampler": "the device went away"}
        assert shown(editor, "sampler") == "the device went away" == attached(engine).nodes["sampler"].error
        assert not any("is back" in line for line in err.getvalue().splitlines()), err.getvalue()
        engine.node("sampler").report_status(device="system")  # opened again, nothing in hand: back for all three
        assert engine.errors == {} and shown(editor, "sampler") is None
        back = err.getvalue().splitlines()[-1]
        assert back.endswith(" sampler is back: device_thread 'sampler': sound device system"), back
    finally:
        editor.detach()
        engine.stop()
