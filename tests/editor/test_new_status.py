"""New (Ctrl+N) says what the empty patch is and how to begin, in place of what the status bar said of the patch
left (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

from pathlib import Path

from tests.editor.harness import call, open_editor
from tests.editor.test_app import PATCH

LEFT = "the patch is larger than the view: arrows pan, Home comes back here, C compact nodes, M minimap"


def test_new_replaces_what_was_said_of_the_patch_left(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH)
    with open_editor(tmp_path / "p.yaml") as app:
        app.say(LEFT)  # what opening a patch wider than the window says
        call("menu:new")  # nothing unsaved: no prompt
        app.frame()
        assert not app.model.patch.nodes
        # It went on saying the (empty) patch was larger than the view, arrows to pan it.
        assert app.status == "new patch: click a type in the palette, or right-click the canvas, to add a node", \
            app.status
