"""Two web recorders of different ids on one state folder, one of them removed or rebuilt on another take folder by a
live edit while a phone's upload to it is held past the stop's wait (``STOP_WAIT``): the take, stored after that stop
in a take folder no recorder runs on, is handed on by its state folder to the recorder of its id only.

ddfb3fa8 handed it to whichever recorder ran on the state folder: where the edit removed the recorder, the other one,
of another id, passed the take on through its own outputs, which lead elsewhere. Now (749e27c8) that one leaves it on
disk, not done, for the next run on its take folder; the recorder the edit rebuilt with the same id still takes it
on. Real HTTPS recorders run by an engine, the edit made with engine.update."""

from __future__ import annotations

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


def _patch(tmp_path: Path, state: Path, rec: str | None = "takes", warn: float = 1.0) -> Patch:
    """``rec`` (on the take folder ``rec``; None: none) -> ``probe``, ``other`` (on ``other``, its ``warn_free_mb``
    ``warn``) -> ``seen``; one state folder."""
    patch = Patch()
    patch.add_node(NodeSpec("other", "web_recorder",
                            recorder_settings(tmp_path, state, folder=str(tmp_path / "other"), warn_free_mb=warn)))
    patch.add_node(NodeSpec("seen", "test_probe", {}))
    patch.connect("other.take", "seen.take")
    if rec is not None:
        patch.add_node(NodeSpec("rec", "web_recorder", recorder_settings(tmp_path, state, folder=str(tmp_path / rec))))
        patch.add_node(NodeSpec("probe", "test_probe", {}))
        patch.connect("rec.take", "probe.take")
    return patch


def _late_after(tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch, edited: Patch) -> tuple[Engine, Any]:
    """An engine running :func:`_patch`, a phone's upload to ``rec`` held at its look at the disk while ``edited``
    is swapped in, then let go (stored in ``tmp_path/takes`` after the old recorder's stop): the engine and the
    upload's answer."""
    look = HeldLook()
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
    engine = Engine(registry(), base_dir=tmp_path)
    engine.start(_patch(tmp_path, state, warn=2.0))
    # "other" rebuilt: started after "rec", whichever the engine's start took first (a hand-on keyed by the state
    # folder alone went to the recorder started last on it)
    assert engine.update(_patch(tmp_path, state)) is not None
    assert not engine.errors, engine.errors
    phone = Client(engine, state / "recorder-cert.pem")
    answers: list[tuple[int, Any]] = []
    look.hold()
    sending = threading.Thread(target=lambda: answers.append(phone.upload(TAKE, take_id="held")))
    sending.start()
    try:
        assert look.looking.wait(30), "the recorder never looked at its disk for the take"
        assert engine.update(edited) is not None
    finally:
        look.release()
        sending.join(30)
    assert answers and answers[0][0] == 201, answers  # stored in the old take folder, after the stop
    return engine, answers[0][1]


def test_a_late_take_of_a_removed_recorder_is_not_passed_on_by_another(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, reply = _late_after(tmp_path, recorder_state, monkeypatch, _patch(tmp_path, recorder_state, rec=None))
    try:
        assert engine.wait_idle(10, settle=0.3)
        seen = [take.take_id for _, take in probe_of(engine, "seen").received]
    finally:
        engine.stop()
    assert seen == []  # not through the other recorder's outputs
    assert [data["take_id"] for _, data in TakeStore(tmp_path / "takes").unfinished()] == [reply["take_id"]]


def test_a_late_take_of_a_rebuilt_recorder_is_passed_on_by_it(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine, reply = _late_after(tmp_path, recorder_state, monkeypatch,
                                _patch(tmp_path, recorder_state, rec="moved"))
    try:
        assert probe_of(engine).wait_for(1)
        assert engine.wait_idle(10, settle=0.3)
        received = [take.take_id for _, take in probe_of(engine).received]
        seen = [take.take_id for _, take in probe_of(engine, "seen").received]
    finally:
        engine.stop()
    assert received == [reply["take_id"]] and seen == []  # by the recorder of its id, once
    old = TakeStore(tmp_path / "takes")
    assert reply["take_id"] in old.processed_ids() and not old.unfinished()
