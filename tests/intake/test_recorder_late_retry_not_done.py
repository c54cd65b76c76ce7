"""A live edit that moved both a web recorder's folders, a phone's upload held past the stop's wait, its retry stored
anew by the rebuilt recorder: the late copy is to be written down as done in the old take folder, not passed on. Where
that folder's journal cannot be written (here made immutable, or read-only where not root), the late copy waited
there, not done, and the next start on the old folders passed it on: one take through the patch twice (the old state
folder's table of takes seen never had its phone take id: it was stored after the stop). Now its sidecar says it was
stored again (``"ended": {"fate": "duplicate"}``): the next start writes it down as done and passes it on not; and
the node tells so, naming both takes. Real HTTPS recorders run by an engine, the edit made with engine.update."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import PROCESSED_JOURNAL, TakeStore
from tests.waiting import wait_for

from .conftest import probe_of, registry
from .moved_rig import moved_folders, moved_patch, upload_held_at_look
from .test_recorder_state_file_locked import Lock
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def test_a_late_take_whose_retry_was_stored_is_passed_on_once_where_it_cannot_be_written_down(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    look, lock = HeldLook(), Lock()
    old = TakeStore(tmp_path / "takes")
    try:
        with moved_folders(tmp_path, recorder_state, monkeypatch, look) as rig:
            journal = tmp_path / "takes" / PROCESSED_JOURNAL
            journal.touch()
            lock(journal)
            with upload_held_at_look(rig.phone, look, TAKE) as answers:
                rig.edit("takes-moved")
                again = rig.retry_phone().upload(TAKE, take_id="held")
            assert again[0] == 201, again  # stored anew by the rebuilt recorder: the first is still held
            assert answers and answers[0][0] == 201, answers  # the late copy, stored in the old folder after the stop
            late, retried = answers[0][1]["take_id"], again[1]["take_id"]
            told = f"take {late} (stored again as take {retried}) could not be written down as done"
            assert wait_for(lambda: told in rig.engine.errors.get("rec", ""), 30), rig.engine.errors
            assert "not passed on at the next start either" in rig.engine.errors["rec"]
            assert rig.received() == [retried]
            assert late in {data["take_id"] for _, data in old.unfinished()}  # not written down: the journal is locked
    finally:
        lock.undo()
    # The next start on the old folders (the edit undone): the late copy is written down as done, not passed on.
    engine = Engine(registry(), base_dir=tmp_path)
    engine.start(moved_patch(tmp_path, tmp_path / "state", "takes"))
    try:
        assert wait_for(lambda: late in old.processed_ids(), 30), "the late copy was never written down as done"
        assert engine.wait_idle(10, settle=0.3)
        assert [take.take_id for _, take in probe_of(engine).received] == []  # before: [late], a second time
        assert "rec" not in engine.errors, engine.errors
    finally:
        engine.stop()
