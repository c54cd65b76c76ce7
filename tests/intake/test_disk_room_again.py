"""A take folder's disk back above ``warn_free_mb`` ends its "filling up" warning, and the console says there is room
again, once: the web recorder's and the microphone's alike; a warning the node told since is left standing.

Before, the watch sent ``disk_low=False`` but never ended the warning: the editor's node line kept "warning: the take
folder's disk is filling up: 500 MB free" after room was made. The disk's free space is the seam the other disk tests
set (``disk_space.disk_free``: a real disk's moves as others write).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.node import Node, NodeContext
from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.microphone_room import TakeRoom
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16

from .conftest import Client, recorder_console, recorder_engine, sine

MB = 10**6


def free_space(monkeypatch: pytest.MonkeyPatch, mb: float) -> list[float]:
    free = [mb]
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: int(free[0] * MB))
    return free


def test_the_recorders_filling_disk_warning_ends_once_there_is_room(tmp_path: Path, recorder_state: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    free = free_space(monkeypatch, 10_000)
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, events=events, warn_free_mb=1000.0, min_free_mb=100.0)
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        wav = encode_wav_pcm16(sine(), 48000)
        free[0] = 500
        assert client.upload(wav, take_id="r1")[0] == 201
        assert "disk is filling up: 500 MB free" in engine.status["rec"]["warning"], engine.status["rec"]
        free[0] = 5000  # room made
        assert client.upload(wav, take_id="r2")[0] == 201
        assert client.upload(wav, take_id="r3")[0] == 201
        status = engine.status["rec"]
        assert status["warning"] == "" and status["disk_low"] is False, status
    finally:
        engine.stop()
    printed = recorder_console(events)
    said = [line for line in printed.splitlines() if "room again" in line]
    assert len(said) == 1 and said[0].endswith(  # once, not at each take
        f" node 'rec': the take folder's disk has room again: 5000 MB free ({tmp_path / 'takes'})"), said


class Mic(Node):
    """A node to report on, as the microphone does: its ``report_status`` and the warning its line shows."""

    type_name = "test_disk_room_mic"


def test_the_microphones_disk_warning_ends_but_not_one_told_since(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    free = free_space(monkeypatch, 1500)
    context = NodeContext(tmp_path)
    node = Mic("mic", {}, context)
    room = TakeRoom(tmp_path, 2000.0, 200.0, 100.0, lambda take: take, node.report_error, node.report_status,
                    lambda take_id, why: None, shown=lambda: node.shown_warning)
    room.watch()
    assert context.statuses[-2:] == [{"warning": f"the take folder's disk is filling up: 1500 MB free ({tmp_path})"},
                                     {"disk_free_mb": 1500, "disk_low": True}], context.statuses
    free[0] = 5000
    room.watch()
    assert context.statuses[-1] == {"disk_free_mb": 5000, "disk_low": False, "warning": "", "disk_room": (
        f"the take folder's disk has room again: 5000 MB free ({tmp_path})")}, context.statuses
    assert node.shown_warning == ""
    told = len(context.statuses)
    room.watch()
    assert len(context.statuses) == told  # told once
    free[0] = 150  # filling again, then nearly full; then another warning of the node's, which stands
    room.watch()
    assert "nearly full: 150 MB free" in node.shown_warning
    node.report_status(warning="a take of 0.50 s was lost: the node stopped")
    free[0] = 5000
    room.watch()
    assert "warning" not in context.statuses[-1] and "room again" in context.statuses[-1]["disk_room"]
    assert node.shown_warning == "a take of 0.50 s was lost: the node stopped"
    assert context.errors == []
