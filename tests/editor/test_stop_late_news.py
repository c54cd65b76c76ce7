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
from tests.editor.harness import call, open_editor
from tests.intake.conftest import Client
from tests.intake.test_recorder_stop_mid_upload import TAKE

PATCH = """\
exsampling_patch: 1
name: phones as the disk fills
nodes:
- id: rec
  type: web_recorder
  position: [40, 80]
  params: {host: 127.0.0.1, port: 0, print_qr: false, folder: takes, state_folder: state, min_free_mb: 100,
           warn_free_mb: 200}
- id: log
  type: log
  position: [320, 80]
links:
- {from: rec.take, to: log.message}
"""

HELD = "1 take refused by 'rec' for its full disk, kept on the phones: make room, they are sent again"


class HeldLook:
    """The take folder's free space as the recorder looks at it: 10 GB, then none; once :meth:`hold` is called, the
    next look waits (``looking`` set) until :meth:`release`."""

    def __init__(self) -> None:
        self.room = 10_000 * 10**6
        self.looking, self._released, self._held = threading.Event(), threading.Event(), False

    def __call__(self, folder: Path) -> int:
        if self._held:
            self._held = False
            self.looking.set()
            assert self._released.wait(30), "the test never released the disk's look"
        return self.room

    def hold(self) -> None:
        self.room, self._held = 0, True

    def release(self) -> None:
        self._released.set()


def test_a_take_refused_for_the_full_disk_after_the_stop_is_said(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(recorder_server, "STOP_WAIT", 0.2)  # the stop gives up on the held request sooner
    patch = tmp_path / "phones.yaml"
    patch.write_text(PATCH)
    with open_editor(patch) as app:
        call("menu:run")
        assert app.runner.running, app.status
        engine = app.runner.engine
        assert engine is not None
        client = Client(engine, tmp_path / "state" / "recorder-cert.pem")
        answers: list[tuple[int, Any]] = []
        look.hold()
        phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="as-it-stops")))
        phone.start()
        try:
            assert look.looking.wait(30), "the recorder never looked at its disk for the take"
            call("menu:stop")  # its request read whole, its disk being looked at: the stop gives up on it
            assert not app.runner.running
            assert app.status == "", app.status  # not refused yet
        finally:
            look.release()
            phone.join(30)
        assert answers and answers[0][0] == 507, answers  # refused after the stop: its phone keeps it
        app.frame()
        assert app.status == HELD, app.status
        assert not app.patch_view.badges.has_error("rec")  # the full disk's error, told late: the run's display is gone
        assert dpg.get_value("statusbar").endswith(f"  |  {HELD}"), dpg.get_value("statusbar")
        assert not list((tmp_path / "takes").glob("*.wav"))
