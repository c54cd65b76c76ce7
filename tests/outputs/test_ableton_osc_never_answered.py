"""``ableton_osc``: a take sent while AbletonOSC has never answered (Live not opened yet) is not written down as sent.
Before, only a silence after answers kept a take out of the sent log: one sent before the first answer was logged, and
redone after a restart (Live opened by then) it was skipped as already sent: Live never coloured nor fired it.

Live's side is a real UDP socket standing in for AbletonOSC (the one mock the project allows)."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import numpy as np
import pytest
from pythonosc.osc_bundle import OscBundle
from pythonosc.osc_message import OscMessage

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import ableton
from exsampling_patch.nodes.ableton import AbletonOsc
from tests.outputs.test_ableton_osc_silent import AbletonOscStandin, wait_for


class RecordingStandin(AbletonOscStandin):
    """The stand-in, also keeping each message it gets (answered or not), as (address, params)."""

    def __init__(self, names: list[str]) -> None:
        self.got: list[tuple[str, list[object]]] = []
        self._got_lock = threading.Lock()
        super().__init__(names)

    def _serve(self) -> None:
        from pythonosc.udp_client import SimpleUDPClient

        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            messages = ([item for item in OscBundle(data)] if OscBundle.dgram_is_bundle(data)
                        else [OscMessage(data)])
            for message in messages:
                with self._got_lock:
                    self.got.append((message.address, list(message.params)))
                if message.address == "/live/song/get/track_names" and self.answering.is_set():
                    SimpleUDPClient("127.0.0.1", self.reply_port).send_message("/live/song/get/track_names",
                                                                               self.names)

    def fired(self) -> list[list[object]]:
        with self._got_lock:
            return [params for address, params in self.got if address == "/live/clip_slot/fire"]


def test_a_take_sent_before_abletonosc_ever_answered_goes_at_its_redo(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ableton, "ASK_EVERY", 0.2, raising=False)  # 2 s on stage; the test's time
    live = RecordingStandin(["HH"])
    live.answering.clear()  # Live not opened yet
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    live.reply_port = int(probe.getsockname()[1])
    probe.close()
    params = {"port": live.port, "reply_port": live.reply_port, "folder": str(tmp_path / "live")}
    take = Take(np.zeros((480, 1), np.float32), 48000, take_id="knock-1", meta={"stored_at": 1.0})
    assignment = SlotAssignment("HH", take, "knock", 0.9)
    try:
        context = NodeContext()
        node = AbletonOsc("aosc", params, context)
        node.start()
        try:
            wait_for(lambda: any("does not answer" in str(error) for error in context.errors))
            node.on_assignment(assignment)
            assert context.statuses[-1]["slot"] == "HH"  # sent, by position
            # an AbletonOSC that gets it but whose answers miss reply_port has it: "may not reach Live", not "lost"
            wait_for(lambda: live.fired() == [[0, 0]])
            assert node.sent is not None and ableton.sent_key(assignment) not in node.sent  # not written down
        finally:
            node.stop()
        log = tmp_path / "live" / ".sent-aosc.txt"
        assert "knock-1" not in (log.read_text(encoding="utf-8") if log.exists() else "")
        live.answering.set()  # Live is opened, and the patch restarted: knock-1 is redone, and reaches Live
        with live._got_lock:
            live.got.clear()  # what the first run sent (a Live not opened would have missed it)
        context = NodeContext()
        node = AbletonOsc("aosc", params, context)
        node.start()
        try:
            wait_for(lambda: node.track_names == ["HH"])
            node.on_assignment(SlotAssignment("HH", take.derive(meta={"recovered": True}), "knock", 0.9))
            assert not any(s.get("already_sent") for s in context.statuses)
            wait_for(lambda: live.fired() == [[0, 0]])
            assert node.sent is not None and ableton.sent_key(assignment) in node.sent  # Live answers: sent is sent
            node.on_assignment(SlotAssignment("HH", take.derive(meta={"recovered": True}), "knock", 0.9))
            assert context.statuses[-1] == {"take": "knock-1", "already_sent": True}  # not fired twice
        finally:
            node.stop()
    finally:
        live.close()
