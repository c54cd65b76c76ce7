"""The editor's Stop says the phones' uploads the recorder's stop cut off mid-body, as ``exsampling run``'s summary
does: a real HTTPS recorder run by the editor, a phone's upload sent in part. Before, the status bar said nothing (or
only "some work did not finish in time"): the performer stopping from the editor was not told that a take had been on
its way (its phone keeps it, and sends it again once the recorder runs)."""

from __future__ import annotations

from pathlib import Path

import dearpygui.dearpygui as dpg

from tests.editor.harness import call, open_editor
from tests.intake.conftest import Client
from tests.intake.test_recorder_stop_mid_upload import begun, closed_unanswered, receiving

PATCH = """\
exsampling_patch: 1
name: phones in the editor
nodes:
- id: rec
  type: web_recorder
  position: [40, 80]
  params: {host: 127.0.0.1, port: 0, print_qr: false, folder: takes, state_folder: state}
- id: log
  type: log
  position: [320, 80]
links:
- {from: rec.take, to: log.message}
"""

SAID = ("1 upload from a phone to 'rec' cut off by the stop: the phone keeps that take and sends it again when the "
        "recorder is back")


def test_the_editors_stop_says_the_upload_it_cut_off(tmp_path: Path) -> None:
    patch = tmp_path / "phones.yaml"
    patch.write_text(PATCH)
    with open_editor(patch) as app:
        call("menu:run")
        assert app.runner.running, app.status
        engine = app.runner.engine
        assert engine is not None
        client = Client(engine, tmp_path / "state" / "recorder-cert.pem")
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
