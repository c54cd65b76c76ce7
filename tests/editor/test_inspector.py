"""The inspector's widgets for a slot map and a sampler, driven through their callbacks (no viewport)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.params import tooltip
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.nodes.slot_table import DEFAULT_SLOT_TABLE
from tests.editor.harness import call, open_editor

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
    slots: 9
    slot_names: [HH, Snare, TT, BD, Piano, Wind, Bass, Chorus, Keys]
links:
- map.slot -> sampler.assign
"""


@pytest.fixture
def app(tmp_path: Path) -> Iterator[EditorApp]:
    (tmp_path / "slots.yaml").write_text(PATCH)
    with open_editor(tmp_path / "slots.yaml") as editor:
        yield editor


def row_of(key: str, tag: str = "param:map:table") -> int:
    """The index of the table row whose key is ``key``."""
    i = 0
    while dpg.does_item_exist(f"{tag}:{i}:key"):
        if dpg.get_value(f"{tag}:{i}:key") == key:
            return i
        i += 1
    raise KeyError(key)


SLOTS = ["HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus", "Keys"]


def test_table_values_are_a_choice_of_the_fed_samplers_slots(app: EditorApp) -> None:
    app.inspector.show("map")
    cell = f"param:map:table:{row_of('dog')}:value"
    assert dpg.get_item_type(cell) == "mvAppItemType::mvCombo"
    assert dpg.get_item_configuration(cell)["items"] == SLOTS
    call(cell, "Keys")
    # Only the row that differs from the shipped table is kept (the file listed two rows equal to it).
    assert app.model.patch.nodes["map"].params["table"] == {"dog": "Keys"}
    assert app.model.problems() == []
    # A slot the sampler does not have is a problem on the slot map, shown in the inspector
    app.model.set_param("sampler", "slot_names", ["Hats", *SLOTS[1:]])
    assert app.model.node_problems()["map"][0].startswith("node 'map': slot 'HH' (table: mouse_click, ")
    app.inspector.show("map")
    assert "slot 'HH'" in dpg.get_value("inspector:problems")
    assert dpg.get_item_configuration(f"param:map:table:{row_of('hihat_closed')}:value")["items"] == [
        "Hats", *SLOTS[1:], "HH"]
    # Unlinked, there is nothing to choose from: free text
    app.model.disconnect(list(app.model.patch.links))
    assert dpg.get_item_type("param:map:table:0:value") == "mvAppItemType::mvInputText"


def test_a_table_row_edited_changes_only_that_row_and_one_put_back_drops_it(app: EditorApp) -> None:
    model = app.model
    app.inspector.show("map")
    call(f"param:map:table:{row_of('crickets')}:value", "Bass")
    assert model.patch.nodes["map"].params["table"] == {"crickets": "Bass"}
    call(f"param:map:table:{row_of('crickets')}:remove")  # removing a shipped row lists it, emptied
    assert model.patch.nodes["map"].params["table"] == {"crickets": ""}
    model.undo()
    model.undo()
    assert model.patch.nodes["map"].params["table"] == {"dog": "Bass", "hihat_closed": "HH"}  # as in the file
    call(f"param:map:table:{row_of('crickets')}:value", "HH")  # as shipped: nothing differs, nothing listed
    assert "table" not in model.patch.nodes["map"].params
    call("param:map:table:filter", "PIANO")  # the filter forgives case, as the table does
    shown = [i for i in range(len(DEFAULT_SLOT_TABLE)) if dpg.does_item_exist(f"param:map:table:{i}:row")
             and dpg.get_item_configuration(f"param:map:table:{i}:row")["show"]]
    # the shipped model's labels first, then those kept for composers' own models
    assert [dpg.get_value(f"param:map:table:{i}:key") for i in shown] == [
        "acoustic_piano", "electric_piano_organ", "electric_piano", "piano"]



def test_a_table_that_starts_empty_shows_and_saves_only_the_patch_rows(app: EditorApp) -> None:
    model = app.model
    app.inspector.show("map")
    assert dpg.get_value("param:map:base_table") == "shipped" and row_of("crickets") >= 0
    call("param:map:base_table", "empty")  # the combo: the table is rebuilt from the patch's rows alone
    assert model.patch.nodes["map"].params["base_table"] == "empty"
    assert [dpg.get_value(f"param:map:table:{i}:key") for i in range(2)] == ["dog", "hihat_closed"]
    assert not dpg.does_item_exist("param:map:table:2:row")
    call("param:map:table:add")  # a new row: the whole table is saved, no shipped row emptied
    assert model.patch.nodes["map"].params["table"] == {"dog": "Bass", "hihat_closed": "HH", "new": "HH"}
    call(f"param:map:table:{row_of('hihat_closed')}:remove")
    assert model.patch.nodes["map"].params["table"] == {"dog": "Bass", "new": "HH"}
    assert model.problems() == []

def texts_under(item: int | str) -> list[str]:
    found = []
    for child in dpg.get_item_children(item, 1) or []:
        if dpg.get_item_type(child) == "mvAppItemType::mvText":
            found.append(str(dpg.get_value(child)))
        found += texts_under(child)
    return found


def tooltip_of(item: int | str) -> str:
    """The text of the tooltip attached to ``item`` (Dear PyGui places it right after the item)."""
    item = dpg.get_alias_id(item) if isinstance(item, str) else item
    siblings = dpg.get_item_children(dpg.get_item_parent(item), 1) or []
    after = siblings[siblings.index(item) + 1:]
    if not after or dpg.get_item_type(after[0]) != "mvAppItemType::mvTooltip":
        return ""
    return "\n".join(texts_under(after[0]))


def test_ports_explain_themselves_on_hover(app: EditorApp) -> None:
    label = dpg.get_item_children("in:map.prediction", 1)[0]
    help_text = tooltip_of(label)
    assert "prediction: input, many: takes any number of links" in help_text
    assert "type prediction: a classifier's labels with probabilities" in help_text
    assert "predictions whose labels pick the slot" in help_text  # the Input's own doc
    out = tooltip_of(dpg.get_item_children("out:map.slot", 1)[0])
    assert "slot: output: sends to any number of inputs" in out and "a take assigned to a named sampler slot" in out


def test_a_node_is_renamed_its_links_follow_and_undo_brings_it_back(app: EditorApp) -> None:
    model = app.model
    app.inspector.show("map")
    call("inspector:id", "slots.x")
    assert "may not contain dots" in dpg.get_value("inspector:id:error") and "map" in model.patch.nodes
    call("inspector:id", "sampler")
    assert "another node" in dpg.get_value("inspector:id:error")
    call("inspector:id", "classes")
    assert list(model.patch.nodes) == ["classes", "sampler"] and model.patch.nodes["classes"].id == "classes"
    assert [str(ln) for ln in model.patch.links] == ["classes.slot -> sampler.assign"]
    assert dpg.does_item_exist("node:classes") and not dpg.does_item_exist("node:map")
    assert dpg.does_item_exist("out:classes.slot") and len(app.patch_view._links) == 1
    assert app.inspector.node_id == "classes" and dpg.get_value("inspector:id") == "classes"
    assert model.dirty
    model.undo()
    assert list(model.patch.nodes) == ["map", "sampler"] and [str(ln) for ln in model.patch.links] == [
        "map.slot -> sampler.assign"]
    assert dpg.does_item_exist("node:map") and app.inspector.node_id == "map"
    model.redo()
    assert "classes" in model.patch.nodes


def test_the_patch_name_and_description_are_edited_undone_and_saved(app: EditorApp, tmp_path: Path) -> None:
    model = app.model
    app.inspector.show(None)
    assert dpg.get_value("patch:name") == "slots"
    call("patch:name", "Drums from the street")
    model.set_info("description", "Takes from the phone.\nDogs on the bass.")  # what leaving the field does
    assert (model.patch.name, model.patch.description) == ("Drums from the street",
                                                           "Takes from the phone.\nDogs on the bass.")
    model.undo()
    assert model.patch.description == "" and dpg.get_value("patch:description") == ""
    model.redo()
    app.save()
    saved = (tmp_path / "slots.yaml").read_text()
    assert "name: Drums from the street" in saved and "Dogs on the bass." in saved


def test_an_empty_default_is_told_in_the_tooltip() -> None:
    assert tooltip(Sampler.param_specs["clock"]).splitlines()[-1] == "default: empty"  # not "default: "
    assert tooltip(Sampler.param_specs["gain"]).splitlines()[-1] == "default: 1.0"
