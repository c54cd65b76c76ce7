"""A take told not loaded (no Live) goes again once Live answers; Live busy, that load is told "not loaded yet" too,
and Live's late answer is matched to the slot's oldest load of that file, the one the node held the take open for.
The copy sent again stayed queued to go again: the stop said "1 take not sent to Live" (``unsent``, kept for the next
start) of a take Live had loaded, and Live's next pong sent it a third time. A load Live answered now drops every
queued copy of that take for that slot.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows). The
node's real socket holds back the load it sends again until the test lets it go (a Live busy with it)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take
from tests.stage.helpers import free_port

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track
from .test_ableton_live_loaded_after_all import KeepsAndTells
from .test_ableton_live_sent_again_loaded import HeldLoads


class CountedLoads(HeldLoads):
    """:class:`HeldLoads` that also counts the loads that reach Live's port and the pongs the reply loop has read
    and acted on (it asks for the next datagram only once it has)."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__(sock)
        self.loads_sent = 0
        self.reads = 0  # the reply loop's calls for a datagram: one begun means the one before it was acted on
        self.pongs_at: list[int] = []  # the read each pong came with
        self.pings = True  # False: pings reach no Live (none answered)

    def sendto(self, data: bytes, address: Any) -> int:
        if not self.pings and data.startswith(b"/exsampling/ping"):
            return len(data)
        if data.startswith(b"/exsampling/load") and not self.holding:
            self.loads_sent += 1
        return super().sendto(data, address)

    def release(self) -> None:
        self.loads_sent += len(self.held)
        super().release()

    def recvfrom(self, size: int) -> tuple[bytes, Any]:
        self.reads += 1
        data, address = self._sock.recvfrom(size)
        if data.startswith(b"/exsampling/pong"):
            self.pongs_at.append(self.reads)
        return data, address

    def pong_acted_on_after(self, read: int) -> bool:
        return any(read < at < self.reads for at in self.pongs_at)


def _sent_again_and_loaded(tmp_path: Path, late: bool, pongs_after: bool) -> tuple[KeepsAndTells, CountedLoads]:
    """A take told not loaded (no Live), sent again once Live answers, Live's answer to that load (``late``: past
    ``answer_within``, told "not loaded yet" first), then (``pongs_after``) Live's answer to a ping sent after it,
    and the node's stop. Without ``pongs_after`` the pings from the release on reach no Live: its stop follows the
    answer with none between. Returns what the node told and its socket."""
    port = free_port(socket.SOCK_DGRAM)
    context = KeepsAndTells()
    folder = tmp_path / "live"
    node = AbletonLive("live", {"port": port, "answer_within": 0.3, "folder": str(folder)}, context)
    node.start()
    surface = None
    try:
        first = SlotAssignment("HH", write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav"), "knock", 0.9)
        node.on_assignment(first)
        name = first.take.name
        wait_for(lambda: any(told.startswith(f"error: {name} (slot HH) not loaded: ") for told in context.told))
        sock = node.link.sock = CountedLoads(node.link.sock)
        tracks = [Track("HH")]
        surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)
        # Live answers a ping: the take goes again (held back, Live busy with it)
        wait_for(lambda: any("live_answers" in status for status in context.statuses) and bool(sock.held),
                 tick=surface.update_display)
        if late:
            wait_for(lambda: sum(f"{name} (slot HH) not loaded" in told for told in context.told) == 2,
                     tick=surface.update_display)
        sock.pings = pongs_after
        sock.release()
        wait_for(lambda: node.loaded == 1 and tracks[0].clip_slots[0].clip is not None, tick=surface.update_display)
        if pongs_after:
            answered = sock.reads
            wait_for(lambda: sock.pong_acted_on_after(answered), tick=surface.update_display)
    finally:
        node.stop()
        if surface is not None:
            surface.disconnect()
    return context, sock


@pytest.mark.parametrize("late", [True, False], ids=["late", "in_time"])
def test_a_take_live_loaded_is_not_sent_again_at_the_next_pong(tmp_path: Path, late: bool) -> None:
    context, sock = _sent_again_and_loaded(tmp_path, late, pongs_after=True)
    assert sock.loads_sent == 1
    assert sum("live_answers" in status for status in context.statuses) == 1, context.statuses


@pytest.mark.parametrize("late", [True, False], ids=["late", "in_time"])
def test_a_take_live_loaded_is_not_kept_unsent_at_the_stop(tmp_path: Path, late: bool) -> None:
    context, _ = _sent_again_and_loaded(tmp_path, late, pongs_after=False)
    assert [status["unsent"] for status in context.statuses if "unsent" in status] == [], context.statuses
    assert not (tmp_path / "live" / ".unloaded-live.jsonl").exists()
