"""The inspector's widgets for a slot map and a sampler, driven through their callbacks (no viewport)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.registry import Registry

PATCH = """\
exsampling_patch: 1
name: slots
nodes:
- id: map
  type: slot_map
  position: [40, 80]
  params:
    table:
      dog: Bass
      hihat_closed: HH
- id: sampler
  type: sampler
  position: [320, 80]
  params:
    device: none
    virtual_port: ''
    slots: 3
    slot_names: [Bass, HH, Keys]
links:
- map.slot -> sampler.assign
"""


def call(tag: str | int, app_data: Any = None) -> None:
    callback = dpg.get_item_callback(tag)
    assert callback is not None, f"{tag} has no callback"
    callback(tag, app_data, dpg.get_item_user_data(tag))


@pytest.fixture
def app(tmp_path: Path) -> Iterator[EditorApp]:
    (tmp_path / "slots.yaml").write_text(PATCH)
    dpg.create_context()
    model = EditorModel(Registry.default())
    model.open(tmp_path / "slots.yaml")
    editor = EditorApp(model, workers=2)
    editor.build()
    try:
        yield editor
    finally:
        editor.runner.stop()
        dpg.destroy_context()


def test_table_values_are_a_choice_of_the_fed_samplers_slots(app: EditorApp) -> None:
    app.inspector.show("map")
    cell = "param:map:table:0:value"
    assert dpg.get_item_type(cell) == "mvAppItemType::mvCombo"
    assert dpg.get_item_configuration(cell)["items"] == ["Bass", "HH", "Keys"]
    call(cell, "Keys")
    assert app.model.patch.nodes["map"].params["table"] == {"dog": "Keys", "hihat_closed": "HH"}
    assert app.model.problems() == []
    # A slot the sampler does not have is a problem on the slot map, shown in the inspector
    app.model.set_param("sampler", "slot_names", ["Bass", "Hats", "Keys"])
    assert app.model.node_problems()["map"][0].startswith("node 'map': slot 'HH' (table: hihat_closed) is not")
    app.inspector.show("map")
    assert "slot 'HH'" in dpg.get_value("inspector:problems")
    assert dpg.get_item_configuration("param:map:table:1:value")["items"] == ["Bass", "Hats", "Keys", "HH"]
    # Unlinked, there is nothing to choose from: free text
    app.model.disconnect(list(app.model.patch.links))
    assert dpg.get_item_type("param:map:table:0:value") == "mvAppItemType::mvInputText"
