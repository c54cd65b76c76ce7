"""What escapes the engine's start (a plugin's sys.exit()) is told on the node it escaped from, and named in the
status bar; the editor stays open (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.registry import Registry
from tests.core.engine_nodes import Quits
from tests.editor.harness import call, open_editor
from tests.editor.test_app import PATCH


@pytest.fixture
def app(tmp_path: Path) -> Iterator[EditorApp]:
    registry = Registry.default()
    registry.register(Quits, "tests")
    (tmp_path / "patches").mkdir()
    (tmp_path / "patches" / "p.yaml").write_text(PATCH)
    with open_editor(tmp_path / "patches" / "p.yaml", registry) as editor:
        yield editor


def test_a_node_that_quits_in_its_start_is_named_and_marked(app: EditorApp) -> None:
    # Before, the status bar said "cannot run: SystemExit: ..." of no node (or the editor closed).
    node_id = app.model.add_node("quits", (900, 80), {"quit_in": "prepare"})
    call("menu:run")
    assert not app.runner.running
    app.frame()
    status = dpg.get_value("statusbar")
    assert f"node '{node_id}' failed in prepare(): SystemExit: no device, in prepare" in status, status
    assert dpg.get_item_configuration(f"error:{node_id}")["show"]
    assert "no device, in prepare" in dpg.get_value(f"error:{node_id}")


def test_a_node_added_while_running_that_quits_is_named(app: EditorApp) -> None:
    # Before, the swap's thread ended unseen and the status bar said the edit was swapped in.
    call("menu:run")
    assert app.runner.running, app.status
    node_id = app.model.add_node("quits", (900, 80))
    deadline = time.monotonic() + 10
    app.frame()
    while app.runner.swapping and time.monotonic() < deadline:
        time.sleep(0.01)
    app.frame()
    assert "applied to the running patch" not in app.status, app.status
    status = dpg.get_value("statusbar")
    # The engine put back the plan that ran: the status bar said only "the edit failed to swap in".
    assert f"edit not applied: the patch runs on as before: node '{node_id}' failed in start(): SystemExit: no " \
           "device, in start" in status, status
    assert dpg.get_item_configuration(f"error:{node_id}")["show"]


def test_an_edit_that_quits_stopping_a_removed_node_is_said_swapped_in(app: EditorApp) -> None:
    # Past the restarts the edit's plan runs, whatever a removed node's stop() does: it is not "failed to swap in".
    node_id = app.model.add_node("quits", (900, 80), {"quit_in": "stop"})
    call("menu:run")
    assert app.runner.running, app.status
    app.model.remove_nodes([node_id])
    deadline = time.monotonic() + 10
    app.frame()
    while app.runner.swapping and time.monotonic() < deadline:
        time.sleep(0.01)
    app.frame()
    status = dpg.get_value("statusbar")
    assert f"edit applied, but node '{node_id}' failed in stop(): SystemExit: no device, in stop" in status, status


def test_a_start_that_fails_stops_what_it_started(app: EditorApp) -> None:
    # The nodes started before the failing one kept running, and the engine's workers with them.
    before = set(threading.enumerate())
    app.model.add_node("quits", (900, 80))  # started after the nodes the patch's links lead to
    call("menu:run")
    assert not app.runner.running
    left = [t.name for t in threading.enumerate() if t not in before and t.name.startswith("exsampling-worker")]
    assert not left, left
