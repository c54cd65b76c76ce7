"""A take told not loaded (no Live) and sent again once Live answers, its load held back on the way (a Live busy
with it): the setup the tests of a take sent again share.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows). The
node's real socket holds back the load it sends again until the test lets it go, for as long as the test needs,
rather than a race with the script's display timer."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, NamedTuple

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take
from tests.stage.helpers import free_port

from .helpers import sine_take, wait_for
from .live_standin import CInstance, Song, Track
from .test_ableton_live_loaded_after_all import KeepsAndTells


class HeldLoads:
    """The node's real socket, holding back each load it sends until :meth:`release` (Live busy with them)."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.held: list[tuple[bytes, Any]] = []
        self.holding = True

    def sendto(self, data: bytes, address: Any) -> int:
        if self.holding and data.startswith(b"/exsampling/load"):
            self.held.append((data, address))
            return len(data)
        return self._sock.sendto(data, address)

    def release(self) -> None:
        self.holding = False
        for data, address in self.held:
            self._sock.sendto(data, address)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class SentAgain(NamedTuple):
    """What :func:`sent_again_to_live_back` set up."""

    node: AbletonLive
    context: KeepsAndTells
    take: Any  # the take told not loaded, then sent again
    sock: Any  # the node's socket, as ``held`` wraps it
    tracks: list[Track]
    surface: Any  # Live's script


@contextmanager
def sent_again_to_live_back(tmp_path: Path, late: bool, held: type[HeldLoads] = HeldLoads) -> Iterator[SentAgain]:
    """A take told not loaded (no Live), then Live's script up: it answers a ping, and the take goes again, its load
    held back in the node's socket (wrapped in ``held``) until the test releases it; ``late``: held past
    ``answer_within`` (0.3 s), told "not loaded yet" first. The node stops and the script goes at the end."""
    port = free_port(socket.SOCK_DGRAM)
    context = KeepsAndTells()
    node = AbletonLive("live", {"port": port, "answer_within": 0.3, "folder": str(tmp_path / "live")}, context)
    node.start()
    surface = None
    try:
        first = SlotAssignment("HH", write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav"), "knock", 0.9)
        node.on_assignment(first)
        name = first.take.name
        wait_for(lambda: any(told.startswith(f"error: {name} (slot HH) not loaded: ") for told in context.told))
        sock = node.link.sock = held(node.link.sock)
        tracks = [Track("HH")]
        surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)
        # Live answers a ping: the take goes again (held back, Live busy with it)
        wait_for(lambda: any("live_answers" in status for status in context.statuses) and bool(sock.held),
                 tick=surface.update_display)
        if late:
            wait_for(lambda: sum(f"{name} (slot HH) not loaded" in told for told in context.told) == 2,
                     tick=surface.update_display)
        yield SentAgain(node, context, first.take, sock, tracks, surface)
    finally:
        node.stop()
        if surface is not None:
            surface.disconnect()
