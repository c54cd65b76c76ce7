"""``ableton_osc`` with an AbletonOSC that does not answer its ask for track names: told once, and asked again
until it answers (a Live opened after the patch). Before, it asked once: a silent Live left each slot on the
track of its position, without a word. And one that stops answering later (Live quit) is an error, ended when it
answers again.

Live's side is a real UDP socket standing in for AbletonOSC (the one mock the project allows)."""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pytest
from pythonosc.osc_message import OscMessage
from pythonosc.udp_client import SimpleUDPClient

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import ableton
from exsampling_patch.nodes.ableton import AbletonOsc
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeStatus
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import NodeError


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
        # an error, as ableton_live's and ableton_max's: it was a warning, grey and cut short on the node
        wait_for(lambda: bool(context.errors))
        assert [str(error) for error in context.errors] == [
            f"AbletonOSC does not answer on 127.0.0.1:{port} (no track names on port {reply_port}): is Live running, "
            "with AbletonOSC as its Control Surface? Until it answers, slot N's takes go to track N and may not reach "
            "Live"]  # not "Takes are lost": they go by position, and an AbletonOSC answering elsewhere gets them
        assert not any(s.get("warning") for s in context.statuses)
        live.settimeout(5)
        asks = [OscMessage(live.recv(65536)).address for _ in range(2)]  # asked again, not once
        assert asks == ["/live/song/get/track_names"] * 2
        SimpleUDPClient("127.0.0.1", reply_port).send_message("/live/song/get/track_names", ["Drums", "HH"])
        wait_for(lambda: node.track_names == ["Drums", "HH"])
        # "port", an opened key: the error ends (the console says it is back)
        assert {"port": port, "abletonosc_answers": f"127.0.0.1:{port}", "tracks": 2} in context.statuses
        assert node.track_index("HH") == 1
        live.settimeout(5)  # asked on after the answer: a Live that quits later is told (below)
        assert OscMessage(live.recv(65536)).address == "/live/song/get/track_names"
        assert len(context.errors) == 1
    finally:
        node.stop()
        live.close()


class AbletonOscStandin:
    """AbletonOSC in Live: answers each ask for the track names on ``reply_port`` while ``answering`` is set."""

    def __init__(self, names: list[str]) -> None:
        self.names = names
        self.answering = threading.Event()
        self.answering.set()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = int(self.sock.getsockname()[1])
        self.reply_port = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            if OscMessage(data).address == "/live/song/get/track_names" and self.answering.is_set():
                SimpleUDPClient("127.0.0.1", self.reply_port).send_message("/live/song/get/track_names", self.names)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class OnConsole(NamedTuple):
    """What :func:`abletonosc_not_open_yet` started: the patch's engine, AbletonOSC's stand-in, the console's lines."""

    engine: Engine
    live: AbletonOscStandin
    err: io.StringIO


def test_abletonosc_that_stops_answering_is_told_and_back_when_it_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, once AbletonOSC had answered the node asked no more: a Live that quit mid-show was never told.
    monkeypatch.setattr(ableton, "ASK_EVERY", 0.2, raising=False)  # 2 s on stage; the test's time
    live = AbletonOscStandin(["Drums", "HH"])
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    live.reply_port = int(probe.getsockname()[1])
    probe.close()
    patch = Patch()
    patch.add_node(NodeSpec("aosc", "ableton_osc", {"port": live.port, "reply_port": live.reply_port,
                                                    "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    err = io.StringIO()
    engine.events.subscribe(StageConsole(patch, err=err), NodeError, NodeStatus)
    engine.start(patch)
    try:
        wait_for(lambda: engine.status.get("aosc", {}).get("tracks") == 2)
        live.answering.clear()  # Live quits
        wait_for(lambda: "stopped answering" in err.getvalue())
        live.answering.set()  # and is opened again
        back = f" aosc is back: ableton_osc 'aosc': AbletonOSC answers again on 127.0.0.1:{live.port}"
        wait_for(lambda: back in err.getvalue())
    finally:
        engine.stop()
        live.close()
    lines = err.getvalue().splitlines()
    told = [line for line in lines if "stopped answering" in line]
    assert len(told) == 1, lines  # once, not at each ask
    assert re.search(f" error in node 'aosc': AbletonOSC stopped answering on 127.0.0.1:{live.port} \\(no track names "
                     f"on port {live.reply_port} since \\d\\d:\\d\\d:\\d\\d\\): has Live quit\\? Until it answers "
                     "\\(asked every 0.2 s\\), takes go to the tracks it last named and may not reach Live$",
                     told[0]), told[0]
    assert lines.index(told[0]) < next(i for i, line in enumerate(lines) if line.endswith(back))
    assert not any("does not answer" in line for line in lines)  # it answered from the start


def test_a_take_sent_while_abletonosc_is_gone_goes_again_at_its_redo(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, a take sent while AbletonOSC was known gone (Live quit) was written down as sent all the same: at its
    # redo after a restart (Live opened again) it was skipped as already sent, and Live never coloured nor fired it.
    monkeypatch.setattr(ableton, "ASK_EVERY", 0.2, raising=False)  # 2 s on stage; the test's time
    live = AbletonOscStandin(["HH"])
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    live.reply_port = int(probe.getsockname()[1])
    probe.close()
    params = {"port": live.port, "reply_port": live.reply_port, "folder": str(tmp_path / "live")}
    take = Take(np.zeros((480, 1), np.float32), 48000, take_id="knock-1", meta={"stored_at": 1.0})
    try:
        context = NodeContext()
        node = AbletonOsc("aosc", params, context)
        node.start()
        try:
            wait_for(lambda: node.track_names == ["HH"])
            first = SlotAssignment("HH", take, "knock", 0.9)
            node.on_assignment(first)  # Live answers: sent is sent
            assert node.sent is not None and ableton.sent_key(first) in node.sent
            live.answering.clear()  # Live quits
            wait_for(lambda: any("stopped answering" in str(error) for error in context.errors))
            second = SlotAssignment("HH", take.derive(take_id="knock-2"), "knock", 0.9)
            node.on_assignment(second)
            assert context.statuses[-1]["slot"] == "HH"  # sent, into the void
            assert ableton.sent_key(second) not in node.sent  # but not written down as sent
        finally:
            node.stop()
        live.answering.set()  # Live is opened again, and the patch restarted: knock-2 is redone
        context = NodeContext()
        node = AbletonOsc("aosc", params, context)
        node.start()
        try:
            wait_for(lambda: node.track_names == ["HH"])
            redone = take.derive(take_id="knock-2", meta={"recovered": True})
            node.on_assignment(SlotAssignment("HH", redone, "knock", 0.9))
            assert not any(s.get("already_sent") for s in context.statuses)
            assert context.statuses[-1]["slot"] == "HH"
            node.on_assignment(SlotAssignment("HH", take.derive(meta={"recovered": True}), "knock", 0.9))
            assert context.statuses[-1] == {"take": "knock-1", "already_sent": True}  # Live had that one
        finally:
            node.stop()
    finally:
        live.close()


@contextmanager
def abletonosc_not_open_yet(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[OnConsole]:
    """An ableton_osc node 'aosc' started with its stage console's lines in ``err``, before Live opened: the
    AbletonOSC stand-in answers nothing until its ``answering`` is set. Asked every 0.2 s (2 s on stage: the test's
    time). The patch stops and the stand-in closes at the end."""
    monkeypatch.setattr(ableton, "ASK_EVERY", 0.2, raising=False)
    live = AbletonOscStandin(["Drums"])
    live.answering.clear()  # Live not opened yet
    probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    probe.bind(("127.0.0.1", 0))
    live.reply_port = int(probe.getsockname()[1])
    probe.close()
    patch = Patch()
    patch.add_node(NodeSpec("aosc", "ableton_osc", {"port": live.port, "reply_port": live.reply_port,
                                                    "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    err = io.StringIO()
    engine.events.subscribe(StageConsole(patch, err=err), NodeError, NodeStatus)
    engine.start(patch)
    try:
        yield OnConsole(engine, live, err)
    finally:
        engine.stop()
        live.close()


def test_abletonosc_silent_from_the_start_is_the_node_s_error_until_it_answers(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before, a Live not running yet was a warning: the node's title stayed grey and no error was counted, unlike
    # ableton_live's and ableton_max's, though its takes may not reach Live.
    with abletonosc_not_open_yet(tmp_path, monkeypatch) as (engine, live, err):
        wait_for(lambda: "does not answer" in engine.errors.get("aosc", ""))
        live.answering.set()  # Live opened
        wait_for(lambda: engine.status.get("aosc", {}).get("tracks") == 1)
        wait_for(lambda: "is back" in err.getvalue())
        assert "aosc" not in engine.errors
    assert (f" error in node 'aosc': AbletonOSC does not answer on 127.0.0.1:{live.port} (no track names on port "
            f"{live.reply_port}): ") in err.getvalue()
