"""A Live back after a silence told keeps a slot's newest take: the take it had loaded before is not sent over it;
and that take, sent again to it, is no take error should Live go silent again before it answers.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows), its
datagrams handled as Live's display timer would, and the node's answers read here in the order its reply loop reads
them (no thread: the silence is told at a moment the test sets, a newer take sent just before it). Before, the pong
took that newer take out of the loads waiting for an answer (it went nowhere) before the slot's loaded take was
looked at: the loaded one was sent again after the newer one, and Live, reopened, loaded the older sound over it.
"""

from __future__ import annotations

import re
import select
import time
from collections.abc import Callable
from pathlib import Path

from pythonosc.osc_message import OscMessage

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.node import NodeContext, StandingWarning
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.nodes.live_answers import LiveLink
from exsampling_patch.takes import write_take

from .helpers import sine_take
from .live_standin import CInstance, Song, Track


def pump(link: LiveLink, surface: ableton_remote.ExSamplingSurface, done: Callable[[], bool]) -> None:
    """Live's display ticks and the node's reply loop, by hand, until ``done``."""
    deadline = time.monotonic() + 30
    while not done():
        assert time.monotonic() < deadline
        surface.update_display()
        if select.select([link.sock], [], [], 0.05)[0]:
            data, _ = link.sock.recvfrom(65536)
            message = OscMessage(data)
            link._answer(message.address, [str(p) for p in message.params], list(message.params))


def test_a_live_back_after_a_silence_keeps_the_newer_take_sent_just_before_it(tmp_path: Path) -> None:
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    port = surface.port
    context = NodeContext()
    node = AbletonLive("live", {"port": port, "folder": str(tmp_path / "live")}, context)  # not started: no loop
    # answer_within far past the test: the newer take is not told overdue, only missed at the pong
    link = LiveLink(node, "127.0.0.1", port, 60.0, StandingWarning())  # its first ping goes here
    back = None
    try:
        older = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        newer = write_take(sine_take(660.0, seconds=0.2), tmp_path / "snap.wav")
        pump(link, surface, lambda: link._answered_ever)
        link.load("HH", ["HH", str(older.path), "knock", 0.0, 0, 0], "knock")
        pump(link, surface, lambda: link.loaded == 1)
        surface.disconnect()  # Live quits mid-show
        link._ping(time.monotonic() - link.quiet)  # its first ping unanswered went that long ago
        link.load("HH", ["HH", str(newer.path), "snap", 0.0, 0, 0], "snap")  # goes nowhere, told just after:
        link._silence(time.monotonic())
        assert link.silent and len(context.errors) == 1, context.errors
        tracks = [Track("HH")]
        back = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)  # opened again: HH empty
        link._ping(time.monotonic())  # sent after the newer take's load: its pong says that load went nowhere
        pump(link, back, lambda: not link.silent)
        pump(link, back, lambda: link.loaded == 2)
        link._ping(time.monotonic())  # after all the pong sent again: answered after them
        asked = max(link._pings)
        pump(link, back, lambda: asked not in link._pings)
        clip = tracks[0].clip_slots[0].clip
        assert clip is not None and clip.file_path == str(newer.path)  # not the older take loaded over it
        assert back.loaded == 1
        told = [s["live_answers"] for s in context.statuses if "live_answers" in s]
        assert told == [f"127.0.0.1:{port}"], told
    finally:
        link.sock.close()
        surface.disconnect()
        if back is not None:
            back.disconnect()


def test_a_take_sent_again_to_a_live_back_that_goes_silent_again_is_no_take_error(tmp_path: Path) -> None:
    # The take Live had loaded, sent again at its comeback (its set reopened without it), is no take in flight: its
    # end was told long ago. Before, Live silent again before it answered told "knock (slot HH) not loaded: ...
    # (sent again once Live answers ...)", an error naming a take of long ago.
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    port = surface.port
    context = NodeContext()
    node = AbletonLive("live", {"port": port, "folder": str(tmp_path / "live")}, context)  # not started: no loop
    link = LiveLink(node, "127.0.0.1", port, 60.0, StandingWarning())
    back = None
    try:
        older = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        pump(link, surface, lambda: link._answered_ever)
        link.load("HH", ["HH", str(older.path), "knock", 0.0, 0, 0], "knock")
        pump(link, surface, lambda: link.loaded == 1)
        surface.disconnect()  # Live quits mid-show
        link._ping(time.monotonic() - link.quiet)
        link._silence(time.monotonic())
        assert link.silent and len(context.errors) == 1, context.errors
        back = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=port)  # opened again
        link._ping(time.monotonic())
        pump(link, back, lambda: not link.silent)  # the pong read, the loaded take sent again: Live quits before
        back.disconnect()
        link._ping(time.monotonic() - link.quiet)
        link._silence(time.monotonic() + 61)  # silent again, past the load's answer_within
        assert link.silent and len(context.errors) == 2, context.errors
        warnings = [str(status["warning"]) for status in context.statuses if status.get("warning")]
        assert not [text for text in [*context.errors, *warnings] if "knock" in str(text)], (context.errors, warnings)
        assert [waiting.name for waiting in link.answers.held()] == ["knock"]  # sent again at the next comeback
    finally:
        link.sock.close()
        surface.disconnect()
        if back is not None:
            back.disconnect()


def back_after_a_silence(tmp_path: Path, context: NodeContext, tracks: list[str]
                         ) -> tuple[AbletonLive, LiveLink, ableton_remote.ExSamplingSurface, int]:
    """A node's link to a Live that loaded knock into HH, quit, and was opened again with ``tracks``: its pong read,
    knock sent again (a restore), not answered yet; the node (not started), the link, the Live back and its port."""
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    port = surface.port
    node = AbletonLive("live", {"port": port, "folder": str(tmp_path / "live")}, context)
    link = LiveLink(node, "127.0.0.1", port, 60.0, StandingWarning())
    try:
        older = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        pump(link, surface, lambda: link._answered_ever)
        link.load("HH", ["HH", str(older.path), "knock", 0.0, 0, 0], "knock")
        pump(link, surface, lambda: link.loaded == 1)
    finally:
        surface.disconnect()  # Live quits mid-show
    link._ping(time.monotonic() - link.quiet)
    link._silence(time.monotonic())
    assert link.silent and len(context.errors) == 1, context.errors
    back = ableton_remote.ExSamplingSurface(CInstance(Song([Track(name) for name in tracks])), port=port)
    link._ping(time.monotonic())
    pump(link, back, lambda: not link.silent)
    return node, link, back, port


def test_a_node_stopped_before_a_live_back_answers_a_take_sent_again_warns_of_no_take(tmp_path: Path) -> None:
    # Before, the stop warned "stopped before Live answered 1 take sent to ...: knock (HH); not known to be loaded",
    # naming a take whose end was told long ago.
    context = NodeContext()
    node, link, back, _ = back_after_a_silence(tmp_path, context, ["HH"])
    try:
        node.link = link
        node.stop()
        warnings = [str(status["warning"]) for status in context.statuses if status.get("warning")]
        assert not [text for text in warnings if "stopped before Live answered" in text], warnings
        assert len(context.errors) == 1, context.errors
    finally:
        link.sock.close()
        back.disconnect()


PUT_BACK = (r"knock, HH's take when Live went silent at \d\d:\d\d:\d\d, was sent again in case Live had reopened its "
            r"set without it, and refused: no track named 'HH' \(tracks: Kick\)")


def test_a_take_a_live_back_refuses_to_get_again_is_told_as_not_put_back(tmp_path: Path) -> None:
    # Before, the set Live reopened lacking HH was told "knock not loaded into Live's track 'HH': ...", a fresh take
    # failure, for a take whose end was told long ago.
    context = NodeContext()
    _, link, back, _ = back_after_a_silence(tmp_path, context, ["Kick"])
    try:
        pump(link, back, lambda: len(context.errors) == 2)
        assert re.fullmatch(PUT_BACK, str(context.errors[1])), context.errors
        assert not [error for error in context.errors if "not loaded" in str(error)], context.errors
    finally:
        link.sock.close()
        back.disconnect()


def test_a_take_a_live_only_busy_refuses_to_get_again_is_not_said_to_be_of_a_live_that_closed(tmp_path: Path) -> None:
    # Live never closed: busy past the silence told (its script's socket unread) while the performer loaded another
    # set, one without HH. Before, its refusal of knock sent again read "could not put back knock, HH's take before
    # Live closed: ...".
    song = Song([Track("HH")])
    surface = ableton_remote.ExSamplingSurface(CInstance(song), port=0)
    context = NodeContext()
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live")}, context)  # no loop
    link = LiveLink(node, "127.0.0.1", surface.port, 60.0, StandingWarning())
    try:
        knock = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        pump(link, surface, lambda: link._answered_ever)
        link.load("HH", ["HH", str(knock.path), "knock", 0.0, 0, 0], "knock")
        pump(link, surface, lambda: link.loaded == 1)
        link._ping(time.monotonic() - link.quiet)  # Live busy: its first ping unanswered went that long ago
        link._silence(time.monotonic())
        assert link.silent and len(context.errors) == 1, context.errors
        song.tracks[:] = [Track("Kick")]  # the set it loads meanwhile
        link._ping(time.monotonic())
        pump(link, surface, lambda: len(context.errors) == 2)  # the same script answers all that came meanwhile
        assert re.fullmatch(PUT_BACK, str(context.errors[1])), context.errors
    finally:
        link.sock.close()
        surface.disconnect()
