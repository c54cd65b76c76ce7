"""An upload still being checked and stored when the recorder's stop stops waiting for it (``STOP_WAIT``) ends after
``exsampling run`` has read the recorder's counts for its summary: the summary said nothing of it, though a take was on
its way. It now says it was still being stored. A real HTTPS recorder run by an engine; the take folder's look at its
free space held until the stop has returned."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.run import counts_of, phones_text
from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module

from .conftest import Client, recorder_engine
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def test_an_upload_the_stop_stops_waiting_for_is_in_the_summary(tmp_path: Path, recorder_state: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
    engine = recorder_engine(tmp_path, recorder_state)
    client = Client(engine, recorder_state / "recorder-cert.pem")
    answers: list[tuple[int, Any]] = []
    look.hold()
    phone = threading.Thread(target=lambda: answers.append(client.upload(TAKE, take_id="still-storing")))
    phone.start()
    try:
        assert look.looking.wait(30), "the recorder never looked at its disk for the take"
        engine.stop()  # returns with the request still being handled
        # As `exsampling run` reads them: once, right after the engine's stop.
        summary = phones_text(counts_of(engine, "held_on_phones"), counts_of(engine, "uploads_cut_off"),
                              counts_of(engine, "uploads_arriving"))
    finally:
        look.release()
        phone.join(30)
    assert summary == ("; 1 upload from a phone to 'rec' still being stored as it stopped: stored, it is passed on at "
                       "the next start; refused, its phone keeps it and sends it again")
    assert answers and answers[0][0] == 201, answers  # stored after the summary: the next start passes it on
    again = recorder_engine(tmp_path, recorder_state, check=False)
    try:
        assert counts_of(again, "uploads_arriving") == {}  # a new run counts anew
    finally:
        again.stop()
    assert counts_of(again, "uploads_arriving") == {}  # its stop waited for nothing
