"""``ableton_live`` matches an answer the remote script sends before the node's ``sendto`` has returned.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows). The node
wrote a load down as awaiting its answer only after sending it: an answer its reply loop read in between matched
nothing, and the take was told "not loaded: Live did not answer within 2 s" and sent again. Here the node's socket
returns from sending a load only once the script (run on the sending thread, as fast as a Live can be) answered it
and the reply loop read that answer, which makes that interleaving certain rather than rare.

Waits are for state (an answer handled, a ping sent), never a sleep: on loaded cores a thread can stall for a while.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Any

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take
from tests.stage.helpers import free_port

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track


class AnsweredBeforeSendReturns:
    """The node's real socket, whose ``sendto`` of a load returns once the script answered it and the node's reply
    loop has handled that answer (its ``live_loaded`` status comes after the answer is matched). ``pinged``: when
    each ping went (read in its ``sendto``, before it returns)."""

    def __init__(self, sock: socket.socket, surface: Any, context: NodeContext) -> None:
        self._sock, self._surface, self._context = sock, surface, context
        self.pinged: list[float] = []

    def sendto(self, data: bytes, address: tuple[str, int]) -> int:
        if data.startswith(b"/exsampling/ping"):
            self.pinged.append(time.monotonic())
        sent = self._sock.sendto(data, address)
        if data.startswith(b"/exsampling/load"):
            before = sum("live_loaded" in status for status in self._context.statuses)
            wait_for(lambda: sum("live_loaded" in status for status in self._context.statuses) > before,
                     tick=self._surface.update_display)
        return sent

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def test_an_answer_read_before_the_send_returns_is_matched_to_its_load(tmp_path: Path) -> None:
    tracks = [Track("HH")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    context = NodeContext()
    # answer_within 2 s (was 0.3): the start's ping is answered only as this thread ticks the script (in the load's
    # send), and a 0.3 s stall of it on loaded cores was told "Live does not answer".
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        sock = node.link.sock = AnsweredBeforeSendReturns(node.link.sock, surface, context)
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))
        sent = time.monotonic()  # the load went before this
        assert tracks[0].clip_slots[0].clip is not None and node.loaded == 1
        # Matched: nothing left waiting to be told unanswered, nor to be sent again.
        assert node.link.answers.unanswered() == [] and not node.link.answers.any_to_send_again()
        # Past answer_within by the node's clock: its reply loop looks at what waits for an answer, then pings, and
        # the ping after one sent answer_within after the load was looked at past it (what it told, told before).
        # The script answers the pings meanwhile.
        wait_for(lambda: sum(t >= sent + node.link.within for t in sock.pinged) >= 2, tick=surface.update_display)
        assert context.errors == [] and node.loaded == 1  # nothing is told of a take Live answered
    finally:
        node.stop()
        surface.disconnect()


def test_a_load_that_could_not_be_sent_waits_for_no_answer(tmp_path: Path) -> None:
    # Written down before it goes, a load the socket refused is taken out again: told once, as "OSC ... failed",
    # not also "Live did not answer", nor sent again when Live answers.
    context = NodeContext()
    node = AbletonLive("live", {"host": "255.255.255.255", "port": 9, "answer_within": 0.3,
                                "folder": str(tmp_path / "live")}, context)  # EACCES: no SO_BROADCAST
    node.start()
    try:
        take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))
        assert node.link.answers.unanswered() == [] and not node.link.answers.any_to_send_again()
        assert len(context.errors) == 1 and "OSC to 255.255.255.255:9 failed" in str(context.errors[0])
    finally:
        node.stop()


def test_a_load_taken_out_again_leaves_the_slots_lost_load_to_be_sent_again() -> None:
    # A newer take of a slot replaces its lost one to be sent again only if it went.
    from exsampling_patch.nodes.live_answers import LiveAnswers, Waiting

    answers = LiveAnswers(within=0.5)
    lost = Waiting("HH", "/a.wav", "a", 10.0)
    answers.sent(lost)
    assert answers.overdue(11.0) == [lost]
    newer = Waiting("HH", "/b.wav", "b", 12.0)
    answers.withdraw(newer, answers.sent(newer))
    assert answers.unanswered() == [] and answers.to_send_again(before=13.0) == [lost]


class Told(NodeContext):
    """A context that also keeps the node's errors and warnings in one list, in the order they were told."""

    def __init__(self) -> None:
        super().__init__()
        self.told: list[str] = []

    def report_error(self, node_id: str, error: BaseException | str, about: str = "") -> None:
        super().report_error(node_id, error, about)
        self.told.append(f"error: {error}")

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        super().report_status(node_id, status)
        if "warning" in status:
            self.told.append(f"warning: {status['warning']}")


class LiveBackAsTheLoadGoes:
    """The node's real socket, to a Live that comes back just as a load goes: the pings before it find no one, and
    the load's ``sendto`` returns once the script answered it and the reply loop told that answer."""

    def __init__(self, sock: socket.socket, surface: Any, context: Told) -> None:
        self._sock, self._surface, self._context = sock, surface, context

    def sendto(self, data: bytes, address: tuple[str, int]) -> int:
        if not data.startswith(b"/exsampling/load"):
            return len(data)
        sent = self._sock.sendto(data, address)
        wait_for(lambda: any("after all" in told for told in self._context.told), tick=self._surface.update_display)
        return sent

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


def test_a_take_sent_to_a_silent_live_that_comes_back_is_told_not_loaded_before_loaded_after_all(
        tmp_path: Path) -> None:
    # A take sent while Live was known silent was told "not loaded" once its send returned: a Live back meanwhile had
    # answered it on the reply loop, and the console read "loaded into 'HH' after all", then "not loaded".
    port = free_port(socket.SOCK_DGRAM)
    context = Told()
    node = AbletonLive("live", {"port": port, "answer_within": 0.3, "folder": str(tmp_path / "live")}, context)
    node.start()
    surface = None
    try:
        node.on_assignment(SlotAssignment("HH", write_take(sine_take(440.0, seconds=0.2), tmp_path / "first.wav"),
                                          "knock", 0.9))
        wait_for(lambda: node.link.silent)  # no Live on the port: the load went unanswered
        tracks = [Track("HH")]
        surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)
        node.link.sock = LiveBackAsTheLoadGoes(node.link.sock, surface, context)
        second = write_take(sine_take(220.0, seconds=0.2), tmp_path / "second.wav")
        node.on_assignment(SlotAssignment("HH", second, "bell", 0.9))
        clip = tracks[0].clip_slots[0].clip
        assert clip is not None and clip.file_path == str(second.path)
        about_second = [told for told in context.told if told.startswith((f"error: {second.name} ",
                                                                           f"warning: {second.name} "))]
        assert len(about_second) == 2, context.told
        assert about_second[0].startswith(f"error: {second.name} (slot HH) not loaded: Live is not answering on ")
        assert about_second[1].startswith(f"warning: {second.name} was loaded into 'HH' after all, ")
    finally:
        node.stop()
        if surface is not None:
            surface.disconnect()


class KeepsTakes(NodeContext):
    """A context that keeps the takes open as a runtime does, and counts each take's closes (one per keep_open)."""

    tracks_takes = True

    def __init__(self) -> None:
        super().__init__()
        self.closed: list[tuple[Any, str]] = []

    def keep_open(self, node_id: str, take: Any) -> bool:
        return True

    def close_take(self, node_id: str, take: Any, not_loaded: str) -> None:
        super().close_take(node_id, take, not_loaded)
        self.closed.append((take, not_loaded))


def test_a_take_sent_to_a_silent_live_whose_send_fails_is_closed_once(tmp_path: Path) -> None:
    # Told not loaded (and closed) before its send, a take sent while Live was silent was closed a second time by the
    # node when the send then failed (a network gone): a runtime ends a take at its last close, and the second closed
    # a take still on its way on another branch (the sampler's), its end told before that branch's word.
    context = KeepsTakes()
    node = AbletonLive("live", {"port": free_port(socket.SOCK_DGRAM), "answer_within": 0.3,
                                "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        first = SlotAssignment("HH", write_take(sine_take(440.0, seconds=0.2), tmp_path / "first.wav"), "knock", 0.9)
        node.on_assignment(first)
        wait_for(lambda: node.link.silent and len(context.closed) == 1)  # no Live on the port: unanswered, closed
        node.link.host = "255.255.255.255"  # EACCES from here on (no SO_BROADCAST): the network gone
        second = SlotAssignment("HH", write_take(sine_take(220.0, seconds=0.2), tmp_path / "second.wav"), "bell", 0.9)
        node.on_assignment(second)
        (why,) = [why for take, why in context.closed if take is second]  # once, as the silence said it
        assert why.startswith("not loaded into Live: Live is not answering since "), why
    finally:
        node.stop()


def test_a_take_sent_to_a_silent_live_whose_send_fails_goes_once_live_answers(tmp_path: Path) -> None:
    # Told "not loaded: Live is not answering ... (sent again once Live answers)", a take whose send then failed was
    # taken out of those to send again: Live, back, got the slot's older take, lost before it, and never this one.
    port = free_port(socket.SOCK_DGRAM)
    context = Told()
    node = AbletonLive("live", {"port": port, "answer_within": 0.3, "folder": str(tmp_path / "live")}, context)
    node.start()
    surface = None
    try:
        node.on_assignment(SlotAssignment("HH", write_take(sine_take(440.0, seconds=0.2), tmp_path / "first.wav"),
                                          "knock", 0.9))
        wait_for(lambda: node.link.silent)  # no Live on the port: the load went unanswered
        node.link.host = "255.255.255.255"  # EACCES (no SO_BROADCAST): the network gone for the next load
        second = write_take(sine_take(220.0, seconds=0.2), tmp_path / "second.wav")
        node.on_assignment(SlotAssignment("HH", second, "bell", 0.9))
        assert any(told.startswith(f"error: {second.name} (slot HH) not loaded: Live is not answering on ")
                   and told.endswith("(sent again once Live answers, if no newer take of HH goes first)")
                   for told in context.told), context.told
        node.link.host = "127.0.0.1"  # the network back, and Live with it
        tracks = [Track("HH")]
        surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)
        wait_for(lambda: tracks[0].clip_slots[0].clip is not None, tick=surface.update_display)
        clip = tracks[0].clip_slots[0].clip
        assert clip is not None and clip.file_path == str(second.path)
    finally:
        node.stop()
        if surface is not None:
            surface.disconnect()


def test_an_older_take_told_not_loaded_is_not_promised_again_over_a_newer_one(tmp_path: Path) -> None:
    # Each take sent to a silent Live was told "(sent again once Live answers)"; of two of one slot only the newer
    # went at Live's answer (the older over it would undo it), and the older one's line had promised otherwise.
    port = free_port(socket.SOCK_DGRAM)
    context = Told()
    node = AbletonLive("live", {"port": port, "answer_within": 0.3, "folder": str(tmp_path / "live")}, context)
    node.start()
    surface = None
    try:
        wait_for(lambda: node.link.silent)  # no Live on the port: its first ping unanswered
        first = write_take(sine_take(440.0, seconds=0.2), tmp_path / "first.wav")
        second = write_take(sine_take(220.0, seconds=0.2), tmp_path / "second.wav")
        node.on_assignment(SlotAssignment("HH", first, "knock", 0.9))
        node.on_assignment(SlotAssignment("HH", second, "bell", 0.9))
        (told,) = [told for told in context.told if told.startswith(f"error: {first.name} (slot HH) not loaded")]
        assert told.endswith("(sent again once Live answers, if no newer take of HH goes first)"), told
        tracks = [Track("HH")]
        surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)
        wait_for(lambda: node.loaded == 1, tick=surface.update_display)
        clip = tracks[0].clip_slots[0].clip
        assert clip is not None and clip.file_path == str(second.path)
        back = [status["live_answers"] for status in context.statuses if "live_answers" in status]
        assert back == [f"127.0.0.1:{port}; sent again: {second.name} (HH)"], back
    finally:
        node.stop()
        if surface is not None:
            surface.disconnect()
