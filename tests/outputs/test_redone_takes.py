"""A take that reached its slot while the patch stopped uncleanly is passed on again at the next start (redone):
Live is not sent it a second time, whichever Live output the patch uses.

The patch runs for real: a web recorder takes a phone's upload over HTTPS, a node assigns it a slot, and the three
Live outputs send it over real UDP to stand-ins on loopback (``ableton_live``'s: the remote script itself, against
``live_standin``'s Live, ticked as Live's display timer would). A slow node on another branch keeps the take from
ending, so the stop times out (unclean) and the take is not written down as done; the next start redoes it.
Before: ``ableton_max`` already skipped its bundle (its sender's log), but ``ableton_live`` loaded the take into
its track again (firing its clip again with ``fire``), and ``ableton_osc`` fired the slot's clip a second time.
And ``ableton_live`` wrote a take down as sent when it sent it, not when Live answered: one sent while Live was not
running was skipped at its redo as already sent, and Live never got it.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
from pythonosc.osc_message import OscMessage

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import Input, Node, Output
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import SLOT, TAKE
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import PROCESSED_JOURNAL
from tests.intake.conftest import Client, sine

from .live_standin import CInstance, Song, Track


class AssignHH(Node):
    """Every take goes to slot HH (no classifier needed)."""

    type_name = "test_assign_hh"
    family = "test"
    take = Input(TAKE, "takes")
    slot = Output(SLOT, "assignments")

    def on_take(self, take: Take) -> None:
        self.emit("slot", SlotAssignment("HH", take, "knock", 0.9))


class Slow(Node):
    """Holds each take until the engine's stop comes to this node (after its wait for the takes to end ran out): the
    stop is unclean, and the take does not end. Held a fixed second, it ended cleanly before the stop wherever the
    Live outputs took longer than that to deliver (run_once waits up to 5 s for them)."""

    type_name = "test_slow"
    family = "test"
    take = Input(TAKE, "takes")

    def on_take(self, take: Take) -> None:
        self.stop_event.wait(60.0)  # a hang's limit: stop() sets it


class Listener:
    """A UDP port on loopback that keeps the OSC address of every message it gets (bundles opened)."""

    def __init__(self) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.05)
        self.port = int(self.sock.getsockname()[1])
        self.addresses: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            self.addresses.extend(_addresses(data))

    def count(self, address: str) -> int:
        return self.addresses.count(address)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


class Live:
    """The remote script in a stand-in Live on a port of loopback, its display timer ticking; ``down()`` closes it
    (Live quit: nothing answers there), ``up()`` opens it again on the same port."""

    def __init__(self) -> None:
        self.track = Track("HH")
        self.loads = 0  # what the scripts of each up() loaded, together
        self.surface: ableton_remote.ExSamplingSurface | None = None
        self.up(0)
        assert self.surface is not None
        self.port: int = self.surface.port
        self._stop: threading.Event = threading.Event()
        self._lock: threading.Lock = threading.Lock()
        self._thread: threading.Thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()

    def up(self, port: int | None = None) -> None:
        surface = ableton_remote.ExSamplingSurface(CInstance(Song([self.track])), port=self.port if port is None
                                                   else port)
        self.surface = surface

    def down(self) -> None:
        with self._lock:
            surface, self.surface = self.surface, None
            if surface is not None:
                self.loads += surface.loaded
                surface.disconnect()

    def loaded(self) -> int:
        with self._lock:
            return self.loads + (self.surface.loaded if self.surface is not None else 0)

    def _tick(self) -> None:
        while not self._stop.wait(0.01):
            with self._lock:
                if self.surface is not None:
                    self.surface.update_display()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.down()


def _addresses(data: bytes) -> list[str]:
    if data.startswith(b"#bundle\0"):
        out, at = [], 16
        while at + 4 <= len(data):
            size = int.from_bytes(data[at:at + 4], "big")
            out.extend(_addresses(data[at + 4:at + 4 + size]))
            at += 4 + size
        return out
    return [OscMessage(data).address]


@pytest.fixture
def listeners() -> Iterator[dict[str, Listener]]:
    made = {name: Listener() for name in ("max", "osc")}
    yield made
    for listener in made.values():
        listener.close()


@pytest.fixture
def live() -> Iterator[Live]:
    made = Live()
    yield made
    made.close()


def run_once(folder: Path, listeners: dict[str, Listener], live_port: int, upload: bool,
             loaded: int | None = 1) -> tuple[bool, Engine]:
    """One run (with ``upload``, of a phone's take), stopped uncleanly once each Live output sent the take or skipped
    it as sent (``ableton_live``: with ``loaded`` answers, 0 where Live is not running, told as its error; None: not
    waited for, a take skipped as sent)."""
    registry = Registry.default(entry_points=False)
    registry.register(AssignHH, "tests")
    registry.register(Slow, "tests")
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(folder / "takes"), "state_folder":
                                                    str(folder / "state"), "host": "127.0.0.1", "port": 0,
                                                    "print_qr": False}))
    patch.add_node(NodeSpec("assign", "test_assign_hh", {}))
    patch.add_node(NodeSpec("slow", "test_slow", {}))
    live = str(folder / "live")
    patch.add_node(NodeSpec("max", "ableton_max", {"port": listeners["max"].port, "folder": live}))
    patch.add_node(NodeSpec("live", "ableton_live", {"port": live_port, "folder": live, "fire": True,
                                                     "answer_within": 0.3}))
    patch.add_node(NodeSpec("aosc", "ableton_osc", {"port": listeners["osc"].port, "reply_port": 0,
                                                    "actions": ["color", "fire"], "folder": live}))
    patch.connect("rec.take", "assign.take")
    patch.connect("rec.take", "slow.take")
    for output in ("max", "live", "aosc"):
        patch.connect("assign.slot", f"{output}.assignment")
    engine = Engine(registry, base_dir=folder)
    engine.start(patch)
    if upload:
        client = Client(engine, folder / "state" / "recorder-cert.pem")
        status, reply = client.upload(encode_wav_pcm16(sine(seconds=0.3), 48000), take_id="knock-1")
        assert status == 201, reply
    node = cast(AbletonLive, engine.node("live"))

    def handled(node_id: str) -> bool:  # sent (or skipped as sent) by that output in this run
        status = engine.status.get(node_id, {})
        return bool(status.get("already_sent") or status.get("slot"))

    deadline = time.monotonic() + 5
    while (listeners["max"].count("/label") < 1 or not handled("aosc") or not handled("live")
           or not (loaded is None or (node.loaded >= loaded if loaded else "live" in engine.errors))) \
            and time.monotonic() < deadline:
        time.sleep(0.01)
    return engine.stop(timeout=0.1), engine


def test_a_take_redone_after_an_unclean_stop_reaches_live_once(tmp_path: Path, listeners: dict[str, Listener],
                                                              live: Live) -> None:
    clean, _ = run_once(tmp_path, listeners, live.port, upload=True)
    assert not clean  # the slow node held the take: it did not end, and is redone at the next start
    journal = tmp_path / "takes" / PROCESSED_JOURNAL
    assert not journal.exists() or not journal.read_text().strip()
    clean, engine = run_once(tmp_path, listeners, live.port, upload=False, loaded=None)
    assert not clean  # the slow node had the take again: it was redone
    time.sleep(0.3)  # anything sent late would have arrived by now
    assert listeners["max"].count("/label") == 1
    assert live.loaded() == 1 and live.track.clip_slots[0].fired == 1
    assert listeners["osc"].count("/live/clip_slot/fire") == 1
    assert engine.status["live"].get("already_sent") and engine.status["aosc"].get("already_sent")


def test_a_take_live_never_answered_goes_to_it_at_the_redo(tmp_path: Path, listeners: dict[str, Listener],
                                                          live: Live) -> None:
    live.down()  # Live is not running as the take comes, and the patch then stops uncleanly (a crash)
    clean, _ = run_once(tmp_path, listeners, live.port, upload=True, loaded=0)
    assert not clean
    live.up()
    clean, engine = run_once(tmp_path, listeners, live.port, upload=False)
    assert live.loaded() == 1 and live.track.clip_slots[0].clip is not None
    # Kept at the stop (Live never got it), it went at Live's first answer, and the redo, skipped as sent, did not
    # load it again; or the redo went first, and the kept one was answered "already".
    assert engine.status["aosc"].get("already_sent")  # AbletonOSC's sends are not answered: sent is sent
