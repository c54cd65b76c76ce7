"""A take in flight (a sink still handling it) that ends as a live edit rebuilds the web recorder, after the swap has
put the new node in its cell and before its start(): the runtime tells the new node the take's end, and its
take_ended failed on the tables its start() makes (an error on the node), the take was not written down as done, and
the start, finding it stored, not done and no longer in flight, passed it on again: the same take went through the
patch twice. The new node now keeps such ends for its start, which tells them as any once its tables are made, and
does not pass those takes on again. A real HTTPS recorder in an engine, the edit made with engine.update; the sink let
go, and the take's end waited for, by the new node's prepare() (between the cell swap and the start)."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.takes import TakeStore

from .rebuilt_rig import EndsBeforeStart, holding_recorder, hooked, phone_listing, recorder_patch, upload_held


class EndBeforeStart(EndsBeforeStart, WebRecorder):
    """A web recorder that calls the test's hook from its prepare() (:class:`EndsBeforeStart`)."""

    type_name = "test_end_before_start"


def test_a_take_ending_between_the_rebuilds_swap_and_its_start_goes_through_once(tmp_path: Path) -> None:
    patch = recorder_patch(tmp_path, EndBeforeStart.type_name)
    with holding_recorder(tmp_path, patch, EndBeforeStart) as (engine, hold, phone):
        told_before_start: list[bool] = []

        def end_the_take(new: WebRecorder) -> None:  # the new node, in its cell, not started
            assert isinstance(new, EndBeforeStart) and engine.node("rec") is new
            hold.release.set()
            told_before_start.append(new.told.wait(30))

        reply = upload_held(phone, hold, "ends-mid-rebuild")
        with hooked(EndBeforeStart, "at_prepare", end_the_take):
            edited = recorder_patch(tmp_path, EndBeforeStart.type_name, warn_free_mb=1)  # another setting: rebuilt
            assert engine.update(edited) is not None
        assert told_before_start == [True]  # its end came to the new node before its start
        status, listed, errors = phone_listing(engine, phone)
    assert hold.got == [reply["take_id"]]  # once, not again as the last run's
    assert errors == {}  # its end was told on the node as an error in take_ended
    assert status == 200
    assert [(t["client_take_id"], t.get("fate")) for t in listed["takes"]] == [("ends-mid-rebuild", "done")], listed
    assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
