"""The editor's status bar says "stopping..." while its Stop is under way: Dear PyGui runs the Stop's callback on a
thread of its own and the window draws on meanwhile, and a recorder's stop waits (STOP_WAIT, 3 s) for a phone's take
being stored. The bar said "stopped" as the Stop began, the Stop's news coming only seconds later. A real HTTPS
recorder run by the editor; the Stop on a thread of its own, as Dear PyGui's callback thread runs it, while this one
draws the editor's frames; the take folder's look at its free space held until the bar has said "stopping"."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import pytest

from exsampling_patch.nodes import disk_space
from tests.editor.harness import call
from tests.editor.recorder_run import recorder_patch, running_recorder
from tests.intake.test_recorder_stop_mid_upload import TAKE
from tests.intake.test_recorder_stored_after_stop_wait import HeldLook


def test_the_status_bar_says_stopping_while_the_stop_waits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    with running_recorder(recorder_patch(tmp_path, "phones")) as (app, _, client):
        answers: list[tuple[int, Any]] = []
        look.hold()
        phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="as-it-stops")))
        phone.start()
        stopper = threading.Thread(target=call, args=("menu:stop",))
        bars: list[str] = []
        try:
            assert look.looking.wait(30), "the recorder never looked at its disk for the take"
            stopper.start()  # its request read whole, its disk being looked at: the stop waits for it
            while stopper.is_alive() and not any("  |  stopping...  |  " in bar for bar in bars):
                app.frame()
                bars.append(dpg.get_value("statusbar"))
        finally:
            look.release()
            stopper.join(30)
            phone.join(30)
        assert any("  |  stopping...  |  " in bar for bar in bars), bars[-3:]
        assert answers and answers[0][0] == 201, answers  # stored before the stop returned
        app.frame()
        assert "  |  stopped  |  " in dpg.get_value("statusbar"), dpg.get_value("statusbar")
