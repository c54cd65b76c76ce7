"""Two engines in one process, each with a web recorder ``rec``: a take stored late by engine A's ``rec`` after a live
edit moved both its folders goes to A's rebuilt ``rec``, not to B's.

The recorder of a late take's id (:mod:`.late`, both folders moved) was looked up by the id alone, one table for the
process: B's ``rec``, started after A's edit, took the place of A's rebuilt one there, and A's take went through B's
patch (its probe), A's never. Now keyed by the run too. Real HTTPS recorders run by two engines, the edit made with
engine.update."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, registry
from .moved_rig import held_look_on, moved_patch, upload_held_at_look
from .test_recorder_stop_mid_upload import TAKE


def test_a_late_take_goes_to_its_own_engines_recorder_of_its_id(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, moved, other = tmp_path / "state", tmp_path / "state-moved", tmp_path / "state-b"
    look = held_look_on(monkeypatch, recorder_state, state, moved, other)
    engine_a, engine_b = Engine(registry(), base_dir=tmp_path), Engine(registry(), base_dir=tmp_path)
    engine_a.start(moved_patch(tmp_path, state, "takes"))
    try:
        phone = Client(engine_a, state / "recorder-cert.pem")
        with upload_held_at_look(phone, look, TAKE) as answers:
            assert engine_a.update(moved_patch(tmp_path, moved, "takes-moved")) is not None
            engine_b.start(moved_patch(tmp_path, other, "takes-b"))  # another patch's "rec", started since
        assert answers and answers[0][0] == 201, answers  # stored in the old take folder, after the stop
        reached_a = probe_of(engine_a).wait_for(1)
        assert engine_a.wait_idle(10, settle=0.1) and engine_b.wait_idle(10, settle=0.1)
        in_b = [take.take_id for _, take in probe_of(engine_b).received]
    finally:
        engine_b.stop()
        engine_a.stop()
    first = answers[0][1]["take_id"]
    assert [take.take_id for take in reached_a] == [first], reached_a  # through its own patch
    assert in_b == [], in_b  # never through the other engine's
    assert first in TakeStore(tmp_path / "takes").processed_ids()
