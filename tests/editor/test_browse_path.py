"""The inspector's "..." beside a path parameter: a file parameter (the classifier's model) is chosen among files,
a folder parameter among folders, and what is chosen in or beside the patch's folder is kept relative to it
(widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs
from exsampling_patch.editor.app import EditorApp
from tests.editor.harness import call, open_editor

PATCH = """\
exsampling_patch: 1
name: own model
nodes:
- id: inbox
  type: folder_source
  position: [40, 80]
  params: {folder: inbox}
- id: classifier
  type: classifier
  position: [320, 80]
links:
- inbox.take -> classifier.take
"""
DIALOG = "inspector:path_dialog"


def browse(app: EditorApp, node_id: str, name: str) -> dialogs.FileDialog:
    app.inspector.show(node_id)
    call(f"param:{node_id}:{name}:browse")
    return dialogs.OPEN[DIALOG]


def test_the_classifiers_model_file_is_chosen_among_files(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH)
    (tmp_path / "inbox").mkdir()
    (tmp_path / "my_model.pt").write_bytes(b"model")
    with open_editor(tmp_path / "p.yaml") as app:
        dialog = browse(app, "classifier", "model")
        names = [entry.name for entry in dialog.entries]
        assert "my_model.pt" in names and "inbox" in names, names  # folders to go through, files to choose
        dialog.activate(names.index("my_model.pt"))  # a double-click on it
        assert app.model.patch.nodes["classifier"].params["model"] == "my_model.pt"


def test_a_folder_parameter_is_chosen_among_folders(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH)
    (tmp_path / "inbox" / "monday").mkdir(parents=True)
    (tmp_path / "inbox" / "bark.wav").write_bytes(b"RIFF")
    with open_editor(tmp_path / "p.yaml") as app:
        dialog = browse(app, "inbox", "folder")  # in its folder, inbox
        assert [entry.name for entry in dialog.entries] == ["monday"]


def test_a_folder_chosen_in_or_beside_the_patchs_folder_is_kept_relative(tmp_path: Path) -> None:
    show = tmp_path / "show"
    (show / "patches").mkdir(parents=True)
    (show / "patches" / "p.yaml").write_text(PATCH)
    for folder in (show / "takes" / "new", show / "patches" / "inbox", tmp_path / "elsewhere"):
        folder.mkdir(parents=True)
    with open_editor(show / "patches" / "p.yaml") as app:
        chosen = {}
        for folder in (show / "takes" / "new", show / "patches" / "inbox", tmp_path / "elsewhere"):
            dialog = browse(app, "inbox", "folder")
            dialog.go(folder)
            dialog.accept()  # an empty name: this folder
            chosen[folder.name] = app.model.patch.nodes["inbox"].params["folder"]
        # Beside the patches (the shipped patches' own layout), and in their folder: relative, so that the show's
        # folder copied to the venue's laptop still finds them; further off: absolute.
        assert chosen == {"new": "../takes/new", "inbox": "inbox", "elsewhere": str(tmp_path / "elsewhere")}
        assert not app.model.problems(), app.model.problems()


def test_the_browser_opens_where_the_value_is(tmp_path: Path) -> None:
    show = tmp_path / "show"
    (show / "patches").mkdir(parents=True)
    (show / "patches" / "p.yaml").write_text(PATCH.replace("{folder: inbox}", "{folder: ../takes/inbox}"))
    (show / "takes" / "inbox").mkdir(parents=True)
    (show / "models").mkdir()
    (show / "models" / "mine.pt").write_bytes(b"model")
    with open_editor(show / "patches" / "p.yaml") as app:
        dialog = browse(app, "inbox", "folder")
        assert dialog.folder == show / "takes" / "inbox"  # Choose at once keeps it
        dialog.accept()
        assert app.model.patch.nodes["inbox"].params["folder"] == "../takes/inbox"
        app.model.set_param("classifier", "model", "../models/mine.pt")
        dialog = browse(app, "classifier", "model")
        assert dialog.folder == show / "models" and dpg.get_value(f"{DIALOG}:name") == "mine.pt"
        app.model.set_param("classifier", "model", "../gone/mine.pt")  # a folder not there: the patch's
        assert browse(app, "classifier", "model").folder == show / "patches"
