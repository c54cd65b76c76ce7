"""A web recorder a live edit rebuilds on another take folder while a take it passed on is still in flight (a sink
still handling it): the new node knew only its own folder's takes, so the take's end found no phone, was saved on no
phone's list, and the phone's row said "received" for good. The end reaches the phone's list, now and after a
restart (``phone-takes.jsonl``). A real HTTPS recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

import json
from pathlib import Path

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, rec_of, registry, sine
from .test_recorder_rebuilt_in_flight import HoldFirst, recorder_patch


def test_the_end_of_a_take_passed_on_before_an_edit_changed_the_folder_reaches_its_phone(tmp_path: Path) -> None:
    reg = registry()
    reg.register(HoldFirst, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(recorder_patch(tmp_path))
    hold = engine.node("hold")
    assert isinstance(hold, HoldFirst)
    phone = Client(engine, tmp_path / "state" / "recorder-cert.pem")
    try:
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="folder-changed")
        assert status == 201, reply
        assert hold.holding.wait(20)
        old = rec_of(engine)
        assert engine.update(recorder_patch(tmp_path, folder=str(tmp_path / "other"))) is not None
        assert rec_of(engine) is not old
        phone.port = rec_of(engine).server.port
        hold.release.set()
        assert engine.wait_idle(10, settle=0.3)
        status, listed = phone.request("GET", "/api/takes")
        errors = dict(engine.errors)
    finally:
        hold.release.set()
        engine.stop()
    assert errors == {}
    assert status == 200
    assert [(t["take_id"], t.get("fate"), t.get("status")) for t in listed["takes"]] == [
        (reply["take_id"], "done", "done")], listed
    saved = [json.loads(line)["r"] for line in (tmp_path / "state" / "phone-takes.jsonl").read_text().splitlines()]
    assert [(r["take_id"], r.get("fate")) for r in saved] == [(reply["take_id"], "done")], saved
