"""A take stored after the stop of the web recorder a live edit rebuilt (the stop gave up waiting for its upload) is
handed on to the rebuilt one and passed on as the takes its start found are: told "recovered", the console said
", recovered from the last run" and run's summary counted it among those, though it was recorded seconds before in
this run. It is passed on as this run's. A real HTTPS recorder run by an engine, the edit made with engine.update; the
take folder's look at its free space held until the rebuilt recorder runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.take_words import take_name
from exsampling_patch.runtime.events import NodeStatus

from .conftest import probe_of
from .rebuilt_rig import LateUpload, console_text
from .test_recorder_stop_mid_upload import TAKE


def test_a_take_handed_on_late_in_an_edit_is_not_told_recovered(tmp_path: Path, recorder_state: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    events: list[Any] = []
    with LateUpload(tmp_path, recorder_state, monkeypatch, events) as late:
        late.upload(TAKE, "late-not-recovered")
        edited = late.rebuild()
        late.goes_on()  # the old recorder's request goes on: its take is stored after its stop
        taken = probe_of(late.engine).wait_for(1)
        assert late.engine.wait_idle(10, settle=0.3)
    answers = late.answers
    assert answers and answers[0][0] == 201, answers
    take_id = answers[0][1]["take_id"]
    assert [take.take_id for take in taken] == [take_id]
    assert not taken[0].meta.get("recovered")
    assert not [e for e in events if isinstance(e, NodeStatus) and e.status.get("recovered")]
    printed = console_text(edited, events)
    # the take's line names it by its id's last part (14696df)
    assert f"{take_name(take_id, 'Mika')} from Mika" in printed and "recovered" not in printed, printed
