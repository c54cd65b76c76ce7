"""The editor's Stop says the takes the recorder refused for its full disk (507) and kept on the phones, as
``exsampling run``'s summary does, and before the uploads its stop cut off, as the summary orders them: a real HTTPS
recorder run by the editor on the real disk of the test's folder, made "full" by a ``min_free_mb`` above its free
space. Before, the status bar said only the uploads cut off: the performer stopping from the editor was not told that
takes were waiting on the phones for room (the disk's error on the node goes with the run's display)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from tests.editor.harness import call
from tests.editor.recorder_run import recorder_patch, running_recorder
from tests.intake.test_recorder_stop_mid_upload import TAKE, begun, closed_unanswered, receiving
from tests.stage.test_recorder_disk_summary import MARGIN_MB, made_full

HELD = "2 takes refused by 'rec' for its full disk, kept on the phones: make room, they are sent again"
CUT = ("1 upload from a phone to 'rec' cut off by the stop: the phone keeps that take and sends it again when the "
       "recorder is back")


def test_the_editors_stop_says_the_takes_held_on_the_phones(tmp_path: Path) -> None:
    full = made_full(tmp_path)
    patch = recorder_patch(tmp_path, "phones on a full disk",
                           f", min_free_mb: {full:.0f}, warn_free_mb: {full + MARGIN_MB:.0f}")
    with running_recorder(patch) as (app, engine, client):
        for take_id in ("first", "first", "second"):  # the first one's phone sends it again: counted once
            status, reply = client.upload(TAKE, take_id=take_id)
            assert status == 507, reply
        sock = begun(client, "slow-0", 8000)
        try:
            receiving(engine, 1)
            call("menu:stop")
        finally:
            assert closed_unanswered(sock) == b""  # cut, unanswered: that phone keeps its take too
        assert not app.runner.running
        assert app.status == f"{HELD}; {CUT}", app.status
        app.frame()
        assert dpg.get_value("statusbar").endswith(f"  |  {HELD}; {CUT}"), dpg.get_value("statusbar")
        assert not list((tmp_path / "takes").glob("*.wav"))
