"""A load that went nowhere while Live's remote script was down is not sent again over a newer take of its slot.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows), its
datagrams read as its display timer would, the ping's and the newer load's handled on one tick. Before, the pong to
a ping sent after the lost load sent that load again at once, after the newer one (``once`` left the track alone
only if it held the lost load's own file, and it held the newer one's): Live ended with the older sound, and the
older take ended "slot HH" after the newer one.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable
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

from .helpers import sine_take
from .helpers import wait_for as ticked_wait
from .live_standin import CInstance, Song, Track


def wait_for(done: Callable[[], bool], tick: Callable[[], None] = lambda: None, timeout: float = 30.0) -> None:
    ticked_wait(done, tick, timeout)


def test_a_missed_load_is_not_sent_again_after_a_newer_take_of_its_slot(tmp_path: Path) -> None:
    first = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    port = first.port
    patch = Patch()
    # answer_within far past the test: no load is told overdue, none sent again but at a pong
    patch.add_node(NodeSpec("live", "ableton_live", {"port": port, "answer_within": 60.0,
                                                     "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    tracks = [Track("HH")]
    again = None
    came: list[tuple[bytes, Any]] = []  # what reached the new script, not handled yet

    def arrived(address: str) -> None:
        assert again is not None and again._sock is not None
        deadline = time.monotonic() + 30
        while not any(osc.decode(data)[0] == address for data, _ in came):
            assert time.monotonic() < deadline, came
            if select.select([again._sock], [], [], 0.1)[0]:
                came.append(again._sock.recvfrom(65536))

    older = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    newer = write_take(sine_take(660.0, seconds=0.2), tmp_path / "snap.wav")
    try:
        first.disconnect()  # Live loads another set: its script goes ...
        engine.inject("live", "assignment", SlotAssignment("HH", older, "knock", 0.9))
        wait_for(lambda: engine.status.get("live", {}).get("slot") == "HH")  # ... and this load finds nobody
        again = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)  # the script anew
        arrived("/exsampling/ping")  # sent after the lost load
        engine.inject("live", "assignment", SlotAssignment("HH", newer, "snap", 0.9))
        arrived("/exsampling/load")  # the newer take's, sent before the ping's pong is read
        for data, sender in came:  # Live's display tick: the ping first, then the newer load
            again.handle(data, sender)
        wait_for(lambda: len(ended) == 2, tick=again.update_display)
    finally:
        engine.stop()
        first.disconnect()
        if again is not None:
            again.disconnect()
    loads = [args for address, args in map(osc.decode, (data for data, _ in came)) if address == "/exsampling/load"]
    assert len(loads) == 1 and "snap" in loads[0][2]
    clip = tracks[0].clip_slots[0].clip
    assert clip is not None and clip.file_path == loads[0][1]  # the newer take's file, not the older's over it
    assert {end.take_id: end.reason for end in ended} == {
        older.take_id: "slot HH, not loaded into Live: a newer take of HH went instead",
        newer.take_id: "slot HH"}


def test_a_load_sent_after_one_loaded_since_is_not_sent_again() -> None:
    # Sent before a ping, a newer load of its slot sent (and loaded) in between: the pong sends neither.
    answers = LiveAnswers(within=60.0)
    lost, loaded = Waiting("HH", "/a.wav", "a", 10.0), Waiting("HH", "/b.wav", "b", 11.0)
    other = Waiting("Snare", "/c.wav", "c", 11.5)
    for waiting in (lost, loaded, other):
        answers.sent(waiting)
    assert answers.answered("HH", "/b.wav") == (loaded, False)
    assert answers.missed(before=12.0) == ([other], [lost])
    assert answers.unanswered() == []


def test_a_slots_lost_load_is_not_sent_again_once_a_newer_one_of_it_loaded() -> None:
    # Told overdue, then a newer load of its slot sent before the older one's overdue mark, and loaded.
    answers = LiveAnswers(within=0.5)
    lost, loaded = Waiting("HH", "/a.wav", "a", 10.0), Waiting("HH", "/b.wav", "b", 10.2)
    answers.sent(lost)
    answers.sent(loaded)
    assert answers.overdue(10.6) == [lost]
    assert answers.answered("HH", "/b.wav") == (loaded, False)
    assert answers.to_send_again(before=12.0) == []
