"""A patch file changed on disk by another program while it is open (a text editor, a git checkout): the first
Save over it says so and saves only when asked again (widgets driven through their callbacks, no viewport)."""

from __future__ import annotations

import os
from pathlib import Path

import dearpygui.dearpygui as dpg

from tests.editor.harness import call, open_editor
from tests.editor.test_app import PATCH

ELSEWHERE = PATCH.replace("name: ExSampling (editor tests)", "name: edited in a text editor")


def change_on_disk(path: Path, text: str) -> None:
    info = path.stat()
    path.write_text(text)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 1_000_000_000))  # a second later, whatever the clock


def test_a_file_changed_on_disk_is_replaced_only_when_saved_again(tmp_path: Path) -> None:
    (tmp_path / "set.yaml").write_text(PATCH)
    with open_editor(tmp_path / "set.yaml") as app:
        call("palette:relay")
        call("menu:save")  # unchanged on disk: saved at once
        assert "relay" in (tmp_path / "set.yaml").read_text()
        call("palette:log")
        change_on_disk(tmp_path / "set.yaml", ELSEWHERE)
        call("menu:save")
        assert (tmp_path / "set.yaml").read_text() == ELSEWHERE and app.model.dirty
        assert dpg.get_item_label("message") == "Changed on disk"
        assert dpg.get_value("message:text").startswith("set.yaml was changed on disk since it was opened here")
        call("menu:save")  # again: replaced
        assert "log_2" in (tmp_path / "set.yaml").read_text() and not app.model.dirty


def test_the_prompts_save_over_a_file_changed_on_disk_asks_first(tmp_path: Path) -> None:
    (tmp_path / "set.yaml").write_text(PATCH)
    with open_editor(tmp_path / "set.yaml") as app:  # opened before the editor was built, as `exsampling edit` does
        call("palette:relay")
        change_on_disk(tmp_path / "set.yaml", ELSEWHERE)
        call("menu:quit")
        call("prompt:save")
        assert (tmp_path / "set.yaml").read_text() == ELSEWHERE and not app.quit_requested
        assert not app.model.pending and app.status.endswith("The patch stays open."), app.status
