"""Two engines in one process, each with a web recorder ``rec``: a take stored late by engine A's ``rec`` after a live
edit moved both its folders goes to A's rebuilt ``rec``, not to B's.

The recorder of a late take's id (:mod:`.late`, both folders moved) was looked up by the id alone, one table for the
process: B's ``rec``, started after A's edit, took the place of A's rebuilt one there, and A's take went through B's
patch (its probe), A's never. Now keyed by the run too. Real HTTPS recorders run by two engines, the edit made with
engine.update."""

from __future__ import annotations

import shutil
import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, registry
from .rebuilt_rig import recorder_settings
from .test_recorder_stop_mid_upload import TAKE
from .test_recorder_stored_after_stop_wait import HeldLook


def _patch(tmp_path: Path, state: Path, takes: str) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", recorder_settings(tmp_path, state, folder=str(tmp_path / takes))))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("rec.take", "probe.take")
    return patch


def test_a_late_take_goes_to_its_own_engines_recorder_of_its_id(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, moved, other = tmp_path / "state", tmp_path / "state-moved", tmp_path / "state-b"
    for copy in (state, moved, other):
        shutil.copytree(recorder_state, copy)  # its certificate made once for the tests
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
    engine_a, engine_b = Engine(registry(), base_dir=tmp_path), Engine(registry(), base_dir=tmp_path)
    engine_a.start(_patch(tmp_path, state, "takes"))
    answers: list[tuple[int, Any]] = []
    try:
        phone = Client(engine_a, state / "recorder-cert.pem")
        look.hold()
        sending = threading.Thread(target=lambda: answers.append(phone.upload(TAKE, take_id="held")))
        sending.start()
        try:
            assert look.looking.wait(30), "the recorder never looked at its disk for the take"
            assert engine_a.update(_patch(tmp_path, moved, "takes-moved")) is not None
            engine_b.start(_patch(tmp_path, other, "takes-b"))  # another patch's "rec", started since
        finally:
            look.release()
            sending.join(30)
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
