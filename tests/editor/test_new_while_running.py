"""New (Ctrl+N) while the patch runs stops it first, as Open does: the empty patch is not swapped into the running
one, whose run state would still say "running" (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

from tests.editor.harness import call, open_editor, patch_in
from tests.editor.test_app import PATCH


def test_new_while_running_stops_the_patch(tmp_path: Path) -> None:
    with open_editor(patch_in(tmp_path, PATCH)) as app:
        call("menu:run")
        engine = app.runner.engine
        assert app.runner.running and engine is not None, app.status
        call("menu:new")  # nothing unsaved: no prompt
        assert not app.model.patch.nodes and app.model.path is None
        assert not app.runner.running and not engine.running
        call("palette:log")
        app.frame()
        assert not app.runner.running and not app.runner.swapping  # added to the new patch, not started
