"""The problems panel warns of what ``exsampling check`` warns of, models given relative to the patch included."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from exsampling_patch.validate import check_file_with_warnings
from tests.core.test_label_checks import chain, model_with_labels_of_its_own
from tests.editor.harness import open_editor


def test_a_relative_models_labels_without_a_slot_are_warned_of_as_check_does(tmp_path: Path) -> None:
    # The panel passed an empty source map: no patch folder, so "model: mine.pt" was not read and the warning that
    # check gives ("2 of the 76 labels of its model have no slot") was missing from the editor.
    model_with_labels_of_its_own(tmp_path / "mine.pt")
    path = chain(tmp_path, "")
    _, _, warned = check_file_with_warnings(path)
    assert warned and "labels of its model have no slot" in warned[0].message
    with open_editor(path) as app:
        shown = [problem.message for problem in app.problems_panel.problems]
        assert [w.message for w in warned if w.message in shown] == [w.message for w in warned], shown
        rows = [dpg.get_item_label(f"problems:{i}") for i in range(len(shown))]
        assert any(row and "glass ping, Clank" in row for row in rows), rows
