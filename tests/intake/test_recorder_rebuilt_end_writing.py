"""A take whose end the web recorder a live edit replaces is still writing down as the rebuilt node's start lists its
take folder: the runtime read the old node from its cell and called its take_ended, which waited on a slow disk; the
swap stopped that node and started the new one, whose start read the journal (the take not done), then the old node
wrote the end down and forgot the take as passed on, and the listing, asking only then whether the take was passed on
in this run (or in flight: it had ended), found it not and passed it on again: through the patch twice. The takes
passed on are now looked at before the journal is read. A real HTTPS recorder in an engine, the edit made with
engine.update."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.nodes import web_recorder
from exsampling_patch.takes import TakeStore

from .rebuilt_rig import WritingWhileListing, holding_recorder, phone_listing, recorder_patch, upload_held
from .test_recorder_rebuilt_end_before_start import EndBeforeStart


def test_a_take_whose_end_the_replaced_recorder_writes_as_the_new_one_lists_goes_through_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(web_recorder, "TakeStore", WritingWhileListing)  # the store the recorder's start makes
    patch = recorder_patch(tmp_path, EndBeforeStart.type_name)
    with holding_recorder(tmp_path, patch, EndBeforeStart) as (engine, hold, phone):
        reply = upload_held(phone, hold, "ends-as-listed")
        old = engine.node("rec")
        assert isinstance(old, EndBeforeStart)
        with WritingWhileListing.arm(old) as race:
            hold.release.set()  # its end is told to the old node on the engine's thread
            assert race.writing.wait(20)  # the old node's take_ended is writing the end down
            edited = recorder_patch(tmp_path, EndBeforeStart.type_name, warn_free_mb=1)  # another setting: rebuilt
            assert engine.update(edited) is not None
            assert engine.node("rec") is not old
        assert race.read.is_set() and old.told.is_set()  # the end was written down as the new node listed
        status, listed, errors = phone_listing(engine, phone)
    assert hold.got == [reply["take_id"]]  # once, not again as the last run's
    assert errors == {}
    assert status == 200
    assert [(t["client_take_id"], t.get("fate")) for t in listed["takes"]] == [("ends-as-listed", "done")], listed
    assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
