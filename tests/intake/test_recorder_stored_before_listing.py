"""A take the web recorder a live edit replaced stores after its stop gave up on the upload, but before the rebuilt
recorder's start lists the take folder: the listing found it, not done and never passed on, and passed it on as the
last run's: told "recovered" (its meta, its status, the console's ", recovered from the last run", run's summary),
though recorded seconds before in this run; the replaced node's hand-on, coming after, found it known already. A take
stored in this run is now told so whichever way it is passed on. A real HTTPS recorder in an engine, the edit made with
engine.update; the upload's look at the disk held until the new node, in its cell, is not started yet, then let go and
its answer waited for (the take stored) before that start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.take_words import take_name
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.runtime.events import NodeStatus

from .conftest import probe_of
from .rebuilt_rig import EndsBeforeStart, LateUpload, console_text, hooked
from .test_recorder_stop_mid_upload import TAKE


class ListsAfterHook(EndsBeforeStart, WebRecorder):
    """A web recorder that calls the test's hook from its prepare(), before its start lists the take folder."""

    type_name = "test_rec_lists_after_hook"


def test_a_take_stored_after_the_stop_and_before_the_new_listing_is_not_told_recovered(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[Any] = []
    with LateUpload(tmp_path, recorder_state, monkeypatch, events) as late:
        late.engine.registry.register(ListsAfterHook, "tests")
        late.upload(TAKE, "stored-before-listing")
        stored_first: list[bool] = []

        def store_the_take(new: WebRecorder) -> None:  # in its cell, not started: it has not listed the folder
            late.goes_on()  # the old recorder stores the take (its stop is over) and answers
            stored_first.append(bool(late.answers))

        with hooked(ListsAfterHook, "at_prepare", store_the_take):
            edited = late.rebuild(ListsAfterHook.type_name)
        assert stored_first == [True]
        taken = probe_of(late.engine).wait_for(1)
        assert late.engine.wait_idle(10, settle=0.3)
    assert late.answers[0][0] == 201, late.answers
    take_id = late.answers[0][1]["take_id"]
    assert [take.take_id for take in taken] == [take_id]  # found by the listing, passed on once
    assert not taken[0].meta.get("recovered")
    assert not [e for e in events if isinstance(e, NodeStatus) and e.status.get("recovered")]
    printed = console_text(edited, events)
    # the take's line names it by its id's last part (14696df)
    assert f"{take_name(take_id, 'Mika')} from Mika" in printed and "recovered" not in printed, printed
