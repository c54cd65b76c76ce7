"""An upload whose take is stored after its recorder's stop gave up waiting for it (``STOP_WAIT``), while a live edit
rebuilds that recorder: the rebuilt one had listed the take folder's unfinished takes before the take was there, and
the take stayed on disk, its phone told it was received, passed on only at the next start. It is handed on to the
rebuilt recorder, which passes it on now, once. A real HTTPS recorder run by an engine, the edit made with
engine.update; the take folder's look at its free space held until the rebuilt recorder runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.takes import TakeStore

from .conftest import probe_of
from .rebuilt_rig import LateUpload
from .test_recorder_stop_mid_upload import TAKE


def test_a_take_stored_after_the_stop_of_a_rebuilt_recorder_is_passed_on_now(tmp_path: Path, recorder_state: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    with LateUpload(tmp_path, recorder_state, monkeypatch) as late:
        late.upload(TAKE, "late-in-edit")
        late.rebuild()
        late.goes_on()  # the old recorder's request goes on: its take is stored after its stop
        answers = late.answers
        assert answers and answers[0][0] == 201, answers
        taken = probe_of(late.engine).wait_for(1)
        assert late.engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(late.engine).received]
    assert [take.take_id for take in taken] == [answers[0][1]["take_id"]]
    assert len(received) == 1  # once
    store = TakeStore(tmp_path / "takes")
    assert answers[0][1]["take_id"] in store.processed_ids() and not store.unfinished()  # ended, written down as done
