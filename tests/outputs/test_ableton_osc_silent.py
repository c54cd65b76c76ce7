"""``ableton_osc`` with an AbletonOSC that does not answer its ask for track names: told once, and asked again
until it answers (a Live opened after the patch). Before, it asked once: a silent Live left each slot on the
track of its position, without a word.

Live's side is a real UDP socket standing in for AbletonOSC (the one mock the project allows)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.udp_client import SimpleUDPClient

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import ableton
from exsampling_patch.nodes.ableton import AbletonOsc


def wait_for(done: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert done()


def test_a_silent_abletonosc_is_told_and_asked_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ableton, "ASK_EVERY", 0.2, raising=False)  # 2 s on stage; the test's time
    live = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # Live with AbletonOSC, busy: it reads nothing yet
    live.bind(("127.0.0.1", 0))
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    reply_port = int(probe.getsockname()[1])
    probe.close()
    context = NodeContext()
    port = int(live.getsockname()[1])
    node = AbletonOsc("aosc", {"port": port, "reply_port": reply_port, "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        wait_for(lambda: any(s.get("warning") for s in context.statuses))
        assert [s["warning"] for s in context.statuses if s.get("warning")] == [
            f"AbletonOSC does not answer on 127.0.0.1:{port} (no track names on port {reply_port}): is Live "
            "running, with AbletonOSC as its Control Surface? Until it answers, slot N goes to track N"]
        live.settimeout(5)
        asks = [OscMessage(live.recv(65536)).address for _ in range(2)]  # asked again, not once
        assert asks == ["/live/song/get/track_names"] * 2
        SimpleUDPClient("127.0.0.1", reply_port).send_message("/live/song/get/track_names", ["Drums", "HH"])
        wait_for(lambda: node.track_names == ["Drums", "HH"])
        assert {"tracks": 2, "warning": ""} in context.statuses  # the warning ends
        assert node.track_index("HH") == 1
        live.setblocking(False)
        while True:  # asks already on their way before the answer
            try:
                live.recv(65536)
            except BlockingIOError:
                break
        live.settimeout(0.6)  # three periods of asking: none more
        with pytest.raises(TimeoutError):
            live.recv(65536)
        assert len([s for s in context.statuses if s.get("warning")]) == 1
    finally:
        node.stop()
        live.close()
