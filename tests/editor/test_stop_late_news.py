"""What a recorder reports after the editor's Stop has returned still reaches its status bar: a take whose disk check
the Stop came during, held past the recorder's wait for its requests (STOP_WAIT), is refused for the full disk after
it, and counted on the phones then. Before, the Stop stopped watching the engine as it returned: the bar said nothing
of that take, which the phone keeps and sends again. A real HTTPS recorder run by the editor; the take folder's free
space is set by the test (a real disk's moves as others write), and its look held until the Stop has returned."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as recorder_server
from tests.editor.harness import call
from tests.editor.recorder_run import recorder_patch, running_recorder
from tests.intake.test_recorder_stop_answers import HeldLook
from tests.intake.test_recorder_stop_mid_upload import TAKE

HELD = "1 take refused by 'rec' for its full disk, kept on the phones: make room, they are sent again"
ARRIVING = ("1 upload from a phone to 'rec' still being stored as it stopped: stored, it is passed on at the next "
            "start; refused, its phone keeps it and sends it again")


def test_a_take_refused_for_the_full_disk_after_the_stop_is_said(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(recorder_server, "STOP_WAIT", 0.2)  # the stop gives up on the held request sooner
    patch = recorder_patch(tmp_path, "phones as the disk fills", ", min_free_mb: 100, warn_free_mb: 200")
    with running_recorder(patch) as (app, _, client):
        answers: list[tuple[int, Any]] = []
        look.hold()
        phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="as-it-stops")))
        phone.start()
        try:
            assert look.looking.wait(30), "the recorder never looked at its disk for the take"
            call("menu:stop")  # its request read whole, its disk being looked at: the stop gives up on it
            assert not app.runner.running
            assert app.status == ARRIVING, app.status  # not refused yet
        finally:
            look.release()
            phone.join(30)
        assert answers and answers[0][0] == 507, answers  # refused after the stop: its phone keeps it
        app.frame()
        assert app.status == HELD, app.status  # no longer said as maybe refused: told twice, read as two takes
        assert not app.patch_view.badges.has_error("rec")  # the full disk's error, told late: the run's display is gone
        assert dpg.get_value("statusbar").endswith(f"  |  {HELD}"), dpg.get_value("statusbar")
        assert not list((tmp_path / "takes").glob("*.wav"))
