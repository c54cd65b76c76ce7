"""Save as, or a paste, into another folder: relative paths are rewritten to name the same files from there (else
the recorder would write its takes, and look for its pairing state, somewhere else, silently), and a running patch
starts again from the new folder (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.editor.model import EditorModel
from exsampling_patch.patchfile import read_patch
from exsampling_patch.registry import Registry
from tests.editor.harness import open_editor
from tests.editor.test_app import PATCH


def patch_in(tmp_path: Path) -> Path:
    path = tmp_path / "show" / "patches" / "exsampling.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(PATCH.replace("name: ExSampling (editor tests)", "name: moved\nnode_dirs: [my-nodes]"))
    (tmp_path / "show" / "takes" / "inbox").mkdir(parents=True)
    return path


def test_save_as_elsewhere_keeps_relative_paths_naming_the_same_files(tmp_path: Path) -> None:
    model = EditorModel(Registry.default())
    model.open(patch_in(tmp_path))
    model.set_param("log", "prefix", "../not/a/path")  # text, not a path: left alone
    model.set_param("library", "folder", str(tmp_path / "library"))  # absolute: left alone
    target = tmp_path / "elsewhere" / "copy.yaml"
    target.parent.mkdir()
    model.save(target)
    saved = read_patch(target).patch
    assert saved.nodes["inbox"].params["folder"] == "../show/takes/inbox"  # was ../takes/inbox from show/patches
    assert (target.parent / saved.nodes["inbox"].params["folder"]).resolve() == tmp_path / "show" / "takes" / "inbox"
    assert saved.nodes["library"].params["folder"] == str(tmp_path / "library")
    assert saved.nodes["log"].params["prefix"] == "../not/a/path"
    assert saved.node_dirs == ["../show/patches/my-nodes"]
    assert model.patch.nodes["inbox"].params["folder"] == "../show/takes/inbox" and not model.dirty
    assert not model.problems(), model.problems()  # the folder read is found from the new place
    model.save(target.parent / "again.yaml")  # the same folder: nothing to rewrite
    assert read_patch(target.parent / "again.yaml").patch.nodes["inbox"].params["folder"] == "../show/takes/inbox"


def test_a_running_patch_saved_elsewhere_starts_again_from_there(tmp_path: Path) -> None:
    with open_editor(patch_in(tmp_path)) as app:
        app.run_patch()
        assert app.runner.running, app.status
        engine = app.runner.engine
        (tmp_path / "elsewhere").mkdir()
        assert app.save_as(tmp_path / "elsewhere" / "copy.yaml")
        assert app.runner.running and app.runner.engine is not engine, app.status
        assert "started again from its new folder" in app.status, app.status


def test_nodes_pasted_into_a_patch_of_another_folder_keep_naming_the_same_files(tmp_path: Path) -> None:
    model = EditorModel(Registry.default())
    model.open(patch_in(tmp_path))
    model.copy(["inbox", "library"])
    other = tmp_path / "other" / "new.yaml"
    other.parent.mkdir()
    other.write_text("exsampling_patch: 1\nname: other\nnodes: []\nlinks: []\n")
    model.open(other)
    assert model.paste() == ["inbox", "library"]
    assert model.patch.nodes["inbox"].params["folder"] == "../show/takes/inbox"  # was ../takes/inbox
    assert not model.problems(), model.problems()  # the folder read is found from here
    assert [str(link) for link in model.patch.links] == ["inbox.take -> library.take"]
    model.undo()
    assert not model.patch.nodes


def test_nodes_pasted_from_or_into_a_patch_with_no_file_yet_keep_naming_the_same_files(tmp_path: Path) -> None:
    # A new patch's relative paths are meant from where it will be saved (Save keeps them as they are): they were
    # pasted as if taken from the current folder, and named files there from the patch pasted into.
    model = EditorModel(Registry.default())
    model.add_node("folder_source", params={"folder": "takes/inbox"})
    model.copy(["folder_source"])
    assert Path.cwd() != tmp_path / "show" / "patches"
    model.open(patch_in(tmp_path))
    [pasted] = model.paste()
    assert model.patch.nodes[pasted].params["folder"] == "takes/inbox"  # as a save into show/patches keeps it
    # From a saved patch into a new one: absolute, since the new patch is saved as it is wherever it goes.
    model.copy(["inbox"])
    model.new()
    assert model.paste() == ["inbox"]
    assert model.patch.nodes["inbox"].params["folder"] == str(tmp_path / "show" / "takes" / "inbox")
    target = tmp_path / "elsewhere" / "copy.yaml"
    target.parent.mkdir()
    model.save(target)
    assert not model.problems(), model.problems()  # the folder read is found from where it was saved


def test_undo_and_redo_after_save_as_elsewhere_put_back_values_naming_the_same_files(tmp_path: Path) -> None:
    model = EditorModel(Registry.default())
    model.open(patch_in(tmp_path))
    model.set_param("inbox", "folder", "../takes/new")  # an edit made in the old folder
    model.remove_nodes(["library"])  # a node, with its relative folder, held by the history only
    target = tmp_path / "elsewhere" / "copy.yaml"
    target.parent.mkdir()
    model.save(target)
    assert model.patch.nodes["inbox"].params["folder"] == "../show/takes/new"
    model.undo()  # the node deleted comes back naming the same folder from here
    assert model.patch.nodes["library"].params["folder"] == "../show/takes/library"
    model.undo()  # the folder before the edit, as named from the new folder
    assert model.patch.nodes["inbox"].params["folder"] == "../show/takes/inbox"
    assert not model.problems(), model.problems()  # show/takes/inbox exists: found from here
    model.redo()
    assert model.patch.nodes["inbox"].params["folder"] == "../show/takes/new"
    model.undo()  # back to the file as opened, then saved from here
    model.save()
    saved = read_patch(target).patch
    assert (target.parent / saved.nodes["inbox"].params["folder"]).resolve() == tmp_path / "show" / "takes" / "inbox"
