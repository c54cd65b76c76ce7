"""A table whose values are lists or mappings (a control map's ranges, a pattern's steps with notes) keeps them
when one row is edited: the cells show them as a line of YAML and read them back as such, not as text (widgets
driven through their callbacks, no viewport)."""

from __future__ import annotations

from exsampling_patch.editor.app import EditorApp
from tests.editor.harness import call


def test_editing_one_row_of_a_control_maps_ranges_keeps_the_others(built_app: EditorApp) -> None:
    app = built_app
    app.add_node("control_map")
    app.model.set_param("control_map", "maps", {"cutoff": [0.2, 0.8], "res": {"to": "q", "range": [0, 1]}})
    app.inspector.show("control_map")
    call("param:control_map:maps:1:key", "reso")  # one row's name changed
    assert app.model.param_value("control_map", "maps") == {"cutoff": [0.2, 0.8],
                                                            "reso": {"to": "q", "range": [0, 1]}}
    call("param:control_map:maps:0:value", "[0.1, 0.5]")  # a range typed
    assert app.model.param_value("control_map", "maps")["cutoff"] == [0.1, 0.5]
    assert not app.model.problems(), app.model.problems()


def test_editing_one_pattern_keeps_another_with_its_notes(built_app: EditorApp) -> None:
    app = built_app
    app.add_node("pattern")
    app.model.set_param("pattern", "slots", ["Bass", "Lead"])
    app.model.set_param("pattern", "patterns", {"Bass": "x...x...", "Lead": {"steps": "x.x.", "notes": "0 +3"}})
    app.inspector.show("pattern")
    call("param:pattern:patterns:0:value", "x.x.x.x.")
    assert app.model.param_value("pattern", "patterns") == {"Bass": "x.x.x.x.",
                                                            "Lead": {"steps": "x.x.", "notes": "0 +3"}}
