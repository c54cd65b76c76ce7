"""The patch view's live badges and the cheap-to-draw look, in a Dear PyGui context without a viewport."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.live import NodeLive
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.slots import SlotState
from exsampling_patch.registry import Registry


@pytest.fixture
def app() -> Iterator[EditorApp]:
    dpg.create_context()
    editor = EditorApp(EditorModel(Registry.default()))
    editor.build()
    editor.model.add_node("relay", (40, 40))
    try:
        yield editor
    finally:
        dpg.destroy_context()


def shown(tag: str) -> bool:
    return bool(dpg.get_item_configuration(tag)["show"])


def live(error: str | None = None, **status: Any) -> NodeLive:
    return NodeLive(status=status, error=error, error_count=1 if error else 0)


def test_badges_follow_the_status_and_clear(app: EditorApp) -> None:
    view = app.patch_view
    view.show_live("relay", live(level=0.25, label="dog", confidence=0.9, slot="Bass", latency_ms=41.6))
    assert shown("level:relay") and dpg.get_value("level:relay") == pytest.approx(0.25)
    # Fitted to the node's width (tighter separators), the whole line in its tooltip.
    assert dpg.get_value("live:relay") == "dog 90% | slot Bass | 42 ms" and shown("live:relay")
    assert dpg.get_value("live_tip:relay") == "dog 90%  |  slot Bass  |  42 ms"
    view.show_live("relay", live(level=2.0, label="dog", confidence=0.9, slot="Bass", latency_ms=41.6))
    assert dpg.get_value("level:relay") == pytest.approx(1.0)  # clipped to the meter
    view.show_live("relay", live(error="boom", label="dog"))
    assert not shown("level:relay") and dpg.get_value("live:relay") == "dog"
    assert shown("error:relay") and "boom" in dpg.get_value("error:relay")
    assert dpg.get_item_theme("node:relay") == view._themes["error"]
    view.clear_live()
    assert not any(shown(f"{part}:relay") for part in ("level", "live", "error"))
    assert not dpg.get_item_theme("node:relay")


@pytest.mark.parametrize("level", [float("nan"), float("inf"), -0.5])
def test_a_level_that_is_no_level_shows_no_level_bar(app: EditorApp, level: float) -> None:
    # Clipped to the meter, NaN and inf filled it whole: the loudest signal, from a node whose audio is broken.
    view = app.patch_view
    view.show_live("relay", live(level=0.25, label="dog"))
    assert shown("level:relay")
    view.show_live("relay", live(level=level, label="dog"))
    assert not shown("level:relay") and dpg.get_value("live:relay") == "dog"
    # A sampler's slot meter in the performance view: empty, as for a slot that reports none.
    perf = app.perf_view
    slot = SlotState("BD", level=level)
    perf._build_slots([("sampler", slot, True)])
    perf._update_meters("sampler", slot)
    assert dpg.get_value(perf._slot_tag("sampler", "BD", "level")) == 0.0


def test_dropouts_a_stream_reports_lead_the_live_line(app: EditorApp) -> None:
    view = app.patch_view
    view.show_live("relay", live(slot="Bass", count=12))
    assert "xrun" not in dpg.get_value("live:relay")
    view.show_live("relay", live(slot="Bass", count=12, xruns=3))
    assert dpg.get_value("live:relay").startswith("3 xruns") and "slot Bass" in dpg.get_value("live:relay")


def test_a_node_deleted_and_restored_shows_its_state_again(app: EditorApp) -> None:
    view = app.patch_view
    view.show_live("relay", live(label="dog"))
    app.model.remove_nodes(["relay"])
    app.model.undo()  # the node's widgets are new: what was drawn on the old ones must not be assumed
    view.show_live("relay", live(label="dog"))
    assert dpg.get_value("live:relay") == "dog" and shown("live:relay")


def test_backgrounds_are_painted_once(app: EditorApp) -> None:
    # The main window has no background of its own (the viewport's clear colour is the background), and it
    # is not a primary window, whose background Dear PyGui forces opaque: a full-window fill per frame.
    config = dpg.get_item_configuration("main")
    assert config["no_background"] and config["no_bring_to_front_on_focus"]
    assert not dpg.get_app_configuration()["anti_aliased_lines"]


def test_a_node_marked_selected_that_fails_has_a_red_title(app: EditorApp) -> None:
    # A node just added (marked as selected) that failed kept the marked look's blue title: only its badge said so.
    view = app.patch_view
    view.choose(["relay"])
    view.show_live("relay", live(error="boom"))
    assert dpg.get_item_theme("node:relay") == view._themes["chosen_error"]
    view.show_live("relay", live(label="dog"))  # back: marked as selected, as before
    assert dpg.get_item_theme("node:relay") == view._themes["chosen"]
    view.choose([])
    view.show_live("relay", live(error="boom"))
    assert dpg.get_item_theme("node:relay") == view._themes["error"]
