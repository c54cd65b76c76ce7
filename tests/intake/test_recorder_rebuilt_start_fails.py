"""A web recorder a live edit rebuilds with a setting its start fails on (a state folder whose table of takes seen is
a folder: one that cannot be made no longer fails the start, :mod:`exsampling_patch.nodes.web_recorder.folders`) while a
take it passed on is in flight: the take's end, told to the new node before its start or after it failed, was kept for
the start to tell, and never was: the take was not written down as done (passed on again at the next run, its phone
never told its end). It is written down in its own folder, and the start's error stays on the node. A real HTTPS
recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE
from exsampling_patch.takes import TakeStore

from .rebuilt_rig import holding_recorder, hooked, idle_errors, recorder_patch, upload_held
from .test_recorder_rebuilt_end_before_start import EndBeforeStart


@pytest.mark.parametrize("ends", ["before its start", "after its start failed"])
def test_a_take_ending_as_a_rebuilt_recorder_fails_to_start_is_written_down(tmp_path: Path, ends: str) -> None:
    patch = recorder_patch(tmp_path, EndBeforeStart.type_name)
    with holding_recorder(tmp_path, patch, EndBeforeStart) as (engine, hold, phone):
        (tmp_path / "odd-state" / SEEN_FILE).mkdir(parents=True)
        told_before_start: list[bool] = []

        def end_the_take(new: WebRecorder) -> None:  # the new node, in its cell, not started
            assert isinstance(new, EndBeforeStart)
            hold.release.set()
            told_before_start.append(new.told.wait(30))

        reply = upload_held(phone, hold, "ends-as-start-fails")
        with hooked(EndBeforeStart, "at_prepare", end_the_take if ends == "before its start" else None):
            engine.update(recorder_patch(tmp_path, EndBeforeStart.type_name,
                                         state_folder=str(tmp_path / "odd-state")))
        hold.release.set()
        errors = idle_errors(engine)
    assert told_before_start == ([True] if ends == "before its start" else [])
    assert hold.got == [reply["take_id"]]
    assert SEEN_FILE in errors.get("rec", ""), errors  # the start's error, on the node
    store = TakeStore(tmp_path / "takes")
    assert reply["take_id"] in store.processed_ids() and not store.unfinished()  # not passed on again next run
