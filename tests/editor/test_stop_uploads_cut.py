"""The editor's Stop says the phones' uploads the recorder's stop cut off mid-body, as ``exsampling run``'s summary
does: a real HTTPS recorder run by the editor, a phone's upload sent in part. Before, the status bar said nothing (or
only "some work did not finish in time"): the performer stopping from the editor was not told that a take had been on
its way (its phone keeps it, and sends it again once the recorder runs)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from tests.editor.harness import call
from tests.editor.recorder_run import recorder_patch, running_recorder
from tests.intake.test_recorder_stop_mid_upload import begun, closed_unanswered, receiving

SAID = ("1 upload from a phone to 'rec' cut off by the stop: the phone keeps that take and sends it again when the "
        "recorder is back")


def test_the_editors_stop_says_the_upload_it_cut_off(tmp_path: Path) -> None:
    with running_recorder(recorder_patch(tmp_path, "phones in the editor")) as (app, engine, client):
        sock = begun(client, "slow-0", 8000)
        try:
            receiving(engine, 1)
            call("menu:stop")
        finally:
            assert closed_unanswered(sock) == b""  # cut, unanswered: the phone keeps the take
        assert not app.runner.running
        assert app.status == SAID, app.status
        app.frame()
        assert dpg.get_value("statusbar").endswith(f"  |  {SAID}"), dpg.get_value("statusbar")
        assert not list((tmp_path / "takes").glob("*.wav"))  # not stored: sent again when the recorder is back

        call("menu:run")  # a run whose stop cuts nothing says nothing of it
        assert app.runner.running, app.status
        call("menu:stop")
        assert app.status == "", app.status
