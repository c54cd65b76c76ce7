"""A table row's key changed to another row's key is refused, with the reason under the table: the two rows
became one, the other's value lost without a word (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from tests.editor.harness import call

TAG = "param:sampler:note_ranges"


def test_a_key_changed_to_another_rows_key_is_refused(built_app: EditorApp) -> None:
    app = built_app
    app.add_node("sampler")
    app.model.set_param("sampler", "note_ranges", {"Bass": "36-47", "Lead": "60-71"})
    app.inspector.show("sampler")
    assert dpg.get_value(f"{TAG}:0:key") == "Bass" and dpg.get_value(f"{TAG}:1:key") == "Lead"
    revision = app.model.history.revision
    call(f"{TAG}:1:key", "Bass ")
    assert app.model.param_value("sampler", "note_ranges") == {"Bass": "36-47", "Lead": "60-71"}
    assert app.model.history.revision == revision  # no edit made
    assert dpg.get_value(f"{TAG}:1:key") == "Lead"  # the cell shows its key again
    assert dpg.get_item_configuration(f"{TAG}:error")["show"]
    assert dpg.get_value(f"{TAG}:error") == "'Bass' has a row already: change that one"
    call(f"{TAG}:1:key", "Pad")  # a key of its own: taken
    assert app.model.param_value("sampler", "note_ranges") == {"Bass": "36-47", "Pad": "60-71"}
    assert not dpg.get_item_configuration(f"{TAG}:error")["show"]  # the edit taken: the reason goes
