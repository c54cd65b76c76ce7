"""The editor's Stop says an upload the recorder was still checking and storing as it stopped, as ``exsampling run``'s
summary does: the recorder's stop waits STOP_WAIT for the requests being handled, and one still storing its take
after that ends after the Stop has returned. The status bar said nothing of it (or only "some work did not finish in
time"), though the phone is told its take is stored, and it is passed on at the next Run. A real HTTPS recorder run by
the editor; the take folder's look at its free space held until the Stop has returned."""

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
from tests.intake.test_recorder_stop_mid_upload import TAKE
from tests.intake.test_recorder_stored_after_stop_wait import HeldLook

ARRIVING = ("1 upload from a phone to 'rec' still being stored as it stopped: stored, it is passed on at the next "
            "start; refused, its phone keeps it and sends it again")


def test_the_editors_stop_says_the_upload_still_being_stored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(recorder_server, "STOP_WAIT", 0.2)  # the stop gives up on the held request sooner
    with running_recorder(recorder_patch(tmp_path, "phones storing as it stops")) as (app, _, client):
        answers: list[tuple[int, Any]] = []
        look.hold()
        phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="still-storing")))
        phone.start()
        try:
            assert look.looking.wait(30), "the recorder never looked at its disk for the take"
            call("menu:stop")  # its request read whole, its disk being looked at: the stop gives up on it
            assert not app.runner.running
            assert app.status == ARRIVING, app.status
        finally:
            look.release()
            phone.join(30)
        assert answers and answers[0][0] == 201, answers  # stored after the Stop: passed on at the next Run
        app.frame()
        assert app.status == ARRIVING, app.status
        assert dpg.get_value("statusbar").endswith(f"  |  {ARRIVING}"), dpg.get_value("statusbar")

        call("menu:run")  # a run whose stop waits for nothing says nothing of it
        assert app.runner.running, app.status
        call("menu:stop")
        assert app.status == "", app.status
