"""The editor's Stop, an edit that moves both of a web recorder's folders, then Run: a take the stopped recorder
stores late (its stop gave up waiting on a slow disk) goes to the new run's recorder of its id.

Looked up in its run alone (:mod:`.late`), it reached none: the editor makes a new engine for each Run, with a new
context, and the take waited, not done, in a folder the patch no longer uses, while its phone was told it was
received. Now looked up in the same patch folder next. Real HTTPS recorder, two real engines as the editor makes."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, registry
from .moved_rig import held_look_on, moved_patch, upload_held_at_look
from .test_recorder_stop_mid_upload import TAKE


def test_a_take_stored_after_stop_reaches_the_next_runs_recorder(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, moved = tmp_path / "state", tmp_path / "state-moved"
    look = held_look_on(monkeypatch, recorder_state, state, moved)
    stopped, running = Engine(registry(), base_dir=tmp_path), Engine(registry(), base_dir=tmp_path)
    stopped.start(moved_patch(tmp_path, state, "takes"))
    try:
        phone = Client(stopped, state / "recorder-cert.pem")
        with upload_held_at_look(phone, look, TAKE) as answers:
            stopped.stop()  # the editor's Stop
            running.start(moved_patch(tmp_path, moved, "takes-moved"))  # both folders edited, then Run: a new engine
        assert answers and answers[0][0] == 201, answers  # stored in the old take folder, after the stop
        reached = probe_of(running).wait_for(1, 30)
    finally:
        running.stop()
        stopped.stop()
    first = answers[0][1]["take_id"]
    assert [take.take_id for take in reached] == [first], (reached, running.errors)
    assert first in TakeStore(tmp_path / "takes").processed_ids()  # written down as done where it is stored
