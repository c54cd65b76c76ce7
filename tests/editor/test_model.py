"""The editor model: every edit undoable, link refusal by the one rule, clipboard, files and the prompt."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.editor.history import UNSET
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.errors import PatchError
from exsampling_patch.messages import Take
from exsampling_patch.patch import Link, PortRef
from exsampling_patch.patchfile import dumps_patch, read_patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.validate import check_patch, load_patch

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return Registry.default()


@pytest.fixture
def model(registry: Registry) -> EditorModel:
    return EditorModel(registry)


def build_chain(model: EditorModel, folder: str) -> None:
    model.add_node("folder_source", (0, 0), params={"folder": folder})
    model.add_node("take_writer", (300, 0), params={"folder": folder + "_out"})
    model.add_node("log", (600, 0))
    assert model.connect("folder_source.take", "take_writer.take")
    assert model.connect("take_writer.written", "log.message")


def test_add_link_param_undo_everything_then_redo(model: EditorModel) -> None:
    empty = dumps_patch(model.patch)
    build_chain(model, "inbox")
    assert model.set_param("take_writer", "naming", "take_id") is None
    model.move_nodes({"log": (640.4, 20.0)})
    edited = dumps_patch(model.patch)
    assert model.dirty and model.patch.nodes["log"].position == (640.0, 20.0)
    steps = 0
    while model.undo() is not None:
        steps += 1
    assert steps == 7  # 3 adds, 2 links, 1 parameter, 1 move
    assert dumps_patch(model.patch) == empty and not model.dirty
    while model.redo() is not None:
        pass
    assert dumps_patch(model.patch) == edited


def test_bad_link_is_refused_with_the_rules_reason(model: EditorModel) -> None:
    model.add_node("take_writer", params={"folder": "out"})
    model.add_node("log")
    model.add_node("relay")
    # An output into an output port name that is not an input: check_link's reason, kept by target.
    assert model.connect("log.message", "take_writer.take") is None
    link, reason = model.refusals[PortRef("take_writer", "take")]
    assert "has no output 'message'" in reason and link.source == PortRef("log", "message")
    # A cycle is refused too.
    assert model.connect("take_writer.written", "relay.inlet")
    assert model.connect("relay.outlet", "take_writer.take") is None
    reason = model.refusals[PortRef("take_writer", "take")][1]
    assert "would close a cycle: take_writer -> relay -> take_writer" in reason
    assert len(model.patch.links) == 1
    assert model.connect("take_writer.written", "relay.inlet") is None  # a duplicate
    assert "already" in model.refusals[PortRef("relay", "inlet")][1]
    # A good link into the same input clears its refusal.
    assert model.connect("relay.outlet", "log.message")
    assert PortRef("log", "message") not in model.refusals


def test_a_refusal_goes_once_the_patch_is_edited(model: EditorModel) -> None:
    # Refused for closing a cycle, its reason stayed shown after the unlink that broke the cycle.
    model.add_node("take_writer", params={"folder": "out"})
    model.add_node("relay")
    model.add_node("log")
    first = model.connect("take_writer.written", "relay.inlet")
    assert first is not None
    assert model.connect("relay.outlet", "take_writer.take") is None
    told: list[Any] = []
    model.listen(lambda what, subject: told.append((what, subject)))
    model.disconnect([first])
    assert model.refusals == {}
    assert ("refused", Link(PortRef("relay", "outlet"), PortRef("take_writer", "take"))) in told  # redrawn
    # An undo, a node deleted with its links: the same.
    assert model.connect("relay.outlet", "take_writer.written") is None
    model.undo()  # the unlink undone: the link back
    assert model.refusals == {}
    assert model.connect("relay.outlet", "take_writer.written") is None
    model.remove_nodes(["relay"])
    assert model.refusals == {}
    # An edit that leaves the links as they are, its undo and redo, too: the composer has moved on from that link.
    assert model.connect("log.message", "take_writer.take") is None
    model.move_nodes({"log": (10, 10)})
    assert model.refusals == {}
    for step in (model.undo, model.redo):
        assert model.connect("log.message", "take_writer.take") is None
        step()
        assert model.refusals == {}


def test_a_node_id_with_the_links_arrow_is_a_problem_a_rename_fixes(model: EditorModel, tmp_path: Path) -> None:
    # Written by hand: its links 'a.outlet -> kick->bass.inlet' cannot be split. The node is read, to be renamed;
    # a link in the long form reaches it.
    path = tmp_path / "p.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: a\n  type: relay\n- id: kick->bass\n  type: relay\n"
                    "links:\n- {from: a.outlet, to: kick->bass.inlet}\n", encoding="utf-8")
    [located] = model.open(path)
    assert (located.line, located.hint) == (5, "rename it, say 'kick-bass'"), located
    assert [link.target.node for link in model.patch.links] == ["kick->bass"]
    [problem] = model.problems()
    assert "may not contain '->'" in problem.message and model.problem_node(problem) == "kick->bass"
    assert model.rename_node("kick->bass", "kick-bass") is None
    assert model.problems() == [] and [str(link) for link in model.patch.links] == ["a.outlet -> kick-bass.inlet"]


def test_a_node_id_with_a_dot_is_kept_to_rename_not_lost_by_a_save(model: EditorModel, tmp_path: Path) -> None:
    # Written by hand. It was dropped at load, its links "not read": the next save lost node and links.
    path = tmp_path / "p.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: a\n  type: relay\n- id: kick.bass\n  type: relay\n"
                    "links:\n- a.outlet -> kick.bass.inlet\n", encoding="utf-8")
    [located] = model.open(path)
    assert (located.line, located.hint) == (5, "rename it, say 'kick_bass'"), located
    [problem] = model.problems()
    assert "may not contain dots" in problem.message and model.problem_node(problem) == "kick.bass"
    model.save()
    reopened = EditorModel(model.registry)
    assert len(reopened.open(path)) == 1 and list(reopened.patch.nodes) == ["a", "kick.bass"]
    assert [str(link) for link in reopened.patch.links] == ["a.outlet -> kick.bass.inlet"]
    assert model.rename_node("kick.bass", "kick_bass") is None
    assert model.problems() == [] and [str(link) for link in model.patch.links] == ["a.outlet -> kick_bass.inlet"]


def test_a_node_id_with_spaces_around_it_is_kept_to_rename_not_lost_by_a_save(
        model: EditorModel, tmp_path: Path) -> None:
    # Written by hand. It was dropped at load: the next save lost the node and the links to it.
    path = tmp_path / "p.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: a\n  type: relay\n- id: ' kick '\n  type: relay\n"
                    "links:\n- a.outlet -> kick.inlet\n", encoding="utf-8")
    located = model.open(path)
    assert [(p.line, p.hint) for p in located if "spaces" in p.message] == [(5, "rename it, say 'kick'")], located
    problem = next(p for p in model.problems() if "spaces" in p.message)
    assert model.problem_node(problem) == " kick "
    model.save()
    reopened = EditorModel(model.registry)
    reopened.open(path)
    assert list(reopened.patch.nodes) == ["a", " kick "]
    assert [str(link) for link in reopened.patch.links] == ["a.outlet -> kick.inlet"]
    assert model.rename_node(" kick ", "kick") is None  # the links, read without the spaces, now reach it
    assert model.problems() == [] and [str(link) for link in model.patch.links] == ["a.outlet -> kick.inlet"]


@pytest.mark.parametrize("node_id", ["kick->bass", "kick.bass", "log"])
def test_add_node_refuses_an_id_as_rename_does(model: EditorModel, node_id: str) -> None:
    # add_node checked only for a dot: a node added as 'kick->bass' was saved with links that could not be read.
    model.add_node("log")
    model.add_node("relay")
    refused = model.rename_node("relay", node_id)
    with pytest.raises(ValueError) as caught:
        model.add_node("relay", node_id=node_id)
    assert refused is not None and str(caught.value) == refused
    assert list(model.patch.nodes) == ["log", "relay"] and model.history.revision == 2


@pytest.mark.parametrize("node_id", ["room mic", "kick.bass", "kick->bass", " kick", "kick ", "kick-bass_2"])
def test_the_loader_and_the_editor_judge_an_id_alike(registry: Registry, tmp_path: Path, node_id: str) -> None:
    # The loader read 'room mic' without a word while the editor refused to add or rename a node so.
    path = tmp_path / "p.yaml"
    path.write_text(f"exsampling_patch: 1\nnodes:\n- id: a\n  type: relay\n- id: '{node_id}'\n  type: relay\n"
                    f"links:\n- a.outlet -> {node_id.strip()}.inlet\n", encoding="utf-8")
    parsed = read_patch(path)
    loaded = [p for p in parsed.problems + check_patch(parsed.patch, registry, parsed.source_map)
              if p.message.startswith(f"node '{node_id}': an id")]
    added = EditorModel(registry)
    added.add_node("relay", node_id="a")
    try:
        added.add_node("relay", node_id=node_id)
        refused = None
    except ValueError as error:
        refused = str(error)
    assert bool(loaded) == (refused is not None), (loaded, refused)
    assert not loaded or (refused is not None and loaded[0].message.removeprefix("node ") in refused)
    if not loaded:  # an id with spaces inside reads back with its link after a save
        added.connect(PortRef("a", "outlet"), PortRef(node_id, "inlet"))
        added.save(tmp_path / "saved.yaml")
        reopened = EditorModel(registry)
        assert reopened.open(tmp_path / "saved.yaml") == []
        assert [str(link) for link in reopened.patch.links] == [f"a.outlet -> {node_id}.inlet"]


def test_type_mismatch_uses_check_link(registry: Registry) -> None:
    # Build a two-node patch whose ports differ in type: a take output cannot feed a MIDI input.
    typed = [t for t in registry if any(p.type.name == "midi" for p in t.inputs.values())]
    if not typed:
        pytest.skip("no node type with a MIDI input is registered")
    midi_type = typed[0]
    model = EditorModel(registry)
    model.add_node("folder_source", params={"folder": "in"})
    target = model.add_node(midi_type.type_name)
    port = next(n for n, p in midi_type.inputs.items() if p.type.name == "midi")
    assert model.connect("folder_source.take", f"{target}.{port}") is None
    assert "a take output cannot feed a midi input" in model.refusals[PortRef(target, port)][1]
    assert model.history.revision == 2  # the refused link is no edit


def test_a_type_mismatch_says_which_node_type_goes_between(model: EditorModel) -> None:
    model.add_node("folder_source", params={"folder": "in"})
    for type_name in ("classifier", "sampler", "pattern"):
        model.add_node(type_name)
    assert model.connect("classifier.prediction", "sampler.assign") is None
    reason = model.refusals[PortRef("sampler", "assign")][1]
    assert reason.endswith("a prediction output cannot feed a slot input; put a slot_map between them"), reason
    assert model.connect("folder_source.take", "sampler.assign") is None
    assert model.refusals[PortRef("sampler", "assign")][1].endswith("; put a fixed_slot between them")
    assert model.connect("folder_source.take", "sampler.midi") is None  # no node type turns a take into MIDI
    assert model.refusals[PortRef("sampler", "midi")][1].endswith("a take output cannot feed a midi input")


def test_param_validation_and_unset(model: EditorModel) -> None:
    model.add_node("folder_source", params={"folder": "in"})
    assert "below its minimum" in (model.set_param("folder_source", "poll_interval", 0.0) or "")
    assert "nowhere" not in model.patch.nodes["folder_source"].params
    assert model.set_param("folder_source", "poll_interval", 2) is None
    assert model.patch.nodes["folder_source"].params["poll_interval"] == 2.0
    assert model.set_param("folder_source", "poll_interval", UNSET) is None
    assert "poll_interval" not in model.patch.nodes["folder_source"].params
    assert model.param_value("folder_source", "poll_interval") == 0.1
    model.undo()
    assert model.patch.nodes["folder_source"].params["poll_interval"] == 2.0
    assert "no parameter" in (model.set_param("folder_source", "nope", 1) or "")


def test_delete_restores_order_and_links(model: EditorModel) -> None:
    build_chain(model, "in")
    before = dumps_patch(model.patch)
    model.remove_nodes(["take_writer"])
    assert list(model.patch.nodes) == ["folder_source", "log"] and model.patch.links == []
    model.undo()
    assert dumps_patch(model.patch) == before
    model.disconnect([Link(PortRef.parse("take_writer.written"), PortRef.parse("log.message"))])
    assert len(model.patch.links) == 1
    model.undo()
    assert dumps_patch(model.patch) == before


def test_copy_paste_and_duplicate_keep_inner_links(model: EditorModel) -> None:
    build_chain(model, "in")
    assert model.copy(["take_writer", "log"]) == 2
    pasted = model.paste()
    assert pasted == ["take_writer_2", "log_2"]
    assert Link(PortRef("take_writer_2", "written"), PortRef("log_2", "message")) in model.patch.links
    # The link from outside the selection is not copied.
    assert not any(ln.target.node == "take_writer_2" for ln in model.patch.links)
    assert model.patch.nodes["log_2"].position == (640.0, 40.0)
    assert model.patch.nodes["take_writer_2"].params == model.patch.nodes["take_writer"].params
    dup = model.duplicate(["folder_source", "take_writer"])
    assert dup == ["folder_source_2", "take_writer_3"]
    assert Link(PortRef("folder_source_2", "take"), PortRef("take_writer_3", "take")) in model.patch.links
    assert [s.id for s in model.clipboard.specs] == ["take_writer", "log"]  # duplicate keeps the clipboard
    model.undo()
    model.undo()
    assert list(model.patch.nodes) == ["folder_source", "take_writer", "log"]


def test_save_then_load_in_the_runtime(model: EditorModel, tmp_path: Path) -> None:
    build_chain(model, "inbox")
    model.set_param("take_writer", "naming", "take_id")
    target = tmp_path / "edited.yaml"
    model.save(target)
    assert not model.dirty and model.title.startswith("edited.yaml")
    patch, registry = load_patch(target)
    assert patch.nodes["take_writer"].position == (300.0, 0.0)
    engine = Engine(registry, base_dir=tmp_path)
    engine.start(patch)
    try:
        engine.inject("take_writer", "take", Take(np.zeros(4800, dtype=np.float32), 48000, take_id="t1"))
        assert engine.wait_idle(5)
        assert (tmp_path / "inbox_out" / "t1.wav").exists()
    finally:
        engine.stop()


def test_open_default_patch_and_round_trip(model: EditorModel, tmp_path: Path) -> None:
    folder = tmp_path / "patches"
    folder.mkdir()
    shutil.copy(REPO / "patches" / "exsampling.yaml", folder / "exsampling.yaml")
    model.open(folder / "exsampling.yaml")
    assert model.patch.nodes and not model.dirty
    text = (folder / "exsampling.yaml").read_text()
    model.save()
    assert (folder / "exsampling.yaml").read_text() == text  # positions and order kept


def test_open_keeps_a_patch_with_problems_and_refuses_only_what_is_not_a_patch(model: EditorModel,
                                                                              tmp_path: Path) -> None:
    build_chain(model, "in")
    broken = tmp_path / "broken.yaml"
    broken.write_text("exsampling_patch: 1\nnodes:\n- id: a\n  type: no_such_type\n  params: {x: 1}\n")
    problems = model.open(broken)
    assert [p.line for p in problems] == [4] and "unknown node type" in problems[0].message
    assert model.patch.nodes["a"].params == {"x": 1} and "a" in model.node_problems()
    with pytest.raises(PatchError):
        model.runnable_patch()
    not_yaml = tmp_path / "not_yaml.yaml"
    not_yaml.write_text("nodes: [\n")
    with pytest.raises(PatchError, match="YAML syntax error"):
        model.open(not_yaml)
    assert "a" in model.patch.nodes  # the patch that was open stays


def test_unsaved_changes_prompt(model: EditorModel, tmp_path: Path) -> None:
    ran: list[str] = []
    assert model.guard(lambda: ran.append("clean"))  # nothing unsaved: runs at once
    model.add_node("log")
    assert not model.guard(lambda: ran.append("new")) and model.pending
    assert not model.resolve("cancel") and ran == ["clean"] and model.dirty
    model.guard(lambda: ran.append("new"))
    with pytest.raises(ValueError, match="save as"):
        model.resolve("save")  # no file yet
    assert model.pending
    assert model.resolve("save", tmp_path / "p.yaml") and ran == ["clean", "new"]
    assert (tmp_path / "p.yaml").exists() and not model.dirty
    model.add_node("relay")
    model.guard(model.new)
    assert model.resolve("discard") and not model.patch.nodes


def test_listeners_hear_every_primitive(model: EditorModel) -> None:
    heard: list[str] = []
    model.listen(lambda what, subject: heard.append(what))
    build_chain(model, "in")
    model.undo()
    assert heard == ["node_added"] * 3 + ["link_added"] * 2 + ["link_removed"]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_saved_patches_get_the_mode_a_plain_write_gives(model: EditorModel, tmp_path: Path, umask: int,
                                                        mode: int) -> None:
    build_chain(model, str(tmp_path / "in"))
    target = tmp_path / "patch.yaml"
    old = os.umask(umask)
    try:
        model.save(target)
        assert stat.S_IMODE(target.stat().st_mode) == mode  # readable by the group and others unless umask says
        target.chmod(0o640)  # an existing file keeps its mode, as with open(..., "w")
        model.save(target)
        assert stat.S_IMODE(target.stat().st_mode) == 0o640
    finally:
        os.umask(old)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
