"""Run takes away the reasons shown for links refused while wiring: left in red on the node as the patch ran,
they read as its error (widgets driven through their callbacks, no viewport; a real engine runs the patch)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from tests.editor.harness import call, open_editor, patch_in
from tests.editor.test_app import PATCH


def test_run_takes_the_refusals_shown_away(tmp_path: Path) -> None:
    with open_editor(patch_in(tmp_path, PATCH)) as app:
        assert app.model.connect("library.written", "library.take") is None  # a node on itself: refused
        assert dpg.get_item_configuration("refusal:library.take")["show"]
        assert "refused" in dpg.get_value("refusal:library.take")
        call("menu:run")
        assert app.runner.running, app.status
        assert not dpg.get_item_configuration("refusal:library.take")["show"]
        assert app.model.refusals == {}
