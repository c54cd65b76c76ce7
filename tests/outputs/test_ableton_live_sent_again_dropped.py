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

from .helpers import wait_for
from .live_sent_again import HeldLoads, KeepsAndTells, sent_again_to_live_back


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
    with sent_again_to_live_back(tmp_path, late, held=CountedLoads) as again:
        sock, tick = again.sock, again.surface.update_display
        sock.pings = pongs_after
        sock.release()
        wait_for(lambda: again.node.loaded == 1 and again.tracks[0].clip_slots[0].clip is not None, tick=tick)
        if pongs_after:
            answered = sock.reads
            wait_for(lambda: sock.pong_acted_on_after(answered), tick=tick)
    return again.context, sock


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
