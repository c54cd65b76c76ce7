"""A phone take id the recorder cannot write down (its state folder's disk full) is told once, naming the take, and
not again, naming nothing, at the node's stop; nor can it raise out of the recovery of a take found unreadable.

Found with the state folder on a full 400 kB tmpfs (2026-12-05): after each take's "the recorder's state could not be
written (...seen-takes.jsonl: No space left on device): a retry of take X ...", stopping the patch said "error in node
'rec' in stop(): OSError: [Errno 28] No space left on device": the lines left in the file's buffer, failing again as
it closed (and the phones' list file was then left open). Here the open file's descriptor is made /dev/full's.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime import NodeError
from exsampling_patch.runtime.events import TakeEnded
from exsampling_patch.takes import DAMAGED_FOLDER

from .conftest import (
    make_full,
    needs_dev_full,
    probe_of,
    rec_of,
    recorder_engine,
    sine,
    stored_not_done,
    take_with_a_full_file,
)


@needs_dev_full
def test_a_take_id_not_written_down_is_told_once_and_not_again_at_the_stop(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with take_with_a_full_file(tmp_path, SEEN_FILE) as (_, reply, events):
        pass  # the stop, where the lines left in the state file's buffer failed again
    errors = [(e.during, e.error) for e in events if isinstance(e, NodeError)]
    assert errors == [("", f"the recorder's state could not be written ({state / SEEN_FILE}: No space left on device):"
                           f" a retry of take {reply['take_id']} after a restart would be stored again")], errors


@needs_dev_full
def test_a_lost_takes_withdrawal_not_written_down_is_told_and_the_take_still_set_aside(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A stored take found unreadable when read again has its phone take id withdrawn, written down: on a full disk
    that raised out of the recovery thread ("OSError: [Errno 28] No space left on device", naming nothing), and the
    take was never set aside nor its end told (its row said "received" for good). Here its samples are NaN (a header
    that reads whole, audio that does not), and the table's open file is made /dev/full's before it is read."""
    state = tmp_path / "state"
    _, first = stored_not_done(tmp_path, state, encode_wav_pcm16(sine(), 48000), "Phone 6", "full-lost-1")
    stored = tmp_path / "takes" / f"{first['take_id']}.wav"
    sf.write(stored, np.full(4800, np.nan, dtype=np.float32), 48000, subtype="FLOAT")
    full = threading.Event()
    recover = WebRecorder._recover

    def held_back(self: WebRecorder) -> None:
        full.wait(10)
        recover(self)

    monkeypatch.setattr(WebRecorder, "_recover", held_back)
    events: list[Any] = []
    engine = recorder_engine(tmp_path, state, events=events, https=False)
    try:
        make_full(state / SEEN_FILE)
        full.set()
        assert engine.wait_idle(10, settle=0.3)
        row = next(row for row in rec_of(engine).takes("Phone 6") if row["take_id"] == first["take_id"])
    finally:
        full.set()
        engine.stop()
    errors = [e.error for e in events if isinstance(e, NodeError)]
    assert errors[0] == (f"the recorder's state could not be written ({state / SEEN_FILE}: No space left on device): "
                         f"after a restart, the phone's retry of take {first['take_id']} would be answered as already "
                         "received, not stored"), errors
    assert len(errors) == 2 and "stored take unreadable" in errors[1], errors
    assert row["fate"] == "error" and "unreadable" in row["end"], row
    assert [e.take_id for e in events if isinstance(e, TakeEnded)] == [first["take_id"]]
    assert not stored.exists() and (tmp_path / "takes" / DAMAGED_FOLDER / stored.name).exists()


@needs_dev_full
def test_a_stored_takes_id_not_written_down_at_a_start_is_told_and_the_recorder_starts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At a start, a stored take not yet done has its phone take id written down again before the server listens:
    on a full disk that raised out of the node's start, and the recorder did not start at all (no phone could send
    anything) for a line it can do without. Here the table's open file is made /dev/full's as the start gets there."""
    state = tmp_path / "state"
    _, first = stored_not_done(tmp_path, state, encode_wav_pcm16(sine(), 48000), "Phone 7", "full-start-1")
    (state / SEEN_FILE).unlink()  # as a kill between the take's storing and its id's line leaves it
    know = WebRecorder._know_unfinished

    def on_a_full_disk(self: WebRecorder) -> Any:
        make_full(state / SEEN_FILE)
        return know(self)

    monkeypatch.setattr(WebRecorder, "_know_unfinished", on_a_full_disk)
    events: list[Any] = []
    engine = recorder_engine(tmp_path, state, check=False, events=events, https=False)
    try:
        assert engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(engine).received]
    finally:
        engine.stop()
    errors = [e.error for e in events if isinstance(e, NodeError)]
    assert errors == [f"the recorder's state could not be written ({state / SEEN_FILE}: No space left on device): a "
                      f"retry of take {first['take_id']} after a restart would be stored again"], errors
    assert received == [first["take_id"]]  # passed on again, as on any start
