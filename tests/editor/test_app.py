"""The editor's widgets, driven through their callbacks in a Dear PyGui context without a viewport."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import dearpygui.dearpygui as dpg
import numpy as np
import pytest

from exsampling_patch.editor import dialogs
from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.dialogs import human_size
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.errors import PatchError
from exsampling_patch.messages import Location, SlotAssignment, Take
from exsampling_patch.patchfile import dumps_patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, MessageHop, NodeStatus
from exsampling_patch.validate import load_patch
from tests.editor import fake_nodes
from tests.editor.harness import call, open_editor

# A small patch the widget tests edit and run (the default patch needs a model, a sound card, a web server):
# a folder source feeding a take writer, logged.
PATCH = """\
exsampling_patch: 1
name: ExSampling (editor tests)
nodes:
- id: inbox
  type: folder_source
  position: [40, 80]
  params:
    folder: ../takes/inbox
- id: library
  type: take_writer
  position: [320, 80]
  params:
    folder: ../takes/library
- id: log
  type: log
  position: [600, 80]
links:
- {from: inbox.take, to: library.take}
- {from: library.written, to: log.message}
"""


def attr(alias: str) -> int:
    return int(dpg.get_alias_id(alias))


@pytest.fixture
def registry() -> Registry:
    registry = Registry.default()
    registry.register_module(fake_nodes, "tests")
    return registry


@pytest.fixture
def app(registry: Registry, tmp_path: Path) -> Iterator[EditorApp]:
    folder = tmp_path / "patches"
    folder.mkdir()
    (folder / "exsampling.yaml").write_text(PATCH)
    with open_editor(folder / "exsampling.yaml", registry) as editor:
        yield editor


def test_palette_groups_searches_and_adds(app: EditorApp) -> None:
    assert dpg.does_item_exist("palette:folder_source") and dpg.does_item_exist("palette:log")
    call("palette:search", "writer")
    assert dpg.does_item_exist("palette:take_writer") and not dpg.does_item_exist("palette:log")
    call("palette:search", "")
    call("palette:relay")
    assert "relay" in app.model.patch.nodes and dpg.does_item_exist("node:relay")
    assert dpg.does_item_exist("in:relay.inlet") and dpg.does_item_exist("out:relay.outlet")
    # Placed where it covers no other node.
    x, y = app.model.patch.nodes["relay"].position or (0, 0)
    for other in ("inbox", "library", "log"):
        ox, oy = app.model.patch.nodes[other].position or (0, 0)
        assert abs(x - ox) >= 240 or abs(y - oy) >= 110


def test_edit_through_widgets_undo_all_redo_copy_paste_save_and_run(app: EditorApp, tmp_path: Path) -> None:
    model = app.model
    original = dumps_patch(model.patch)
    call("palette:relay")
    call("palette:test_table_map")
    editor = app.patch_view.tag
    # A good link, dragged from an output pin to an input pin.
    call(editor, (attr("out:library.written"), attr("in:relay.inlet")))
    link = next(ln for ln in model.patch.links if ln.target.node == "relay")
    assert app.patch_view.link_item(link) is not None
    # A bad link: a take cannot feed a prediction input; the reason shows at the input.
    call(editor, (attr("out:inbox.take"), attr("in:test_table_map.prediction")))
    assert not any(ln.target.node == "test_table_map" for ln in model.patch.links)
    assert dpg.get_item_configuration("refusal:test_table_map.prediction")["show"]
    assert "a take output cannot feed a prediction input" in dpg.get_value("refusal:test_table_map.prediction")
    # Parameters, through the inspector's generated widgets.
    app.inspector.show("test_table_map")
    assert dpg.get_item_type("param:test_table_map:threshold").endswith("SliderFloat")
    assert dpg.get_item_type("param:test_table_map:mode").endswith("Combo")
    assert dpg.get_item_type("param:test_table_map:enabled").endswith("Checkbox")
    assert dpg.get_item_type("param:test_table_map:table").endswith("Table")
    call("param:test_table_map:threshold", 0.8)
    call("param:test_table_map:mode", "best")
    call("param:test_table_map:labels", "dog, rain")
    call("param:test_table_map:table:0:value", "Snare")  # dog -> Snare
    call("param:test_table_map:table:add")
    params = model.patch.nodes["test_table_map"].params
    assert params["threshold"] == 0.8 and params["mode"] == "best" and params["labels"] == ["dog", "rain"]
    assert params["table"] == {"dog": "Snare", "rain": "Wind", "new": ""}
    call("param:test_table_map:count", 1.5)  # refused: not an int; the reason shows under the widget
    assert "count" not in params
    assert dpg.get_item_configuration("param:test_table_map:count:error")["show"]
    # Undo everything, then redo everything.
    edited = dumps_patch(model.patch)
    while model.history.can_undo():
        call("menu:undo")
    assert dumps_patch(model.patch) == original and not model.dirty
    assert not dpg.does_item_exist("node:relay")
    while model.history.can_redo():
        call("menu:redo")
    assert dumps_patch(model.patch) == edited
    assert dpg.does_item_exist("node:relay") and app.patch_view.link_item(link) is not None
    app.patch_view.choose([])  # as a click on the empty canvas does: the node added last is no longer selected
    call("menu:delete")  # nothing selected: nothing happens
    assert dumps_patch(model.patch) == edited
    # Copy and paste keep the inner link; the pasted nodes are the selection.
    app.copy(["library", "relay"])
    call("menu:paste")
    assert {"library_2", "relay_2"} <= set(model.patch.nodes)
    assert any(ln.source.node == "library_2" and ln.target.node == "relay_2" for ln in model.patch.links)
    assert sorted(app.selection()) == ["library_2", "relay_2"]
    # Save as, and the file runs in the runtime.
    model.remove_nodes(["test_table_map"])  # the fake type is not in a fresh registry
    target = tmp_path / "patches" / "edited.yaml"
    assert app.save_as(target) and not model.dirty
    patch, registry = load_patch(target)
    engine = Engine(registry, base_dir=target.parent)
    engine.start(patch)
    try:
        engine.inject("library_2", "take", Take(np.zeros(480, dtype=np.float32), 48000, take_id="saved"))
        assert engine.wait_idle(5)
        assert (tmp_path / "takes" / "library" / "saved.wav").exists()
    finally:
        engine.stop()


def test_run_shows_live_state_errors_and_swaps_edits(app: EditorApp) -> None:
    call("menu:run")
    assert app.runner.running, app.status
    app.frame()
    assert dpg.get_value("statusbar").count("running") == 1, dpg.get_value("statusbar")  # said once
    engine = app.runner.engine
    assert engine is not None
    take = Take(0.5 * np.sin(np.linspace(0, 900, 24000)).astype(np.float32), 48000, take_id="live-1",
                source="phone-a", location=Location(52.52, 13.405))
    engine.inject("library", "take", take)
    engine.inject("library", "take", "not a take")  # the writer fails on it: an error badge
    assert engine.wait_idle(5)
    app.frame()
    assert "count 2" in dpg.get_value("live:log")  # the failed message was bypassed on to the log
    assert dpg.get_item_configuration("error:library")["show"]
    assert "ERROR" in dpg.get_value("error:library")
    # Edit while running: the new node is swapped into the running plan, on a thread of its own, from the
    # next frame on; the editor keeps drawing meanwhile.
    call("palette:relay")
    call(app.patch_view.tag, (attr("out:library.written"), attr("in:relay.inlet")))
    swapped = False
    for _ in range(500):
        app.frame()
        if "applied to the running patch" in app.status:
            swapped = True
            break
        time.sleep(0.01)
    assert swapped and not app.runner.swapping
    assert engine.plan is not None and "relay" in engine.plan.order
    assert ("library", "written") in engine.plan.routes and ("relay", "inlet") in engine.plan.routes[
        ("library", "written")]
    # A status with the conventional keys shows on the node.
    engine.events.publish(NodeStatus("log", {"label": "dog", "confidence": 0.87, "slot": "BD", "latency_ms": 42.0,
                                             "level": 0.5}))
    app.frame()
    assert dpg.get_value("live:log").startswith("dog 87% | slot BD")  # fitted to the node: the rest is cut
    text = dpg.get_value("live_tip:log")  # the whole line, in its tooltip
    assert "dog 87%" in text and "slot BD" in text and "42 ms" in text
    assert dpg.get_value("level:log") == pytest.approx(0.5)
    call("menu:stop")
    assert not app.runner.running and not dpg.get_item_configuration("error:library")["show"]


def test_a_node_that_restarts_slowly_does_not_hold_up_the_editor(app: EditorApp) -> None:
    app.model.add_node("test_slow_start", (900, 300))
    node_id = next(n for n, spec in app.model.patch.nodes.items() if spec.type == "test_slow_start")
    call("menu:run")
    assert app.runner.running, app.status
    assert app.model.set_param(node_id, "seconds", 1.0) is None  # the node restarts, for a second
    within, saw_swapping = 0, False
    deadline = time.monotonic() + 10
    while "applied to the running patch" not in app.status and time.monotonic() < deadline:
        began_swapping = app.runner.swapping
        app.frame()
        within += began_swapping and app.runner.swapping  # a frame begun and ended during the restart
        saw_swapping = saw_swapping or "applying the edit" in dpg.get_value("statusbar")
        time.sleep(0.01)
    assert "applied to the running patch" in app.status and saw_swapping
    # It kept drawing through the restart: a frame that waited for it would end with the restart over. Counted in
    # frames, not timed (a frame under 0.5 s and more than 20 in the restart's second were a busy host's to break).
    assert within >= 2, within
    engine = app.runner.engine
    assert engine is not None and engine.node(node_id).seconds == 1.0  # type: ignore[attr-defined]


def test_performance_view_slots_map_and_pairing(app: EditorApp) -> None:
    model = app.model
    model.add_node("test_slot_holder", (900, 80))
    call("menu:run")
    engine = app.runner.engine
    assert engine is not None
    takes = [Take(np.ones(2000, dtype=np.float32) * (i + 1) / 4, 48000, take_id=f"t{i}", source="phone",
                  location=Location(48.0 + i * 0.001, 2.0), meta={"pitch_hz": 220.0 * (i + 1)}) for i in range(3)]
    for take in takes:
        engine.inject("test_slot_holder", "assign", SlotAssignment("BD", take, label=f"label-{take.take_id}"))
        engine.events.publish(MessageHop("x", port="p", target="test_slot_holder", target_port="assign",
                                         message=SlotAssignment("BD", take, label=f"label-{take.take_id}")))
    engine.events.publish(NodeStatus("inbox", {"url": "https://192.0.2.1:8443/rec", "qr": ["# #", " # ", "# #"]}))
    assert engine.wait_idle(5)
    app.frame()
    app.perf_view.refresh()
    tag = app.perf_view._slot_tag
    assert dpg.get_value(tag("test_slot_holder", "BD", "label")) == "label-t2"
    assert dpg.get_value(tag("test_slot_holder", "BD", "pitch")) == "660.0 Hz"
    assert dpg.get_item_children(tag("test_slot_holder", "BD", "wave"), 2)  # the waveform is drawn
    assert dpg.get_value(tag("test_slot_holder", "HH", "take")) == "-"
    # Controls go through the runtime as ControlValues.
    call(tag("test_slot_holder", "BD", "gain"), 0.5)
    call(tag("test_slot_holder", "BD", "lock"), True)
    dpg.set_value(tag("test_slot_holder", "BD", "history"), "t0")
    call(tag("test_slot_holder", "BD", "rollback"))
    assert engine.wait_idle(5)
    app.perf_view.refresh()
    assert dpg.get_value(tag("test_slot_holder", "BD", "label")) == "label-t0"
    assert dpg.get_value(tag("test_slot_holder", "BD", "lock")) is True
    assert dpg.get_value(tag("test_slot_holder", "BD", "gain")) == pytest.approx(0.5)
    # Three located takes on the map, the newest labelled; the pairing URL and its QR code.
    drawn = dpg.get_item_children("perf:map", 2)
    texts = [dpg.get_item_configuration(i).get("text") for i in drawn]
    assert "label-t2" in texts and any(t and t.endswith(" m") for t in texts)
    assert "last take t2 from phone: label-t2" in dpg.get_value("perf:last_take")
    children = dpg.get_item_children("perf:pairing", 1)
    assert any(dpg.get_value(c) == "https://192.0.2.1:8443/rec" for c in children)
    assert any(dpg.get_item_type(c).endswith("Drawlist") for c in children)


def test_unsaved_prompt_buttons(app: EditorApp, tmp_path: Path) -> None:
    call("palette:relay")
    call("menu:new")
    assert dpg.get_item_configuration("prompt")["show"] and "relay" in app.model.patch.nodes
    call("prompt:cancel")
    assert "relay" in app.model.patch.nodes
    call("menu:new")
    call("prompt:save")  # saves to the open file, then makes the new patch
    assert not app.model.patch.nodes
    assert "relay" in (tmp_path / "patches" / "exsampling.yaml").read_text()
    call("palette:log")
    call("menu:new")
    call("prompt:discard")
    assert not app.model.patch.nodes


# A patch as a composer leaves it half done: a folder source with no folder yet, a node type mistyped (with
# parameters and links of its own), a parameter name mistyped, a value out of range, a link to a port that
# does not exist, and a node the file does not even give a type.
BROKEN = """\
exsampling_patch: 1
name: half done
nodes:
- id: inbox
  type: folder_source
  position: [40, 80]
- id: trimmer
  type: trimm
  position: [320, 80]
  params:
    top_db: 50.0
    pad_ms: 5
- id: poll
  type: folder_source
  position: [40, 300]
  params:
    folder: ../takes/poll
    poll_intervall: 0.5
- id: trim2
  type: trim
  position: [600, 300]
  params:
    top_db: 500.0
- id: typeless
- id: log
  type: log
  position: [900, 80]
links:
- inbox.take -> trimmer.take
- trimmer.out -> log.message
- poll.take -> trim2.take
- trim2.outt -> log.message
"""


def test_a_patch_with_problems_opens_shows_them_keeps_them_and_is_fixed_in_place(registry: Registry,
                                                                                 tmp_path: Path) -> None:
    folder = tmp_path / "patches"
    folder.mkdir()
    path = folder / "half.yaml"
    path.write_text(BROKEN)
    with pytest.raises(PatchError):
        load_patch(path)  # `exsampling run` and `check` stay strict
    dpg.create_context()
    try:
        model = EditorModel(registry)
        app = EditorApp(model, workers=2)
        app.build()
        assert app.open(path), app.status
        assert "problems" in app.status
        assert set(model.patch.nodes) == {"inbox", "trimmer", "poll", "trim2", "log"}
        # The unknown type is a grey placeholder that keeps its parameters and links, with pins for them.
        assert dpg.get_item_label("node:trimmer").startswith("? ")
        assert model.patch.nodes["trimmer"].params == {"top_db": 50.0, "pad_ms": 5}
        assert dpg.does_item_exist("in:trimmer.take") and dpg.does_item_exist("out:trimmer.out")
        assert all(app.patch_view.link_item(link) is not None for link in model.patch.links)
        assert "did you mean 'trim'" in dpg.get_value("problem:trimmer")
        # Each node shows its problem; the panel lists them all.
        assert "required parameter 'folder' is missing" in dpg.get_value("problem:inbox")
        assert "poll_intervall" in dpg.get_value("problem:poll")
        assert "top_db" in dpg.get_value("problem:trim2") and "outt" in dpg.get_value("problem:trim2")
        assert dpg.get_item_configuration("problems")["show"]
        rows = [dpg.get_item_label(f"problems:{i}") for i in range(len(app._problems))]
        assert any("needs a 'type'" in row and "saving drops it" in row for row in rows), rows
        # Running refuses, naming the problems.
        call("menu:run")
        assert not app.runner.running
        assert "cannot run, 6 problems" in app.status and "poll_intervall" in app.status, app.status
        # Saved as it is, everything not fixed stays (but for the node the file gave no type).
        model.save(folder / "kept.yaml")
        kept = (folder / "kept.yaml").read_text()
        for text in ("type: trimm", "poll_intervall: 0.5", "top_db: 500.0", "trim2.outt -> log.message",
                     "trimmer.out -> log.message", "pad_ms: 5"):
            assert text in kept, text
        assert "typeless" not in kept
        # Clicking a problem shows its node in the inspector; fix each one there.
        assert not any("needs a 'type'" in p.message for p in app._problems)  # saved: not in the file any more
        index = next(i for i, p in enumerate(app._problems) if "poll_intervall" in p.message)
        call(f"problems:{index}")
        assert app.inspector.node_id == "poll"
        assert "poll_intervall" in dpg.get_value("inspector:problems")
        call("param:poll:poll_intervall:remove")
        assert "poll_intervall" not in model.patch.nodes["poll"].params
        index = next(i for i, p in enumerate(app._problems) if "top_db" in p.message)
        call(f"problems:{index}")
        assert app.inspector.node_id == "trim2"
        assert dpg.get_item_type("param:trim2:top_db").endswith("InputText")  # the value as written, to correct
        assert dpg.get_item_configuration("param:trim2:top_db:error")["show"]
        call("param:trim2:top_db", "60")
        assert model.patch.nodes["trim2"].params["top_db"] == 60
        assert dpg.get_item_type("param:trim2:top_db").endswith("SliderFloat")  # it fits: its own widget again
        app.inspector.show("trimmer")
        assert dpg.get_value("type:trimmer") == "trim"  # the closest type is offered first
        call("type:trimmer:apply")
        assert model.patch.nodes["trimmer"].type == "trim" and not dpg.get_item_label("node:trimmer").startswith("?")
        assert dpg.get_item_type("param:trimmer:pad_ms").endswith("SliderFloat")
        assert all(app.patch_view.link_item(link) is not None for link in model.patch.links)
        model.disconnect([ln for ln in model.patch.links if ln.source.port == "outt"])
        model.connect("trim2.out", "log.message")
        app.inspector.show("inbox")
        call("param:inbox:folder", "../takes/inbox")
        model.save()  # the file's own problem (the typeless node) goes with the save
        assert not model.problems() and not dpg.get_item_configuration("problems")["show"]
        assert dpg.get_value("problem:trim2") == ""
        assert model.path == folder / "kept.yaml"
        load_patch(model.path)  # strict load: it can run now
        call("menu:undo")  # undoing a fix brings its problem back, on the node and in the panel
        assert dpg.get_item_configuration("problems")["show"] and dpg.get_value("problem:inbox")
    finally:
        app.runner.stop()
        dpg.destroy_context()


def test_a_file_that_is_not_a_patch_is_refused_with_the_whole_reason(app: EditorApp, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("exsampling_patch: 1\nnodes: [\n")
    assert not app.open(bad)
    app.frame()  # shown from the next frame on (see dialogs.show_later)
    assert dpg.get_item_configuration("message")["show"]
    assert "YAML syntax error" in dpg.get_value("message:text")
    assert "inbox" in app.model.patch.nodes  # the patch that was open stays


def test_file_dialog_lists_folders_then_patches_in_kb_and_a_double_click_opens(app: EditorApp,
                                                                               tmp_path: Path) -> None:
    assert human_size(532) == "532 B" and human_size(12_600) == "12.3 KB" and human_size(5 * 2**20) == "5.0 MB"
    folder = tmp_path / "patches"
    (folder / "old").mkdir()
    (folder / ".hidden.yaml").write_text("x")
    (folder / "notes.txt").write_text("x")
    (folder / "old" / "older.yaml").write_text(PATCH)
    call("menu:open")
    app.frame()  # dialogs show from the next frame
    dialog = dialogs.OPEN["dialog:open"]
    assert dpg.get_item_configuration("dialog:open")["show"]
    assert dpg.get_value("dialog:open:name") == ""  # Dear PyGui's own dialog started with "."
    assert [e.name for e in dialog.entries] == ["old", "exsampling.yaml"]  # folders first; others left out
    row = dpg.get_item_children("dialog:open:table", 1)[1]
    cells = dpg.get_item_children(row, 1)
    assert dpg.get_value(cells[1]).endswith(" B") or dpg.get_value(cells[1]).endswith(" KB")
    call("dialog:open:entry:1")  # a click puts the name in the field
    assert dpg.get_value("dialog:open:name") == "exsampling.yaml"
    dialog.activate(0)  # a double-click on a folder opens it
    assert [e.name for e in dialog.entries] == ["older.yaml"]
    dialog.activate(0)  # ... on a file chooses it
    assert app.model.path == folder / "old" / "older.yaml" and "dialog:open" not in dialogs.OPEN
    app.frame()
    assert not dpg.does_item_exist("dialog:open")
    call("menu:save_as")
    app.frame()
    assert dpg.get_value("dialog:save_as:name") == "older.yaml"  # save as starts from the file's name
    assert app.escape() and "dialog:save_as" not in dialogs.OPEN  # Esc cancels it


def test_a_refusal_goes_once_a_later_link_succeeds(app: EditorApp) -> None:
    call("palette:relay")
    call("palette:test_table_map")
    editor = app.patch_view.tag
    call(editor, (attr("out:inbox.take"), attr("in:test_table_map.prediction")))  # refused: take -> prediction
    assert dpg.get_item_configuration("refusal:test_table_map.prediction")["show"]
    assert "cannot feed a prediction input" in app.status
    call(editor, (attr("out:library.written"), attr("in:relay.inlet")))  # a good link, into another input
    assert not dpg.get_item_configuration("refusal:test_table_map.prediction")["show"]
    assert not app.model.refusals and app.status.startswith("linked library.written")


def test_repeated_pastes_step_aside_are_selected_and_say_pasted(app: EditorApp) -> None:
    model = app.model
    app.copy(["library"])
    assert app.status == "copied 1 node"
    pasted = [app.paste() for _ in range(3)]
    assert app.status == "pasted 1 node"
    x, y = model.patch.nodes["library"].position or (0, 0)
    positions = [model.patch.nodes[ids[0]].position for ids in pasted]
    assert positions == [(x + 40, y + 40), (x + 80, y + 80), (x + 120, y + 120)]  # none on top of another
    assert app.selection() == pasted[-1] and app.inspector.node_id == pasted[-1][0]  # the last paste is selected
    assert dpg.get_item_theme(f"node:{pasted[-1][0]}") == app.patch_view._themes["chosen"]
    assert not dpg.get_item_theme(f"node:{pasted[0][0]}")  # the earlier ones are not any more
    app.duplicate()  # acts on the selection: the last paste
    assert app.status == "duplicated 1 node" and len(app.selection()) == 1
    call("menu:delete")
    assert len(model.patch.nodes) == 3 + 3 and app.selection() == []
    assert app.status == "deleted 1 node"  # not "duplicated 1 node" still
    call("menu:delete")
    assert app.status == "nothing selected"
    app.copy(["library"])
    new = model.paste()
    assert model.patch.nodes[new[0]].position == (x + 40, y + 40)  # a new copy starts the steps again


def test_an_error_badge_goes_when_the_node_works_again(app: EditorApp) -> None:
    call("menu:run")
    engine = app.runner.engine
    assert engine is not None
    engine.inject("library", "take", "not a take")  # the writer fails on it
    assert engine.wait_idle(5)
    app.frame()
    assert dpg.get_item_configuration("error:library")["show"]
    assert dpg.get_item_theme("node:library") == app.patch_view._themes["error"]
    engine.inject("library", "take", Take(np.zeros(480, dtype=np.float32), 48000, take_id="good"))
    assert engine.wait_idle(5)
    app.frame()
    assert not dpg.get_item_configuration("error:library")["show"]  # it wrote the good take
    assert not dpg.get_item_theme("node:library")
