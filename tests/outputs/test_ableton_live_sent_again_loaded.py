"""A take told not loaded (Live silent) that Live loads once its load goes again, at Live's answer, is named loaded
after all (``loaded_after_all``). Only the load the node held the take open for named it; the one sent again to a
Live back is held no more (its end was told), so Live's answer to it in time (the common case: Live back answers at
once) left the run's summary and ``--json`` counting the take "loaded by no output", and its phone's row red. A late
answer to it was named already: it is matched to the slot's oldest load of that file, the held one.

Over real UDP; Live's side is the remote script against ``live_standin`` (the one mock the project allows). The
node's real socket holds back the load it sends again until the test lets it go: a Live busy with it, for as long as
the test needs, rather than a race with the script's display timer."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

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


def _sent_again_to_live_back(tmp_path: Path, late: bool) -> tuple[KeepsAndTells, str, list[Track]]:
    """A take told not loaded (no Live), sent again once Live answers, and Live's answer to that load: ``late``,
    past ``answer_within`` (told "not loaded yet" first), or in time. Returns what the node told, the take's id and
    Live's tracks."""
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
        sock = node.link.sock = HeldLoads(node.link.sock)
        tracks = [Track("HH")]
        surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=port)
        # Live answers a ping: the take goes again (held back, Live busy with it)
        wait_for(lambda: any("live_answers" in status for status in context.statuses) and bool(sock.held),
                 tick=surface.update_display)
        if late:
            wait_for(lambda: sum(f"{name} (slot HH) not loaded" in told for told in context.told) == 2,
                     tick=surface.update_display)
        sock.release()
        wait_for(lambda: tracks[0].clip_slots[0].clip is not None and any("live_loaded" in status
                                                                           for status in context.statuses),
                 tick=surface.update_display)
        wait_for(lambda: node.loaded == 1, tick=surface.update_display)
    finally:
        node.stop()
        if surface is not None:
            surface.disconnect()
    return context, first.take.take_id, tracks


def test_a_late_answer_to_a_take_sent_again_names_it_loaded_after_all(tmp_path: Path) -> None:
    # Named before the fix too (the answer is matched to the held load): kept, as the fix names takes another way
    context, take_id, _ = _sent_again_to_live_back(tmp_path, late=True)
    late = [status for status in context.statuses if "after all" in str(status.get("warning", ""))]
    assert [status.get("loaded_after_all") for status in late] == [take_id], context.statuses


def test_an_answer_in_time_to_a_take_sent_again_names_it_loaded_after_all(tmp_path: Path) -> None:
    context, take_id, _ = _sent_again_to_live_back(tmp_path, late=False)
    named = [status["loaded_after_all"] for status in context.statuses if "loaded_after_all" in status]
    assert named == [take_id], context.statuses
