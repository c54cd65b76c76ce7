"""A web recorder a live edit rebuilds on another take folder while a take it passed on is still in flight (a sink
still handling it): the new node knew only its own folder's takes, so the take's end found no phone, was saved on no
phone's list, and the phone's row said "received" for good. The end reaches the phone's list, now and after a
restart (``phone-takes.jsonl``). A real HTTPS recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

import json
from pathlib import Path

from .rebuilt_rig import holding_recorder, phone_listing, rebuilt, recorder_patch, upload_held


def test_the_end_of_a_take_passed_on_before_an_edit_changed_the_folder_reaches_its_phone(tmp_path: Path) -> None:
    with holding_recorder(tmp_path, recorder_patch(tmp_path)) as (engine, hold, phone):
        reply = upload_held(phone, hold, "folder-changed")
        rebuilt(engine, recorder_patch(tmp_path, folder=str(tmp_path / "other")))
        hold.release.set()
        status, listed, errors = phone_listing(engine, phone)
    assert errors == {}
    assert status == 200
    assert [(t["take_id"], t.get("fate"), t.get("status")) for t in listed["takes"]] == [
        (reply["take_id"], "done", "done")], listed
    saved = [json.loads(line)["r"] for line in (tmp_path / "state" / "phone-takes.jsonl").read_text().splitlines()]
    assert [(r["take_id"], r.get("fate")) for r in saved] == [(reply["take_id"], "done")], saved
