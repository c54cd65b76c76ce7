"""The engine and nodes that fail: bypassed and reported, where their code raised, never stopping the show."""

from __future__ import annotations

import re
import threading

import pytest

from exsampling_patch.editor.live import failure_text
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, Event, NodeError, NodeStarted, NodeStopped
from tests.core import engine_nodes
from tests.core.engine_nodes import all_sent, engine_registry


@pytest.fixture
def registry() -> Registry:
    return engine_registry()


def test_failing_node_is_bypassed_and_reported(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": 10}))
    patch.add_node(NodeSpec("add", "add_one", {"fail_on": [3, 7]}))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("src.out", "add.inlet")
    patch.connect("add.outlet", "sink.inlet")
    errors: list[Event] = []
    engine = Engine(registry)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    assert all_sent(engine) and engine.wait_idle(5, settle=0.05)
    received = engine.node("sink").received  # type: ignore[attr-defined]
    engine.stop()
    # 3 and 7 went round the failing node unchanged; everything else got one added
    assert received == [1, 2, 3, 3, 5, 6, 7, 7, 9, 10]
    assert [e.node_id for e in errors] == ["add", "add"]
    assert "cannot add one to 7" in errors[-1].error  # type: ignore[attr-defined]
    # 8 and 9 were handled since: it recovered, its count stays (test_engine_recovery.py)
    assert "add" not in engine.errors and engine.error_counts["add"] == 2


def test_a_plugin_nodes_error_says_where_its_code_raised(registry: Registry) -> None:
    # Before, the console said only "ValueError: cannot add one to 0": the traceback reached no one.
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": 1}))
    patch.add_node(NodeSpec("add", "add_one", {"fail_on": [0]}))
    patch.add_node(NodeSpec("built", "slow", {"fail_build": True}))
    patch.add_node(NodeSpec("bad", "bad_start"))
    patch.connect("src.out", "add.inlet")
    patch.connect("add.outlet", "bad.inlet")
    errors: list[NodeError] = []
    engine = Engine(registry)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    assert all_sent(engine) and engine.wait_idle(5, settle=0.05)
    engine.stop()
    where = {e.node_id: e.where for e in errors}
    here = re.escape(engine_nodes.__file__)  # where the failing nodes' code is
    assert re.fullmatch(rf"{here}:\d+ in on_inlet", where["add"]), where
    assert re.fullmatch(rf"{here}:\d+ in __init__", where["built"]), where
    assert re.fullmatch(rf"{here}:\d+ in start", where["bad"]), where


def test_an_error_outside_a_handler_says_which_method_raised(registry: Registry) -> None:
    # "where" names the deepest line of the node's code (a helper, here): it did not say the node was stopping.
    patch = Patch()
    patch.add_node(NodeSpec("built", "slow", {"fail_build": True}))
    patch.add_node(NodeSpec("prepared", "slow", {"fail_prepare": True}))
    patch.add_node(NodeSpec("bad", "bad_start"))
    patch.add_node(NodeSpec("closing", "bad_stop"))
    errors: list[NodeError] = []
    engine = Engine(registry)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    engine.stop()
    assert {e.node_id: e.during for e in errors} == {"built": "__init__", "prepared": "prepare", "bad": "start",
                                                    "closing": "stop"}
    (closing,) = [e for e in errors if e.node_id == "closing"]
    assert closing.where.endswith(" in _close") and closing.port is None


def test_a_node_that_could_not_be_built_is_not_started(registry: Registry) -> None:
    # Its stand-in "started" (to bypass what reaches it): `exsampling run` counted the node among those started.
    patch = Patch()
    patch.add_node(NodeSpec("built", "slow", {"fail_build": True}))
    patch.add_node(NodeSpec("fine", "slow"))
    started: list[NodeStarted] = []
    engine = Engine(registry)
    engine.events.subscribe(started.append, NodeStarted)
    engine.start(patch)
    engine.stop()
    assert [e.node_id for e in started] == ["fine"]
    assert engine.errors["built"] == "RuntimeError: cannot be built"


def test_node_that_cannot_start_does_not_stop_the_show(registry: Registry) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("src", "counter", {"count": 5}))
    patch.add_node(NodeSpec("bad", "bad_start"))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("src.out", "bad.inlet")
    patch.connect("src.out", "sink.inlet")
    errors: list[NodeError] = []
    engine = Engine(registry)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch)
    assert all_sent(engine) and engine.wait_idle(5, settle=0.05)
    assert engine.node("sink").received == [0, 1, 2, 3, 4]  # type: ignore[attr-defined]
    assert [(e.node_id, e.error) for e in errors] == [("bad", "OSError: no such device")]
    # the messages it handled since say nothing of its device: the error stands (test_engine_recovery.py)
    assert engine.errors["bad"] == "OSError: no such device"
    engine.stop()
    # its stop() then fails on what start() never made: noise, not a second error over the one that matters
    assert len(errors) == 1 and engine.errors["bad"] == "OSError: no such device" and engine.error_counts["bad"] == 1


@pytest.mark.parametrize("call", ["__init__", "prepare", "start"])
def test_what_escapes_a_nodes_method_at_start_names_the_node(registry: Registry, call: str) -> None:
    # A plugin's sys.exit() passes the engine's error handling and reaches the caller of start(), by which time the
    # engine no longer said which node was starting: the editor told "cannot run: SystemExit: ..." of no node.
    patch = Patch()
    patch.add_node(NodeSpec("sink", "sink"))
    patch.add_node(NodeSpec("quitter", "quits", {"quit_in": call}))
    errors: list[NodeError] = []
    engine = Engine(registry)
    engine.events.subscribe(errors.append, NodeError)
    try:
        with pytest.raises(SystemExit):
            engine.start(patch)
        assert engine.failed_call == ("quitter", call)
        assert [(e.node_id, e.during, e.error) for e in errors] == [
            ("quitter", call, f"SystemExit: no device, in {call}")]
        assert engine.errors["quitter"] == f"SystemExit: no device, in {call}"
    finally:
        engine.stop()


def test_a_node_whose_start_escaped_is_stopped_with_the_rest(registry: Registry) -> None:
    # The engine's note of the node starting outlived the sys.exit(): stop() took the node for one still starting
    # (Ctrl+C during start-up) and left it be, with the thread (a port, a device) its start() had opened.
    patch = Patch()
    patch.add_node(NodeSpec("sink", "sink"))
    patch.add_node(NodeSpec("half", "half_starts"))
    stopped: list[NodeStopped] = []
    engine = Engine(registry)
    engine.events.subscribe(stopped.append, NodeStopped)
    with pytest.raises(SystemExit):
        engine.start(patch)
    engine.stop()
    assert sorted(e.node_id for e in stopped) == ["half", "sink"]
    assert [t.name for t in threading.enumerate() if t.name == "half-held"] == []
    # its stop() failed on what start() never opened: noise, not a second error over the one that matters
    assert engine.error_counts["half"] == 1 and engine.errors["half"] == "SystemExit: no second device"


def adders(*node_ids: str, fail_on: list[int] | None = None) -> Patch:
    """add_one nodes (file order as given), all into a sink; "quitter" among them quits in its start()."""
    patch = Patch()
    for node_id in node_ids:
        if node_id == "quitter":
            patch.add_node(NodeSpec(node_id, "quits", {"quit_in": "start"}))
        else:
            patch.add_node(NodeSpec(node_id, "add_one", {"fail_on": fail_on or []}))
    patch.add_node(NodeSpec("sink", "sink"))
    for node_id in node_ids:
        if node_id != "quitter":
            patch.connect(f"{node_id}.outlet", "sink.inlet")
    return patch


def test_an_edit_that_quits_part_way_puts_back_the_plan_that_ran(registry: Registry) -> None:
    # The engine kept the new plan half swapped in: "a" restarted with the edit's parameters, "b" not yet (and never:
    # the next edit was compared with a plan that claimed it was), the added node in the plan, unstarted.
    engine = Engine(registry)
    engine.start(adders("b", "a"))
    ran, first_b = engine.plan, engine.node("b")
    stopped: list[NodeStopped] = []
    engine.events.subscribe(stopped.append, NodeStopped)
    try:
        # Consumers start first, the rest in reverse file order: "a" restarts, then "quitter" quits, before "b".
        with pytest.raises(SystemExit):
            engine.update(adders("b", "quitter", "a", fail_on=[1]))
        assert engine.failed_call == ("quitter", "start")
        assert engine.plan is ran
        assert engine.find_node("quitter") is None and "quitter" in [e.node_id for e in stopped]
        assert engine.node("a").fail_on == [] and engine.node("b") is first_b  # type: ignore[attr-defined]
        for node_id in ("a", "b"):
            engine.inject(node_id, "inlet", 1)
        assert engine.wait_idle()
        assert engine.node("sink").received == [2, 2]  # type: ignore[attr-defined]
        # The next edit is compared with what runs: both nodes restart with it.
        engine.update(adders("b", "a", fail_on=[1]))
        assert engine.node("a").fail_on == engine.node("b").fail_on == [1]  # type: ignore[attr-defined]
    finally:
        engine.stop()


def test_an_edit_whose_removed_node_quits_on_stopping_still_runs(registry: Registry) -> None:
    # Past the restarts the new plan runs: the other removed nodes are still stopped, and plan says which runs.
    patch = Patch()
    patch.add_node(NodeSpec("quitter", "quits", {"quit_in": "stop"}))
    patch.add_node(NodeSpec("held", "counter", {"interval": 0.01}))  # a thread: its stop() must come
    patch.add_node(NodeSpec("kept", "sink"))
    engine = Engine(registry)
    engine.start(patch)
    stopped: list[NodeStopped] = []
    engine.events.subscribe(stopped.append, NodeStopped)
    edited = Patch()
    edited.add_node(NodeSpec("kept", "sink"))
    try:
        with pytest.raises(SystemExit):
            engine.update(edited)
        assert engine.failed_call == ("quitter", "stop")
        assert engine.plan is not None and engine.plan.version == 2
        assert [e.node_id for e in stopped] == ["quitter", "held"]  # in the order of the plan that ran
        assert engine.find_node("held") is None and engine.find_node("quitter") is None
        assert [t.name for t in threading.enumerate() if t.name == "held-source"] == []
    finally:
        engine.stop()


def test_a_node_whose_stop_quits_is_said_stopped_with_its_error(registry: Registry) -> None:
    # Its NodeStopped never came (its threads were told to end all the same): observers took it for running.
    patch = Patch()
    patch.add_node(NodeSpec("quitter", "quits", {"quit_in": "stop"}))
    patch.add_node(NodeSpec("kept", "sink"))
    engine = Engine(registry)
    engine.start(patch)
    events: list[Event] = []
    engine.events.subscribe(events.append, NodeStopped, NodeError)
    edited = Patch()
    edited.add_node(NodeSpec("kept", "sink"))
    try:
        with pytest.raises(SystemExit) as caught:
            engine.update(edited)
        assert [(type(e).__name__, e.node_id, getattr(e, "during", None)) for e in events] == [
            ("NodeError", "quitter", "stop"), ("NodeStopped", "quitter", None)]  # the error once
        # Counted for the end-of-show summary; gone from the running patch's errors with the node (it was removed)
        assert "quitter" not in engine.errors and engine.error_counts["quitter"] == 1
        assert failure_text(engine, caught.value) == "node 'quitter' failed in stop(): SystemExit: no device, in stop"
    finally:
        engine.stop()


def test_a_roll_back_that_fails_too_names_the_node_that_undid_the_edit(registry: Registry) -> None:
    # Stopping the added "stops_badly" in the roll-back quits as well: it was named, and the editor blamed the edit's
    # failure on it.
    patch = Patch()
    patch.add_node(NodeSpec("kept", "sink"))
    engine = Engine(registry)
    engine.start(patch)
    edited = Patch()
    edited.add_node(NodeSpec("kept", "sink"))
    edited.add_node(NodeSpec("stops_badly", "quits", {"quit_in": "stop"}))
    edited.add_node(NodeSpec("quitter", "quits", {"quit_in": "start"}))  # last in file order: started first
    try:
        with pytest.raises(SystemExit):
            engine.update(edited)
        assert engine.failed_call == ("quitter", "start")
        assert engine.errors["stops_badly"] == "SystemExit: no device, in stop"  # still told on its node
        assert engine.find_node("stops_badly") is None
    finally:
        engine.stop()


def test_a_roll_back_stops_a_changed_node_once_when_its_new_build_quit(registry: Registry) -> None:
    # The one that ran was stopped for the edit, then again by the roll-back: its second stop() failed on the device
    # its first had closed, and that was reported on the node.
    patch = Patch()
    patch.add_node(NodeSpec("dev", "closes"))
    engine = Engine(registry)
    engine.start(patch)
    first = engine.node("dev")
    events: list[Event] = []
    engine.events.subscribe(events.append, NodeStopped, NodeError)
    edited = Patch()
    edited.add_node(NodeSpec("dev", "closes", {"quit_building": True}))
    try:
        with pytest.raises(SystemExit):
            engine.update(edited)
        assert engine.failed_call == ("dev", "__init__")
        assert [(type(e).__name__, getattr(e, "during", None)) for e in events] == [
            ("NodeStopped", None), ("NodeError", "__init__")]
        assert engine.error_counts["dev"] == 1
        assert engine.node("dev") is not first and not engine.node("dev").quit_building  # type: ignore[attr-defined]
    finally:
        engine.stop()


def test_a_roll_back_does_not_stop_again_a_changed_node_whose_stop_quit(registry: Registry) -> None:
    # Its stop() quitting undid the edit; the roll-back stopped it a second time, which failed on the device the
    # first had closed, and that error was told on the node.
    patch = Patch()
    patch.add_node(NodeSpec("dev", "closes", {"quit_stopping": True}))
    engine = Engine(registry)
    engine.start(patch)
    events: list[Event] = []
    engine.events.subscribe(events.append, NodeStopped, NodeError)
    edited = Patch()
    edited.add_node(NodeSpec("dev", "closes"))
    try:
        with pytest.raises(SystemExit):
            engine.update(edited)
        assert engine.failed_call == ("dev", "stop")
        assert [(type(e).__name__, getattr(e, "during", None), getattr(e, "error", None)) for e in events] == [
            ("NodeError", "stop", "SystemExit: no device, in stop"), ("NodeStopped", None, None)]
        assert engine.node("dev").quit_stopping  # type: ignore[attr-defined]  # as it ran, built anew
    finally:
        engine.stop()


def test_stop_goes_on_past_a_node_whose_stop_quits(registry: Registry) -> None:
    # The sys.exit() ended the engine's stop() there: the nodes after it and the workers were left running, and it
    # reached the caller (the editor's Stop: it closed the editor).
    patch = Patch()
    patch.add_node(NodeSpec("held", "counter", {"interval": 0.01}))
    patch.add_node(NodeSpec("quitter", "quits", {"quit_in": "stop"}))
    patch.add_node(NodeSpec("sink", "sink"))
    patch.connect("held.out", "sink.inlet")
    before = set(threading.enumerate())
    engine = Engine(registry)
    stopped: list[NodeStopped] = []
    engine.events.subscribe(stopped.append, NodeStopped)
    engine.start(patch)
    engine.stop()
    assert [e.node_id for e in stopped] == ["held", "quitter", "sink"]
    assert engine.errors["quitter"] == "SystemExit: no device, in stop" and not engine.running
    left = [t.name for t in set(threading.enumerate()) - before if t.is_alive()]
    assert not [name for name in left if name.startswith("exsampling-worker") or name == "held-source"], left


def test_an_error_whose_text_cannot_be_made_is_reported_and_the_show_goes_on(registry: Registry) -> None:
    # Formatting it raised inside the engine's own error handling and ended the worker: with one, the patch stopped.
    patch = Patch()
    patch.add_node(NodeSpec("garbled", "garbled"))
    engine = Engine(registry, workers=1)
    engine.start(patch)
    try:
        for number in range(3):
            engine.inject("garbled", "inlet", number)
        assert engine.wait_idle(5)
        assert engine.error_counts["garbled"] == 3
        assert engine.errors["garbled"] == "Unprintable (its message could not be made)"
    finally:
        engine.stop()


@pytest.mark.parametrize("call", ["__init__", "prepare", "start", "stop"])
def test_what_escapes_a_plugin_nodes_method_says_where_its_code_raised(registry: Registry, call: str) -> None:
    # A sys.exit() was told on its node without the file and line an Exception's report has: the console and the
    # editor said "SystemExit: ..." and the plugin's developer had to guess where.
    patch = Patch()
    patch.add_node(NodeSpec("quitter", "quits", {"quit_in": call}))
    errors: list[NodeError] = []
    engine = Engine(registry)
    engine.events.subscribe(errors.append, NodeError)
    try:
        if call == "stop":
            engine.start(patch)
        else:
            with pytest.raises(SystemExit):
                engine.start(patch)
    finally:
        engine.stop()
    assert [(e.node_id, e.during) for e in errors] == [("quitter", call)]
    here = re.escape(engine_nodes.__file__)
    assert re.fullmatch(rf"{here}:\d+ in _quit_if", errors[0].where), errors[0].where


def test_a_roll_back_whose_restart_quits_is_told_on_the_node(registry: Registry) -> None:
    # Only logged: the node that ran showed no error, and the composer took it for back as it ran, its start() having
    # quit (its device gone meanwhile) and the node taking up no message since.
    engine_nodes.TRACKING = tracking = engine_nodes.Tracking()
    patch = Patch()
    patch.add_node(NodeSpec("dev", "tracked", {"version": 1}))
    engine = Engine(registry)
    engine.start(patch)
    tracking.quit_versions.add(1)
    errors: list[NodeError] = []
    engine.events.subscribe(errors.append, NodeError)
    edited = Patch()
    edited.add_node(NodeSpec("quitter", "quits", {"quit_in": "start"}))  # first in file order: started last
    edited.add_node(NodeSpec("dev", "tracked", {"version": 2}))
    try:
        with pytest.raises(SystemExit):
            engine.update(edited)
        assert engine.failed_call == ("quitter", "start")  # still what undid the edit
        assert [(e.node_id, e.during, e.error) for e in errors] == [
            ("quitter", "start", "SystemExit: no device, in start"),
            ("dev", "start", "SystemExit: no device for version 1")]
        assert engine.errors["dev"] == "SystemExit: no device for version 1"
        assert re.fullmatch(rf"{re.escape(engine_nodes.__file__)}:\d+ in start", errors[1].where), errors[1].where
    finally:
        engine.stop()
