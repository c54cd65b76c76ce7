"""Live refusing the newer of two takes of a slot in flight tells that take refused, not the older one.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows), its
datagrams read as its display timer would. The older take's load finds no script (Live loading another set); the
newer one's reaches the script anew, and its file is gone, so the script refuses it. Before, the script's error named
the slot alone, and the node matched it to the slot's oldest load in flight: the older take ended "not loaded" with
the newer one's reason (and never went to Live), the newer one waited on. The script's error now names the path.
"""

from __future__ import annotations

import select
import time
from pathlib import Path
from typing import Any

import exsampling_ableton_remote as ableton_remote
from exsampling_ableton_remote import osc
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.live_answers import LiveAnswers, Waiting
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import write_take

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track


def test_the_newer_take_live_refused_is_told_refused_and_the_older_one_goes_on(tmp_path: Path) -> None:
    first = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    port = first.port
    patch = Patch()
    # answer_within far past the test: no load is told overdue
    patch.add_node(NodeSpec("live", "ableton_live", {"port": port, "answer_within": 60.0,
                                                     "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    tracks = [Track("HH")]
    again = None
    older = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    newer = write_take(sine_take(660.0, seconds=0.2), tmp_path / "snap.wav")
    try:
        first.disconnect()  # Live loads another set: its script goes ...
        engine.inject("live", "assignment", SlotAssignment("HH", older, "knock", 0.9))
        wait_for(lambda: engine.status.get("live", {}).get("slot") == "HH")  # ... and this load finds nobody
        again = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)  # the script anew
        engine.inject("live", "assignment", SlotAssignment("HH", newer, "snap", 0.9))
        load: tuple[bytes, Any] | None = None
        deadline = time.monotonic() + 30
        while load is None:  # the pings that came first are left unread: Live still loading the set
            assert time.monotonic() < deadline
            if select.select([again._sock], [], [], 0.1)[0]:
                data, sender = again._sock.recvfrom(65536)
                if osc.decode(data)[0] == "/exsampling/load":
                    load = data, sender
        path = Path(str(osc.decode(load[0])[1][1]))
        path.unlink()  # the newer take's file gone: the script refuses it
        again.handle(*load)
        wait_for(lambda: len(ended) == 1)
        assert ended[0].take_id == newer.take_id
        assert ended[0].reason == f"slot HH, not loaded into Live's track 'HH': file not found: {path}"
        # The older take is still in flight: Live's next pong says its load went nowhere, and it goes again
        wait_for(lambda: len(ended) == 2, tick=again.update_display)
    finally:
        engine.stop()
        first.disconnect()
        if again is not None:
            again.disconnect()
    assert ended[1].take_id == older.take_id and ended[1].reason == "slot HH"
    clip = tracks[0].clip_slots[0].clip
    assert clip is not None and Path(clip.file_path).name == "knock.wav"


def test_an_error_that_names_its_path_answers_that_load_and_one_that_does_not_the_oldest() -> None:
    answers = LiveAnswers(within=60.0)
    lost, refused = Waiting("HH", "/a.wav", "a", 10.0), Waiting("HH", "/b.wav", "b", 11.0)
    for waiting in (lost, refused):
        answers.sent(waiting)
    assert answers.answered("HH", "/b.wav", refused=True) == (refused, False)
    assert answers.held() == []  # refused: not what the slot's track holds
    assert answers.answered("HH") == (lost, False)  # a script installed before: the slot's oldest
