"""A folder's file whose take the last run sent to Live and stopped before Live answered is read again at the next
start, and Live leaves the track that holds it as it is: not loaded, nor its clip fired, a second time.

The patch of docs/ableton.md (a folder source, a fixed slot, ``ableton_live``) runs for real, over real UDP, to the
remote script against ``live_standin``'s Live (the one mock the project allows), whose display timer the test ticks:
not at all in the first run (a busy Live), which is stopped with the take waiting for Live's answer; then Live loads
it, late. Before, the folder source passed the file on again as any new file: ``ableton_live`` sent it without
``once``, and Live loaded it into the track again and fired its clip a second time. Now its take is "recovered" (as a
recorder's take redone after a crash), the console says so, and the script answers ``already``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import cast

import pytest

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import write_take

from .helpers import sine_take
from .live_standin import CInstance, Song, Track


def started(tmp_path: Path, port: int, normalized: bool = False) -> tuple[Engine, list[TakeEnded]]:
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(tmp_path / "inbox")}))
    patch.add_node(NodeSpec("slots", "fixed_slot", {"slot": "HH"}))
    patch.add_node(NodeSpec("live", "ableton_live", {"port": port, "fire": True, "answer_within": 30.0,
                                                     "folder": str(tmp_path / "live")}))
    if normalized:
        patch.add_node(NodeSpec("norm", "normalize", {}))
        patch.connect("inbox.take", "norm.take")
        patch.connect("norm.out", "slots.take")
    else:
        patch.connect("inbox.take", "slots.take")
    patch.connect("slots.assignment", "live.assignment")
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    return engine, ended


# normalized: the take processed on its way, and so a copy of it given to Live (named by the take's id), not the file.
# Read again under a new id, its copy had a new name: Live held the last run's copy, not this one, and loaded (and
# fired) it again.
@pytest.mark.parametrize("normalized", [False, True])
def test_a_file_sent_to_live_before_a_stop_and_read_again_is_not_loaded_nor_fired_twice(tmp_path: Path,
                                                                                      normalized: bool) -> None:
    (tmp_path / "inbox").mkdir()
    tracks = [Track("HH")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    try:
        engine, _ = started(tmp_path, surface.port, normalized)
        try:
            write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
            os.replace(tmp_path / "knock.wav", tmp_path / "inbox" / "knock.wav")  # dropped into the inbox
            deadline = time.monotonic() + 10
            while not engine.status.get("live", {}).get("slot") and time.monotonic() < deadline:
                time.sleep(0.01)
            assert engine.status["live"]["slot"] == "HH"  # sent; Live, busy, has not read it
        finally:
            engine.stop()
        surface.update_display()  # Live loads it now: its answer finds the patch gone
        assert tracks[0].clip_slots[0].has_clip and tracks[0].clip_slots[0].fired == 1

        engine, ended = started(tmp_path, surface.port, normalized)
        node = cast(AbletonLive, engine.node("live"))
        try:
            deadline = time.monotonic() + 10
            while not ended and time.monotonic() < deadline:
                surface.update_display()
                time.sleep(0.01)
            assert [event.reason for event in ended] == ["slot HH"]
            assert surface.loaded == 1 and tracks[0].clip_slots[0].fired == 1
            assert engine.status["inbox"].get("recovered") is True  # the console: "recovered from the last run"
        finally:
            engine.stop()
        address, (slot, path, how) = node.last_reply
        assert (address, slot, how) == ("/exsampling/loaded", "HH", "already"), node.last_reply
        # normalized: a copy for Live, under the name of the last run's (the take's id)
        assert Path(path).parent == (tmp_path / "live" if normalized else tmp_path / "inbox"), path
    finally:
        surface.disconnect()
