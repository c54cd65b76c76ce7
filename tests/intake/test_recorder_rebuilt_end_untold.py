"""A take in flight that ends as a live edit rebuilds the web recorder, ended by the runtime (out of its ledger: no
longer in flight) but not yet told to the recorder (its observers are told first): the rebuilt node's start found it
stored, not done and not in flight, and passed it on again: through the patch twice. A take passed on in this run is
not passed on again until its end is written down (nodes/passed_takes.py). A real HTTPS recorder in an engine, the
edit made with engine.update while an observer of the take's end holds the runtime between the two."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.takes import TakeStore

from .conftest import rec_of
from .rebuilt_rig import HeldEnd, holding_recorder, idle_errors, recorder_patch, upload_held


def test_a_take_ended_but_not_yet_told_as_the_recorder_is_rebuilt_goes_through_once(tmp_path: Path) -> None:
    held = HeldEnd()
    with holding_recorder(tmp_path, recorder_patch(tmp_path), observer=held) as (engine, hold, phone):
        try:
            reply = upload_held(phone, hold, "ended-untold")
            hold.release.set()
            assert held.ending.wait(20)  # ended, its source not told yet
            assert engine.update(recorder_patch(tmp_path, warn_free_mb=1)) is not None  # another setting: rebuilt
            held.go.set()
            phone.port = rec_of(engine).server.port
            errors = idle_errors(engine)
        finally:
            held.go.set()
    assert hold.got == [reply["take_id"]]  # once, not again as the last run's
    assert errors == {}
    assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
