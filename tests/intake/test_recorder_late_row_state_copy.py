"""A take that ends after its web recorder's stop (a late row), the recorder running on a temporary copy of a state
folder it cannot write (:func:`.folders.state_folder`): the copy is removed at the stop, so the row was appended to a
file no longer there ("No such file or directory: /tmp/exsampling-recorder-..."), told as a row the disk refused.

A live edit that renames the recorder: the row goes to the recorder started on the same state folder (its table, on a
copy of its own). The patch's stop: no recorder runs on the folder, the row is not kept, as none of the run's rows
are, and the log says so in those words. A real HTTPS recorder in an engine, the state folder locked as
test_recorder_state_not_writable does (as root, a tmpfs remounted read-only)."""

from __future__ import annotations

import logging
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.events import TakeEnded

from .conftest import rec_of, recorder_engine
from .rebuilt_rig import HoldFirst, holding_recorder, idle_errors, recorder_patch, recorder_settings, upload_held


def locked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lock: Callable[[], None], state: Path) -> None:
    """The state folder ``state`` with a certificate and pairing token, then locked; the runs' copies of it under
    ``tmp_path``."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    recorder_engine(tmp_path, state).stop()
    lock()


def test_a_late_row_goes_to_the_recorder_a_rename_started_on_the_same_state_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        lockable_state: tuple[Path, Callable[[], None]]) -> None:
    state, lock = lockable_state
    locked(tmp_path, monkeypatch, lock, state)
    with holding_recorder(tmp_path, recorder_patch(tmp_path)) as (engine, hold, phone):
        assert rec_of(engine)._spare is not None, engine.errors  # on a copy of its state
        take_id = upload_held(phone, hold, "late-1")["take_id"]
        renamed = Patch()
        renamed.add_node(NodeSpec("rec2", "web_recorder", recorder_settings(tmp_path)))
        renamed.add_node(NodeSpec("hold", HoldFirst.type_name, {}))
        renamed.connect("rec2.take", "hold.take")
        assert engine.update(renamed) is not None
        new = rec_of(engine, "rec2")
        assert new._spare is not None  # on a copy of its own
        hold.release.set()  # the take ends, told to the recorder the edit removed
        errors = idle_errors(engine)
        rows = [(r["take_id"], r.get("fate")) for _, r in new._ends.rows()]
        copy = (new._spare / "phone-takes.jsonl").read_text(encoding="utf-8")
    assert not any("could not be saved" in error for error in errors.values()), errors
    assert (take_id, "done") in rows, rows
    assert f'"take_id":"{take_id}"' in copy


def test_a_late_row_after_the_patch_s_stop_is_told_not_kept(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
        lockable_state: tuple[Path, Callable[[], None]]) -> None:
    state, lock = lockable_state
    locked(tmp_path, monkeypatch, lock, state)
    ended: list[Any] = []
    with holding_recorder(tmp_path, recorder_patch(tmp_path), observer=ended.append) as (engine, hold, phone):
        take_id = upload_held(phone, hold, "late-1")["take_id"]
        rec = rec_of(engine)
        caplog.set_level(logging.WARNING, "exsampling.web_recorder")
        stopping = threading.Thread(target=engine.stop, kwargs={"timeout": 20.0})  # Ctrl+C, the take in flight
        stopping.start()
        while stopping.is_alive() and rec._spare is not None and rec._spare.exists():
            time.sleep(0.01)
        assert rec._spare is not None and not rec._spare.exists()  # the recorder stopped, its copy removed
        hold.release.set()
        stopping.join(30)
        errors = dict(engine.errors)
    assert [e.take_id for e in ended if isinstance(e, TakeEnded)] == [take_id]  # its end told all the same
    assert not any("could not be saved" in error for error in errors.values()), errors  # no such file: /tmp/...
    words = [r.getMessage() for r in caplog.records if take_id in r.getMessage()]
    assert len(words) == 1, words
    assert "not kept" in words[0] and str(state) in words[0] and "could not be written" in words[0], words
    assert "/temp/" not in words[0]  # no temporary copy named
