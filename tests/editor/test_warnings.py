"""What ``exsampling check`` warns of (likely a mistake, but the patch runs) shows in the editor's problems panel
too, where a composer looks: a pattern whose slots are not the slot names of the sampler it plays."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.registry import Registry


def test_a_pattern_playing_the_samplers_slots_in_another_order_is_warned_of(built_app: EditorApp) -> None:
    app, model = built_app, built_app.model
    sampler = model.add_node("sampler", (300, 40))
    groove = model.add_node("pattern", (40, 40))
    assert sampler is not None and groove is not None
    assert model.set_param(sampler, "device", "none") is None
    assert model.set_param(sampler, "virtual_port", "") is None
    assert model.set_param(groove, "slots", ["BD", "Snare", "TT", "HH"]) is None
    assert model.set_param(groove, "patterns", {"HH": "x.x.", "Snare": "..x."}) is None
    assert model.connect(f"{groove}.midi", f"{sampler}.midi") is not None
    assert model.problems() == []  # it runs
    app.refresh_problems()
    assert dpg.get_item_configuration("problems")["show"]
    rows = [dpg.get_item_label(f"problems:{i}") for i in range(len(app._problems))]
    assert len(rows) == 1 and rows[0].startswith(f"warning: node '{groove}': its slots are not the slot_names"), rows
    assert "plays 'HH' on slot 'BD'" in rows[0], rows
    assert app.select_problem(0) == groove  # a click shows the pattern node
    assert app.inspector.node_id == groove
    assert model.set_param(groove, "slots", ["HH", "Snare", "TT", "BD"]) is None  # the sampler's order
    app.refresh_problems()
    assert app._problems == [] and not dpg.get_item_configuration("problems")["show"]


def test_a_node_types_warning_is_listed_as_a_warning(built_app: EditorApp) -> None:
    # A node type's check_warnings (the recorder's upload limit a 48 kHz take does not fit) is check's warning.
    app, model = built_app, built_app.model
    recorder = model.add_node("web_recorder", (40, 40))
    assert recorder is not None
    assert model.set_param(recorder, "max_seconds", 60.0) is None
    assert model.set_param(recorder, "max_upload_mb", 5.5) is None
    assert model.problems() == []  # it runs
    app.refresh_problems()
    rows = [dpg.get_item_label(f"problems:{i}") for i in range(len(app._problems))]
    assert len(rows) == 1 and rows[0].startswith(f"warning: node '{recorder}': parameter 'max_upload_mb': 5.5 MB "
                                                 "refuses a full-length take"), rows
    assert app.select_problem(0) == recorder
    assert model.set_param(recorder, "max_upload_mb", 5.8) is None
    app.refresh_problems()
    assert app._problems == []


def test_a_plugin_that_did_not_load_is_warned_of(built_app: EditorApp, tmp_path: Path) -> None:
    # Before, `exsampling edit --nodes my-nodes` with a syntax error in echo.py said nothing anywhere: the type was
    # only missing from the palette (check, run and nodes print "warning: plugin FILE:LINE: ...").
    (tmp_path / "echo.py").write_text("from exsampling_patch import Node\n\n\nclass Echo(Node)\n", encoding="utf-8")
    app, model = built_app, built_app.model
    model.registry = Registry.default([tmp_path], entry_points=False)
    app.refresh_problems()
    rows = [dpg.get_item_label(f"problems:{i}") for i in range(len(app._problems))]
    assert rows == [f"warning: plugin {tmp_path / 'echo.py'}:4: SyntaxError: expected ':'"], rows
    assert app.select_problem(0) is None  # no node to show
    patch = tmp_path / "show.yaml"  # a node of its type: the problem's hint names the plugin, no warning repeats it
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: e\n  type: echo\n", encoding="utf-8")
    model.open(patch)
    app.refresh_problems()
    rows = [dpg.get_item_label(f"problems:{i}") for i in range(len(app._problems))]
    assert len(rows) == 1 and rows[0].startswith("node 'e': unknown node type 'echo'"), rows
    assert f"not loaded: {tmp_path / 'echo.py'}:4: SyntaxError" in rows[0], rows
