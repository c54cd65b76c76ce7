"""``ableton_live`` tells a take Live's remote script did not answer (Live not running, late, gone and back), and
sends the slots Live missed once it answers.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows). What is
checked after a while waits for state (pings Live's side answered), not a sleep: a thread on loaded cores can stall.
Before, a take sent to a Live that was not running ended as "slot HH" on the console and nothing more was said.
"""

from __future__ import annotations

import select
import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import exsampling_ableton_remote as ableton_remote
from exsampling_ableton_remote import osc
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import live_answers
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take
from tests.stage.helpers import free_port

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track


def pings(surface: ableton_remote.ExSamplingSurface, count: int, until: Callable[[], bool] = lambda: True) -> None:
    """Handle what reaches ``surface`` (Live's display timer) until ``count`` pings came, and ``until`` holds: with
    three, the node read the first one's pong before the third went (it reads one datagram a loop), and a load sent
    again meanwhile was answered."""
    deadline = time.monotonic() + 60
    while count > 0 or not until():
        assert surface._sock is not None and time.monotonic() < deadline
        if select.select([surface._sock], [], [], 0.1)[0]:
            data, sender = surface._sock.recvfrom(65536)
            count -= osc.decode(data)[0] == "/exsampling/ping"
            surface.handle(data, sender)


def looked_past(node: AbletonLive, sent: float) -> Callable[[], bool]:
    """Whether the node's reply loop has looked at what waits for an answer ``answer_within`` after ``sent`` (its
    clock): it looks, and tells what is overdue, before it pings."""
    return lambda: node.link._pinged >= sent + node.link.within


def started(tmp_path: Path, port: int, answer_within: float) -> tuple[AbletonLive, NodeContext, Take]:
    """An ``ableton_live`` node sending to ``port`` on this machine, started; its context (what it told); and a take
    to send it."""
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    context = NodeContext()
    node = AbletonLive("live", {"port": port, "answer_within": answer_within, "folder": str(tmp_path / "live")},
                       context)
    node.start()
    return node, context, take


def test_a_take_live_never_answers_is_told_by_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Its waits halved (answer_within 1 s, a ping a second, before): nothing answers here, so no stall of this
    # thread can be taken for Live's silence, and the test's three waits of answer_within took 3 s.
    monkeypatch.setattr(live_answers, "PING_EVERY", live_answers.PING_EVERY / 2)
    port = free_port(socket.SOCK_DGRAM)  # nothing listens there: a Live that is not running
    node, context, take = started(tmp_path, port, 0.5)
    try:
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))  # sent before the start's ping is told
        wait_for(lambda: len(context.errors) == 2)
        assert str(context.errors[0]).startswith(f"Live does not answer on 127.0.0.1:{port}: ")
        assert str(context.errors[1]) == (
            f"{take.name} (slot HH) not loaded: Live did not answer within 0.5 s on 127.0.0.1:{port}; is Live "
            "running, with 'ExSampling' as its Control Surface (Settings > Link, Tempo & MIDI)? (sent again once Live "
            "answers, if no newer take of HH goes first)")
        wait_for(looked_past(node, time.monotonic()))  # was a sleep(0.5): the reply loop has looked again since
        assert len(context.errors) == 2  # told once
    finally:
        node.stop()


def test_a_late_answer_is_told_as_loaded_after_all_and_ends_the_error(tmp_path: Path) -> None:
    tracks = [Track("HH"), Track("Snare")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    # answer_within 2 s (was 1): the Snare load below is answered only as this thread ticks the script.
    node, context, take = started(tmp_path, surface.port, 2.0)
    try:
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))
        wait_for(lambda: len(context.errors) == 2)  # Live busy: its display timer has not run yet
        assert "Live does not answer on" in str(context.errors[0])  # the start's ping
        assert "not loaded: Live did not answer within 2 s" in str(context.errors[1])
        wait_for(lambda: node.loaded == 1, tick=surface.update_display)
        assert tracks[0].clip_slots[0].clip is not None
        wait_for(lambda: any("live_answers" in s for s in context.statuses))
        warnings = [s["warning"] for s in context.statuses if s.get("warning")]
        assert warnings and warnings[0].startswith(f"{take.name} was loaded into 'HH' after all, ")
        back = next(s for s in context.statuses if "live_answers" in s)
        assert back["port"] == surface.port  # "port": opened, which ends the node's error
        # An answer in time: no error, no warning more.
        node.on_assignment(SlotAssignment("Snare", take, "knock", 0.9))
        wait_for(lambda: node.loaded == 2, tick=surface.update_display)
        # Was a sleep(0.4), shorter than answer_within, that answered nothing: a load sent again went uncounted.
        pings(surface, 3, until=looked_past(node, time.monotonic()))
        assert len(context.errors) == 2 and len([s for s in context.statuses if s.get("warning")]) == 1
        assert node.loaded == 2  # the late one was not sent again: Live answered it (its ping's pong came first)
    finally:
        node.stop()
        surface.disconnect()


def test_an_error_answer_names_the_take(tmp_path: Path) -> None:
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    node, context, take = started(tmp_path, surface.port, 5.0)
    try:
        node.on_assignment(SlotAssignment("Chorus", take, "knock", 0.9))
        wait_for(lambda: bool(context.errors), tick=surface.update_display)
        assert str(context.errors[0]) == (f"{take.name} not loaded into Live's track 'Chorus': no track named "
                                          "'Chorus' (tracks: HH)")
    finally:
        node.stop()
        surface.disconnect()


def test_the_console_says_live_answers_again() -> None:
    # Before, the error ended without a line: "port" opened, and the console had no words for an ableton_live's.
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.runtime.events import NodeStatus

    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_live"))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    console(NodeStatus("live", {"port": 10600, "live_answers": "127.0.0.1:10600"}, back=True))
    assert err.getvalue().splitlines()[-1].endswith(
        " live is back: ableton_live 'live': Live answers on 127.0.0.1:10600")  # its first answer (opened late)
    # Gone mid-show ("Live has not answered ... for 10 s") and back: before, the same words as a first answer.
    console(NodeStatus("live", {"port": 10600, "live_answers": "127.0.0.1:10600", "live_again": True}, back=True))
    assert err.getvalue().splitlines()[-1].endswith(
        " live is back: ableton_live 'live': Live answers again on 127.0.0.1:10600")


def test_a_live_opened_after_the_patch_gets_the_slots_it_missed(tmp_path: Path) -> None:
    # Before, a take sent while Live was not running was lost: Live opened later never got it, nor was told.
    context = NodeContext()
    port = free_port(socket.SOCK_DGRAM)
    # answer_within 2 s (was 0.3): the loads sent again as Live opens are answered only as this thread ticks the
    # script, and a 0.3 s stall of it on loaded cores told them "not loaded".
    node = AbletonLive("live", {"port": port, "folder": str(tmp_path / "live")}, context)
    node.start()
    surface = None
    try:
        old = write_take(sine_take(440.0, seconds=0.2), tmp_path / "old.wav")
        new = write_take(sine_take(220.0, seconds=0.2), tmp_path / "new.wav")
        bass = write_take(sine_take(110.0, seconds=0.2), tmp_path / "bass.wav")
        node.on_assignment(SlotAssignment("HH", old, "old", 0.9))
        node.on_assignment(SlotAssignment("HH", new, "new", 0.9))  # the newest of HH: the one Live gets
        node.on_assignment(SlotAssignment("Snare", bass, "bass", 0.9))
        wait_for(lambda: len(context.errors) == 4)  # the start's ping, and each take
        tracks = [Track("HH"), Track("Snare")]
        surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)  # Live opens now
        wait_for(lambda: node.loaded == 2, tick=surface.update_display)
        loaded = time.monotonic()  # the loads sent again went before this
        hh, snare = (track.clip_slots[0].clip for track in tracks)
        assert hh is not None and hh.file_path == str(new.path)
        assert snare is not None and snare.file_path == str(bass.path)
        back = [s for s in context.statuses if "live_answers" in s]
        assert back == [{"port": port, "live_answers": f"127.0.0.1:{port}; sent again: {new.name} (HH), "
                                                        f"{bass.name} (Snare)"}]
        pings(surface, 3, until=looked_past(node, loaded))  # was a sleep(0.4), its pings unanswered
        assert len(context.errors) == 4 and node.loaded == 2  # answered: nothing told or sent again
    finally:
        node.stop()
        if surface is not None:
            surface.disconnect()


def test_only_loads_sent_before_what_live_answered_go_again() -> None:
    # Live answers in order: a pong to a ping sent before a load says nothing of that load, whose answer may come.
    from exsampling_patch.nodes.live_answers import LiveAnswers, Waiting

    answers = LiveAnswers(within=0.5)
    answers.sent(Waiting("HH", "/a.wav", "a", 10.0))
    answers.sent(Waiting("Snare", "/b.wav", "b", 12.0))
    assert [w.name for w in answers.overdue(13.0)] == ["a", "b"]
    assert [w.name for w in answers.to_send_again(before=11.0)] == ["a"]
    assert answers.any_to_send_again()
    assert answers.answered("Snare", "/b.wav") == (Waiting("Snare", "/b.wav", "b", 12.0), True)  # late, not lost
    assert not answers.any_to_send_again()


def test_the_script_names_the_ping_its_pong_answers() -> None:
    from exsampling_ableton_remote import osc

    surface = ableton_remote.ExSamplingSurface(CInstance(Song([])), port=0)
    asker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    asker.bind(("127.0.0.1", 0))
    asker.settimeout(5)
    try:
        asker.sendto(osc.encode("/exsampling/ping", [7]), ("127.0.0.1", surface.port))
        wait_for(lambda: surface.update_display() is None and select.select([asker], [], [], 0.01)[0] != [])
        assert osc.decode(asker.recv(65536)) == ("/exsampling/pong", [ableton_remote.surface.VERSION, 7])
    finally:
        asker.close()
        surface.disconnect()


def test_a_load_sent_again_asks_live_to_leave_a_track_that_holds_it(tmp_path: Path) -> None:
    # A load whose answer alone was lost (Live loaded it) goes again when Live answers a ping: with "once", the
    # script leaves a track that holds the file as it is rather than loading it and firing its clip a second time.
    from exsampling_ableton_remote import osc

    live = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the script, its answers to this load lost
    live.bind(("127.0.0.1", 0))
    live.settimeout(5)
    context = NodeContext()
    node = AbletonLive("live", {"port": live.getsockname()[1], "answer_within": 0.3, "fire": True,
                                "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))
        assert osc.decode(live.recv(65536)) == ("/exsampling/ping", [0])  # the start's, unanswered
        first, sender = live.recvfrom(65536)
        assert osc.decode(first) == ("/exsampling/load", ["HH", str(take.path), "knock", 440.0, 1, 0])
        while True:  # the node pings: Live's pong to a ping sent after the load sends it again
            address, args = osc.decode(live.recv(65536))
            if address != "/exsampling/ping":
                break
            live.sendto(osc.encode("/exsampling/pong", [ableton_remote.surface.VERSION, *args]), sender)
        assert (address, args) == ("/exsampling/load", ["HH", str(take.path), "knock", 440.0, 1, 1])
    finally:
        node.stop()
        live.close()
