"""``ableton_live`` keeps, at its stop, the newest take of each slot Live never got, and sends it at the next start's
first answer from Live: a take told "not loaded" has ended, and no source passes it on again.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows). Before,
a Live down when the patch stopped (it crashed; the performer restarts both) got none of the takes it had missed.
"""

from __future__ import annotations

import socket
from pathlib import Path

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take
from tests.stage.helpers import free_port

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track


def test_takes_live_never_got_are_kept_at_the_stop_and_sent_at_the_next_start(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    params = {"port": port, "answer_within": 0.3, "folder": str(tmp_path / "live")}
    first, second = NodeContext(), NodeContext()
    node = AbletonLive("live", params, first)
    node.start()
    older = write_take(sine_take(330.0, seconds=0.2), tmp_path / "older.wav")
    knock = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    bell = write_take(sine_take(220.0, seconds=0.2), tmp_path / "bell.wav")
    try:
        wait_for(lambda: node.link.silent)  # no Live on the port
        node.on_assignment(SlotAssignment("HH", older, "older", 0.9))
        node.on_assignment(SlotAssignment("HH", knock, "knock", 0.9))  # the newest of HH: the older is not kept
        node.on_assignment(SlotAssignment("Snare", bell, "bell", 0.9))
    finally:
        node.stop()
    assert [s["unsent"] for s in first.statuses if "unsent" in s] == [2]  # the run's summary says them
    tracks = [Track("HH"), Track("Snare")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)  # Live opened, then the patch
    node = AbletonLive("live", params, second)
    node.start()
    try:
        wait_for(lambda: node.loaded == 2, tick=surface.update_display)
        held = [slot.clip.file_path if slot.clip is not None else None
                for slot in (track.clip_slots[0] for track in tracks)]
        assert held == [str(knock.path), str(bell.path)]
        told = [s["live_answers"] for s in second.statuses if "live_answers" in s]
        assert told == [f"127.0.0.1:{port}; sent again: {knock.name} (HH, kept at the last stop), {bell.name} (Snare, "
                        "kept at the last stop)"], told
    finally:
        node.stop()
        surface.disconnect()
    assert not [s for s in second.statuses if "unsent" in s]
    assert not list((tmp_path / "live").glob(".unloaded-*"))  # sent: not kept again


def test_a_damaged_line_of_the_kept_takes_is_told_and_the_others_go(tmp_path: Path) -> None:
    knock = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    folder = tmp_path / "live"
    folder.mkdir()
    kept = folder / ".unloaded-live.jsonl"
    kept.write_text('{"name": "knock.wav", "key": "", "args": ["HH", "' + str(knock.path) + '", "knock", 0.0, 0, 0]}\n'
                    '{"name": "bell.wav", "key": "", "ar\n', encoding="utf-8")  # damaged (edited by hand, a disk fault)
    tracks = [Track("HH")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    context = NodeContext()
    node = AbletonLive("live", {"port": surface.port, "folder": str(folder)}, context)
    node.start()
    try:
        wait_for(lambda: node.loaded == 1, tick=surface.update_display)
        clip = tracks[0].clip_slots[0].clip
        assert clip is not None and clip.file_path == str(knock.path)
        assert [s["warning"] for s in context.statuses if s.get("warning")] == [
            f"{kept}, line 2: not a take kept for Live (damaged?); left out"]
    finally:
        node.stop()
        surface.disconnect()
    assert not kept.exists()
