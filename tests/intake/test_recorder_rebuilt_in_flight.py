"""A web recorder a live edit rebuilds while a take it passed on is still in flight (a sink still handling it): the
rebuilt node found that take stored and not done, and passed it on again as the last run's, so the same take went
through the patch twice (loaded twice into the sampler or Live), as the folder source did (test_folder_rebuilt). It
passes on again only what a previous run left; the take in flight ends as any, its end on its phone's list and
written down as done. A real HTTPS recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.takes import TakeStore

from .rebuilt_rig import holding_recorder, phone_listing, rebuilt, recorder_patch, upload_held


def test_a_take_in_flight_as_the_recorder_is_rebuilt_goes_through_once(tmp_path: Path) -> None:
    with holding_recorder(tmp_path, recorder_patch(tmp_path)) as (engine, hold, phone):
        reply = upload_held(phone, hold, "in-flight")
        rebuilt(engine, recorder_patch(tmp_path, warn_free_mb=1))  # another setting
        hold.release.set()
        status, listed, _ = phone_listing(engine, phone)
    assert hold.got == [reply["take_id"]]  # once, not again as the last run's
    assert status == 200
    assert [(t["client_take_id"], t.get("fate")) for t in listed["takes"]] == [("in-flight", "done")], listed
    assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
