"""``ableton_live`` tells a Live that stops answering between takes (quit, crashed) with no take sent, and tells it
again once Live answers; a Live busy a few seconds (saving or loading a set, a heavy plug-in) is not told.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows), its
datagrams read here and handled as Live's display timer would, or held while Live's main thread is busy.
Before, the node pinged Live only while it was known silent: a Live that quit mid-show was learnt of only when the
next take's load went unanswered, after the performer had recorded that sound. Then a ping unanswered within
``answer_within`` (2 s) was told as that error: a set saved or loaded mid-show was a node error in the run's summary.
"""

from __future__ import annotations

import select
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import exsampling_ableton_remote as ableton_remote
from exsampling_ableton_remote import osc
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import live_answers
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track

ASKED = ("is Live running, with 'ExSampling' as its Control Surface (Settings > Link, Tempo & MIDI)? (asked every "
         "second; the newest take of each slot is sent once it answers)")


@pytest.fixture(autouse=True)
def pinged_twice_a_second(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pings every 0.5 s, not 1 s, and each test's ``answer_within`` halved with them: the same times in pings (a
    busy Live holds two, the silence is told after 2.5 of them) in half the seconds these tests waited (20 s). Not the
    busy test's: its silence is told 1.75 s after its second held ping, not 0.75 s, for a loaded machine."""
    monkeypatch.setattr(live_answers, "PING_EVERY", 0.5)


def pings(surface: ableton_remote.ExSamplingSurface, count: int, handle: bool = True) -> list[tuple[bytes, Any]]:
    """Read what reaches ``surface`` until ``count`` pings came; handle it (Live's display timer), or hold it and
    return it (Live's main thread busy)."""
    held: list[tuple[bytes, Any]] = []
    deadline = time.monotonic() + 60
    while count:
        assert surface._sock is not None and time.monotonic() < deadline
        if select.select([surface._sock], [], [], 0.1)[0]:
            data, sender = surface._sock.recvfrom(65536)
            count -= osc.decode(data)[0] == "/exsampling/ping"
            if handle:
                surface.handle(data, sender)
            else:
                held.append((data, sender))
    return held


def test_a_live_that_stops_answering_between_takes_is_told_then_and_again_once_back(tmp_path: Path) -> None:
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    port = surface.port
    context = NodeContext()
    # Told after five times answer_within: 1.25 s here, not the 10 s of the default 2 s
    node = AbletonLive("live", {"port": port, "folder": str(tmp_path / "live"), "answer_within": 0.25}, context)
    node.start()
    back = None
    try:
        # Three pings answered: the first pong was read before the third ping went (one datagram a loop).
        pings(surface, 3)
        assert context.errors == []
        surface.disconnect()  # Live quits mid-show; no take is sent
        wait_for(lambda: bool(context.errors))
        assert len(context.errors) == 1
        text = str(context.errors[0])
        assert text.startswith(f"Live has not answered on 127.0.0.1:{port} for 1.25 s (since "), text
        assert text.endswith(f"): busy (loading or saving a set) or quit; {ASKED}"), text
        assert not [s for s in context.statuses if "live_answers" in s]
        back = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=port)  # Live opened again
        wait_for(lambda: any("live_answers" in s for s in context.statuses), tick=back.update_display)
        assert [s for s in context.statuses if "live_answers" in s] == [  # "port": the node's error ends
            {"port": port, "live_answers": f"127.0.0.1:{port}", "live_again": True}]  # it had answered: "again"
        assert len(context.errors) == 1 and node.loaded == 0
    finally:
        node.stop()
        surface.disconnect()
        if back is not None:
            back.disconnect()


def test_a_live_busy_a_few_seconds_between_takes_is_not_told(tmp_path: Path) -> None:
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    context = NodeContext()
    # The silence told 2.25 s after the first unanswered ping: 1.75 s after the second, for the test to answer them
    # on a loaded machine (with 0.25, 0.75 s). Still under the 0.5 s between pings: told after answer_within, the
    # silence was an error before the second went (the node looks before it pings), and the test fails.
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live"), "answer_within": 0.45},
                       context)
    node.start()
    try:
        pings(surface, 3)
        # Live saves its set: two pings go unanswered, 0.5 s apart: past answer_within, short of the silence told.
        held = pings(surface, 2, handle=False)
        assert context.errors == []
        for data, sender in held:  # saved: Live answers what came meanwhile
            surface.handle(data, sender)
        pings(surface, 2)
        assert context.errors == [] and not [s for s in context.statuses if "live_answers" in s]
    finally:
        node.stop()
        surface.disconnect()


def hold(surface: ableton_remote.ExSamplingSurface, held: list[tuple[bytes, Any]], until: Callable[[], bool]) -> None:
    """Read what reaches ``surface`` into ``held``, unhandled (Live's main thread busy), until ``until`` holds."""
    deadline = time.monotonic() + 60
    while not until():
        assert surface._sock is not None and time.monotonic() < deadline
        if select.select([surface._sock], [], [], 0.05)[0]:
            held.append(surface._sock.recvfrom(65536))


def test_a_take_sent_while_live_is_busy_is_a_warning_and_live_not_told_gone(tmp_path: Path) -> None:
    # Before, a load unanswered within answer_within made the node silent at once whatever its pings said: an error
    # by take ("not loaded: Live did not answer within 2 s ... is Live running ...?") for a set saved mid-show, and
    # each take sent until Live answered again told "not loaded: Live is not answering" at once, an error as well.
    tracks = [Track("HH"), Track("Snare")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    context = NodeContext()
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live"), "answer_within": 0.5},
                       context)  # the silence told after 2.5 s
    node.start()
    try:
        knock = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        snare = write_take(sine_take(220.0, seconds=0.2), tmp_path / "snare.wav")
        pings(surface, 3)
        held: list[tuple[bytes, Any]] = []
        node.on_assignment(SlotAssignment("HH", knock, "knock", 0.9))  # Live saves its set: held from here on
        sent = time.monotonic()  # after the load went (the node's clock)
        # The node's reply loop looks at what is overdue before it pings: past answer_within, the load is overdue.
        hold(surface, held, lambda: node.link._pinged >= sent + node.link.within)
        assert context.errors == [] and not node.link.silent, context.errors
        warnings = [s["warning"] for s in context.statuses if s.get("warning")]
        assert warnings == [f"{knock.name} (slot HH) not loaded yet: Live did not answer within 0.5 s on 127.0.0.1:"
                            f"{surface.port}, busy (loading or saving a set)? (sent again once Live answers, if no "
                            "newer take of HH goes first)"], warnings
        node.on_assignment(SlotAssignment("Snare", snare, "snare", 0.9))  # not told "not loaded" at once
        hold(surface, held, lambda: node.link._pinged >= sent + 3 * node.link.within)  # three times answer_within
        assert context.errors == [] and not node.link.silent, context.errors
        for data, sender in held:  # saved: Live answers what came meanwhile, in order
            surface.handle(data, sender)
        pings(surface, 2)
        wait_for(lambda: node.loaded == 2)
        hh, sn = (track.clip_slots[0].clip for track in tracks)
        assert hh is not None and hh.file_path == str(knock.path)
        assert sn is not None and sn.file_path == str(snare.path)
        assert context.errors == [], context.errors
        late = [s["warning"] for s in context.statuses if "after all" in s.get("warning", "")]
        assert late[0].startswith(f"{knock.name} was loaded into 'HH' after all, "), late
    finally:
        node.stop()
        surface.disconnect()
