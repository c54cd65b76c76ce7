"""The status bar never says an edit was swapped in beside the later one that was not (widgets driven through
their callbacks, no viewport; a real engine runs the patch)."""

from __future__ import annotations

import time
from pathlib import Path

import dearpygui.dearpygui as dpg

from tests.editor.harness import call, open_editor, patch_in
from tests.editor.test_app import PATCH

APPLIED = "applied to the running patch"


def test_an_edit_not_swapped_in_is_not_said_beside_the_last_one_that_was(tmp_path: Path) -> None:
    with open_editor(patch_in(tmp_path, PATCH)) as app:
        call("menu:run")
        assert app.runner.running, app.status
        call("palette:relay")  # an edit that goes in
        deadline = time.monotonic() + 10
        while APPLIED not in app.status and time.monotonic() < deadline:
            app.frame()
            time.sleep(0.01)
        assert APPLIED in app.status, app.status
        app.model.remove_param("inbox", "folder")  # one that cannot: a required parameter gone
        app.frame()
        bar = dpg.get_value("statusbar")
        assert "edit not applied: the patch runs on as before: " in bar, bar
        # It read "plan v2 swapped in  |  not swapped in (the old plan runs on): ...": which edit held?
        assert APPLIED not in bar, bar


def test_the_plan_said_swapped_in_is_the_one_running_and_said_in_words(tmp_path: Path) -> None:
    with open_editor(patch_in(tmp_path, PATCH)) as app:
        call("menu:run")
        engine = app.runner.engine
        assert app.runner.running and engine is not None and engine.plan is not None, app.status
        started = engine.plan.version
        said = []
        for node_type in ("relay", "log"):  # two edits, one after the other
            call(f"palette:{node_type}")
            deadline = time.monotonic() + 10
            while (APPLIED not in app.status or app.status in said) and time.monotonic() < deadline:
                time.sleep(0.05)  # the swap's thread ends between frames, as while a composer looks
                app.frame()
            said.append(app.status)
        assert engine.plan.version == started + 2
        # In words, not the runtime's ("plan v2 swapped in"); the second edit's news told from the first's. It said
        # one more than the plan running (the swap's event was taken in earlier in the same frame).
        assert said == ["edit applied to the running patch (1st since Run)",
                        "edit applied to the running patch (2nd since Run)"], said
