"""A take that ended but cannot be written down as done (the take folder's disk full: the journal does not open)
still shows the phone its end, and the console names it and says it is passed on again at the next start.

Found by running the default patch with its take folder on a 400 kB tmpfs filled while 5 takes were in flight
(2026-12-05): the console said "error in node 'recorder' in take_ended(): OSError: [Errno 28] No space left on
device" 5 times, naming no take, and the phones' lists showed the 5 takes "received" for good; the next start
ended all 5 again. Here the journal is a folder, so that opening it to append fails as the full disk did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime import NodeError
from exsampling_patch.takes import PROCESSED_JOURNAL

from .conftest import Client, probe_of, recorder_engine, sine


def test_a_take_not_written_down_as_done_is_told_to_its_phone_and_named(tmp_path: Path,
                                                                           recorder_state: Path) -> None:
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, events=events)
    journal = tmp_path / "takes" / PROCESSED_JOURNAL
    journal.mkdir()  # no take has ended yet: the journal is first opened at the end of this one
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        status, reply = client.upload(encode_wav_pcm16(sine(), 48000), take_id="full-1")
        assert status == 201 and engine.wait_idle(settle=0.1)
        take_id = reply["take_id"]
        (row,) = client.request("GET", "/api/takes")[1]["takes"]
        assert row["fate"] == "done" and row["status"] == "done", row
        errors = [e.error for e in events if isinstance(e, NodeError)]
        assert errors == [f"take {take_id} ended but could not be written down as done (Is a directory: {journal}); "
                          "it is passed on again at the next start"], errors
    finally:
        engine.stop()
    journal.rmdir()  # room again: the next start passes the take on, as the console said
    engine = recorder_engine(tmp_path, recorder_state)
    try:
        (again,) = probe_of(engine).wait_for(1)
        assert again.take_id == take_id and again.meta["recovered"] is True
        assert engine.wait_idle(settle=0.1) and journal.read_text() == take_id + "\n"
    finally:
        engine.stop()
