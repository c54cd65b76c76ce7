"""A web recorder a live edit rebuilds on another take folder while a take it passed on is still in flight (a sink
still handling it): the take's end, told to the new node, was written down as done in the new folder's journal; in
the old folder the take stayed not done, and was passed on again (through the patch twice) when that folder was next
used. It is written down in the folder it is stored in, as the folder source's end is (test_folder_rebuilt). A real
HTTPS recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.takes import TakeStore

from .rebuilt_rig import holding_recorder, idle_errors, rebuilt, recorder_patch, upload_held


def test_the_end_of_a_take_passed_on_before_an_edit_changed_the_folder_is_written_down_there(tmp_path: Path) -> None:
    with holding_recorder(tmp_path, recorder_patch(tmp_path)) as (engine, hold, phone):
        reply = upload_held(phone, hold, "folder-changed")
        rebuilt(engine, recorder_patch(tmp_path, folder=str(tmp_path / "other")))
        hold.release.set()
        errors = idle_errors(engine)
    assert hold.got == [reply["take_id"]]
    assert errors == {}
    # done where it is stored: not passed on again when this folder is next used
    assert [data["take_id"] for _, data in TakeStore(tmp_path / "takes").unfinished()] == []
    assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
    assert TakeStore(tmp_path / "other").processed_ids() == set()
