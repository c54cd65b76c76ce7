"""``ableton_live`` sends each slot's take again to a Live that quit and was opened again: Live reopens its set as
last saved, without the takes loaded since, while the console said the slots held them. A take so sent again is
counted loaded once (``live_loaded``), whether Live loads it anew or kept it.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows), its
datagrams handled here as Live's display timer would. Before, only the takes Live had not answered went again at
its comeback: the track of a take it had loaded stayed empty in the reopened set.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import live_answers
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track
from .test_ableton_live_gone import pings


@pytest.fixture(autouse=True)
def quick_silence(monkeypatch: pytest.MonkeyPatch) -> None:
    """Live's silence told after twice ``answer_within`` (0.8 s here), not five times: 1.6 s of each test, not 4 s.
    No shorter: the test answers the node's pings and loads without a gap meanwhile, and a gap past 0.8 s (a load's
    own wait) fails it already. And a ping every 0.25 s, not every second: the test waits for pings it answers."""
    monkeypatch.setattr(live_answers, "QUIET_TIMES", 2)
    monkeypatch.setattr(live_answers, "PING_EVERY", 0.25)


def answers(context: NodeContext) -> int:
    """How many loads Live answered loaded (each answer's status carries ``live_loaded``)."""
    return sum("live_loaded" in status for status in context.statuses)


def last_count(context: NodeContext) -> object:
    """The takes loaded into Live as the node's last status said it."""
    return [status["live_loaded"] for status in context.statuses if "live_loaded" in status][-1]


def test_a_live_opened_again_gets_each_slots_take_it_had_loaded(tmp_path: Path) -> None:
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH"), Track("Snare")])), port=0)
    port = surface.port
    context = NodeContext()
    node = AbletonLive("live", {"port": port, "folder": str(tmp_path / "live"), "fire": True,
                                 "answer_within": 0.8}, context)
    node.start()
    back = None
    try:
        knock = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        older = write_take(sine_take(330.0, seconds=0.2), tmp_path / "older.wav")
        pings(surface, 2)
        node.on_assignment(SlotAssignment("HH", older, "older", 0.9))
        node.on_assignment(SlotAssignment("HH", knock, "knock", 0.9))
        pings(surface, 2)  # the loads came before these pings: answered
        wait_for(lambda: node.loaded == 2)
        surface.disconnect()  # Live quits mid-show, its set not saved
        wait_for(lambda: bool(context.errors))
        tracks = [Track("HH"), Track("Snare")]
        back = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)  # opened again: tracks empty
        wait_for(lambda: any("live_answers" in s for s in context.statuses), tick=back.update_display)
        pings(back, 2)  # the load went before the status was told: handled before these pings
        clip = tracks[0].clip_slots[0].clip
        assert clip is not None and clip.file_path == str(knock.path)  # the slot's newest, not the older take
        assert tracks[0].clip_slots[0].fired == 0  # that take's moment passed: not launched again
        assert tracks[1].clip_slots[0].clip is None
        told = [s["live_answers"] for s in context.statuses if "live_answers" in s]
        assert told == [f"127.0.0.1:{port}; sent again in case Live reopened its set without them: {knock.name} (HH)"]
        wait_for(lambda: answers(context) == 3)  # the one put back answered too
        # Loaded anew into the reopened set, knock is still one take: before, live_loaded said 3 takes
        assert node.loaded == 2 and last_count(context) == 2
        assert len(context.errors) == 1, context.errors  # the silence only
    finally:
        node.stop()
        surface.disconnect()
        if back is not None:
            back.disconnect()


def test_a_live_that_kept_its_set_through_a_silence_is_left_as_it_is(tmp_path: Path) -> None:
    tracks = [Track("HH")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    context = NodeContext()
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live"), "fire": True,
                                 "answer_within": 0.8}, context)
    node.start()
    try:
        knock = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        pings(surface, 2)
        node.on_assignment(SlotAssignment("HH", knock, "knock", 0.9))
        pings(surface, 2)
        wait_for(lambda: node.loaded == 1)
        first = tracks[0].clip_slots[0].clip
        assert first is not None and tracks[0].clip_slots[0].fired == 1
        # Live hangs past the silence told (its script's socket unread), then answers all that came meanwhile.
        wait_for(lambda: bool(context.errors))
        wait_for(lambda: any("live_answers" in s for s in context.statuses), tick=surface.update_display)
        pings(surface, 2)
        wait_for(lambda: answers(context) == 2)  # answered "already": the same clip, not launched again
        assert tracks[0].clip_slots[0].clip is first and tracks[0].clip_slots[0].fired == 1
        assert node.last_reply is not None and node.last_reply[1][-1] == "already"
        assert node.loaded == 1 and last_count(context) == 1  # before, live_loaded said 2 takes for knock alone
    finally:
        node.stop()
        surface.disconnect()
