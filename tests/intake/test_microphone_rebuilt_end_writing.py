"""A take whose end the microphone a live edit replaces is still writing down as the rebuilt node's start lists its
take folder: the runtime read the old node from its cell and called its take_ended, which waited on a slow disk; the
swap stopped that node and started the new one, whose start read the journal (the take not done), then the old node
wrote the end down and forgot the take as passed on, and the listing, asking only then whether the take was passed on
in this run, found it not and passed it on again: through the patch twice (loaded twice). The takes passed on are now
looked at before the journal is read.

A real engine, the edit made with engine.update; the microphone records from the JACK dummy server (nothing is
played: the take is one stored before the engine's start, which the first start passes on as the last run's)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from exsampling_patch.nodes import microphone
from exsampling_patch.takes import TakeStore

from .rebuilt_rig import EndsBeforeStart, WritingWhileListing, idle_errors
from .test_microphone_rebuilt import mic_patch, started, stored_take

pytestmark = pytest.mark.jack


def test_a_take_whose_end_the_replaced_microphone_writes_as_the_new_one_lists_goes_through_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(microphone, "TakeStore", WritingWhileListing)  # the store the microphone's start makes
    folder = tmp_path / "takes"
    take_id = stored_take(folder)
    engine, holds = started(folder, tmp_path)
    letting_go = threading.Thread()
    try:
        assert [take.take_id for take in holds.wait_for(1)] == [take_id]
        old = engine.node("mic")
        assert isinstance(old, EndsBeforeStart)
        with WritingWhileListing.arm(old) as race:
            letting_go = threading.Thread(target=holds.let_go)  # its end is told to the old node on this thread
            letting_go.start()
            assert race.writing.wait(20)  # the old node's take_ended is writing the end down
            assert engine.update(mic_patch(folder, warn_free_mb=1.0)) is not None  # another setting: rebuilt
            assert engine.node("mic") is not old
        assert race.read.is_set() and old.told.is_set()  # the end was written down as the new node listed
        errors = idle_errors(engine)
    finally:
        if letting_go.is_alive():
            letting_go.join(30)
        engine.stop()
    assert [take.take_id for take in holds.held] == [take_id]  # once, not again as the last run's
    assert errors == {}
    assert take_id in TakeStore(folder).processed_ids()
