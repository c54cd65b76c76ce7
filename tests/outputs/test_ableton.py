"""Ableton outputs over real UDP on loopback: the original device's protocol, AbletonOSC, dead targets."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonMax, AbletonOsc, TakeFiles, track_colour
from exsampling_patch.takes import write_float_wav, write_take

from .helpers import LOCATION, sine_take


class OriginalDevice:
    """Routes like the original Max for Live device: remembers /sound /pitch /location /duration; /label triggers.

    Each trigger records what the device would load: the slot, and the path, pitch and location it holds then.
    """

    def __init__(self) -> None:
        self.state: dict[str, Any] = {}
        self.loads: list[dict[str, Any]] = []
        self.got = threading.Event()
        dispatcher = Dispatcher()
        for address in ("/sound", "/pitch", "/location", "/duration"):
            dispatcher.map(address, self._remember)
        dispatcher.map("/label", self._trigger)
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def _remember(self, address: str, *args: Any) -> None:
        self.state[address] = args[0]

    def _trigger(self, address: str, *args: Any) -> None:
        self.loads.append({"slot": args[0], **self.state})
        self.got.set()

    def wait(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.loads) < count and time.monotonic() < deadline:
            time.sleep(0.005)
        assert len(self.loads) >= count, f"the device got {len(self.loads)} of {count} takes"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def device() -> Iterator[OriginalDevice]:
    d = OriginalDevice()
    yield d
    d.close()


def stored(tmp_path: Path, name: str, take: Take) -> Take:
    return write_take(take, tmp_path / f"{name}.wav")


def test_the_device_sees_this_takes_path_pitch_and_location_when_label_arrives(device: OriginalDevice,
                                                                                tmp_path: Path) -> None:
    node = AbletonMax("live", {"port": device.port, "folder": str(tmp_path / "live")})
    node.start()
    first = stored(tmp_path, "dog", sine_take(220.0, location=LOCATION))
    second = stored(tmp_path, "bell", sine_take(880.0, seconds=1.5, location=None))
    node.on_assignment(SlotAssignment("Bass", first, "dog", 0.8))
    node.on_assignment(SlotAssignment("TT", second, "church bells", 0.7))
    device.wait(2)
    node.stop()
    a, b = device.loads
    assert a["slot"] == "Bass" and a["/sound"] == str(first.path) and a["/pitch"] == pytest.approx(220.0)
    assert a["/location"] == "35.658600/139.745400" and a["/duration"] == pytest.approx(2.0)
    # the second take's own pitch (the original device played it at the first take's pitch)
    assert b["slot"] == "TT" and b["/sound"] == str(second.path) and b["/pitch"] == pytest.approx(880.0)
    assert b["/location"] == "" and b["/duration"] == pytest.approx(1.5)


def test_unpitched_take_gets_the_default_pitch_and_unstored_take_is_written_for_live(device: OriginalDevice,
                                                                                    tmp_path: Path) -> None:
    node = AbletonMax("live", {"port": device.port, "default_pitch": 261.63, "folder": str(tmp_path / "live")})
    node.start()
    node.on_assignment(SlotAssignment("HH", stored(tmp_path, "keys", sine_take(3000.0, pitch=0))))
    device.wait(1)
    assert device.loads[0]["/pitch"] == pytest.approx(261.63)
    changed = sine_take(100.0)  # a take the patch changed (trimmed, ...): no file holds these samples yet
    node.on_assignment(SlotAssignment("HH", changed))
    device.wait(2)
    written = Path(device.loads[1]["/sound"])
    assert written.parent == (tmp_path / "live").resolve()
    assert sf.info(written).frames == changed.frames
    node.stop()


def test_each_take_reaches_the_device_as_one_bundle_in_order_trigger_last(tmp_path: Path) -> None:
    """One datagram per take: a network that reorders or drops datagrams cannot mix two takes' messages."""
    import socket

    from pythonosc.osc_bundle import OscBundle
    from pythonosc.osc_message import OscMessage

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(0.5)
        node = AbletonMax("live", {"port": receiver.getsockname()[1], "folder": str(tmp_path / "live")})
        node.start()
        takes = [stored(tmp_path, f"t{i}", sine_take(220.0 * (i + 1), location=LOCATION)) for i in range(3)]
        for i, take in enumerate(takes):
            node.on_assignment(SlotAssignment(f"S{i}", take, "dog", 0.9))
        datagrams = []
        with pytest.raises(TimeoutError):  # then nothing more arrives
            while True:
                datagrams.append(receiver.recv(65536))
        node.stop()
    assert len(datagrams) == len(takes), f"{len(datagrams)} datagrams for {len(takes)} takes"
    for i, (datagram, take) in enumerate(zip(datagrams, takes, strict=True)):
        assert OscBundle.dgram_is_bundle(datagram)
        contents = list(OscBundle(datagram))
        assert all(isinstance(m, OscMessage) for m in contents)
        got = [(m.address, m.params) for m in contents]
        assert [address for address, _ in got] == ["/sound", "/pitch", "/location", "/duration", "/label"]
        assert got[0][1] == [str(take.path)] and got[1][1][0] == pytest.approx(220.0 * (i + 1))
        assert got[-1][1] == [f"S{i}"]  # the trigger, last


def test_dead_targets_are_reported_and_the_node_goes_on(tmp_path: Path) -> None:
    context = NodeContext()
    # Each with a folder in tmp_path: the default (../session/live) is taken from the working directory here.
    node = AbletonMax("live", {"host": "no-such-host.invalid", "port": 10500, "folder": str(tmp_path / "live")},
                      context)
    node.start()
    take = stored(tmp_path, "t", sine_take(440.0))
    node.on_assignment(SlotAssignment("HH", take))
    node.on_assignment(SlotAssignment("HH", take))
    assert len(context.errors) == 1 and "no-such-host.invalid" in str(context.errors[0])
    node.stop()
    # a host that is up but has nothing listening: UDP just goes nowhere, no error, no exception
    quiet = AbletonMax("live2", {"port": 9, "folder": str(tmp_path / "live")}, NodeContext())
    quiet.start()
    quiet.on_assignment(SlotAssignment("HH", take))
    quiet.on_assignment(SlotAssignment("HH", take))
    quiet.stop()


class FakeAbletonOsc:
    """A UDP stand-in for AbletonOSC: records messages; answers track names on the sender's reply port."""

    def __init__(self, track_names: list[str], reply_port: int) -> None:
        self.messages: list[tuple[str, list[Any]]] = []
        self.track_names, self.reply_port = track_names, reply_port
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._on)
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    def _on(self, address: str, *args: Any) -> None:
        self.messages.append((address, list(args)))
        if address == "/live/song/get/track_names":
            from pythonosc.udp_client import SimpleUDPClient

            SimpleUDPClient("127.0.0.1", self.reply_port).send_message(address, self.track_names)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def free_udp_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_ableton_osc_finds_the_slots_track_by_name_and_fires_it(tmp_path: Path) -> None:
    reply_port = free_udp_port()
    live = FakeAbletonOsc(["Drums", "Snare dog", "HH"], reply_port)
    node = AbletonOsc("aosc", {"port": live.port, "reply_port": reply_port,
                               "actions": ["name", "color", "volume", "fire"], "folder": str(tmp_path / "live")})
    node.start()
    try:
        deadline = time.monotonic() + 5
        while not node.track_names and time.monotonic() < deadline:
            time.sleep(0.01)
        assert node.track_names == ["Drums", "Snare dog", "HH"]
        node.on_assignment(SlotAssignment("Snare", sine_take(200.0), "knock", 0.9))
        deadline = time.monotonic() + 5
        while len(live.messages) < 5 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        node.stop()
        live.close()
    sent = [message for message in live.messages if message[0] != "/live/song/get/track_names"]
    assert sent == [("/live/track/set/name", [1, "Snare knock"]),
                    ("/live/track/set/color", [1, track_colour("knock")]),
                    ("/live/track/set/volume", [1, pytest.approx(0.85)]),
                    ("/live/clip_slot/fire", [1, 0])]


def test_ableton_osc_tells_a_slot_whose_place_has_no_track_or_another_slots(tmp_path: Path) -> None:
    # Before, a slot no track is named after went to the track of its place whatever Live had told: in a set with
    # fewer tracks than slots, to a track that is not there (AbletonOSC dropped it with a word in its log only, the
    # console said "slot Wind"); or to another slot's track, whose clip it fired.
    reply_port = free_udp_port()
    live = FakeAbletonOsc(["Drums", "Snare dog", "HH", "Audio 4"], reply_port)
    node = AbletonOsc("aosc", {"port": live.port, "reply_port": reply_port, "folder": str(tmp_path / "live")})
    node.start()
    try:
        deadline = time.monotonic() + 5
        while not node.track_names and time.monotonic() < deadline:
            time.sleep(0.01)
        with pytest.raises(KeyError) as no_track:
            node.on_assignment(SlotAssignment("Wind", sine_take(200.0), "flute", 0.9))  # the sixth slot
        assert str(no_track.value) == ("slot 'Wind' has no track in Live: no track is named 'Wind', and the set has no "
                                       "track 6 (4 tracks: Drums, Snare dog, HH, Audio 4); name a track 'Wind'")
        with pytest.raises(KeyError) as taken:
            node.on_assignment(SlotAssignment("TT", sine_take(200.0), "tom", 0.9))  # the third: HH's track
        assert str(taken.value) == ("slot 'TT' has no track in Live: no track is named 'TT', and track 3 ('HH') is "
                                    "the track of slot 'HH'; name a track 'TT'")
        node.on_assignment(SlotAssignment("BD", sine_take(200.0), "kick", 0.9))  # the fourth, a track of no slot
        deadline = time.monotonic() + 5
        while len([m for m in live.messages if m[0] == "/live/clip_slot/fire"]) < 1 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        node.stop()
        live.close()
    sent = [message for message in live.messages if message[0] != "/live/song/get/track_names"]
    assert sent == [("/live/track/set/color", [3, track_colour("kick")]), ("/live/clip_slot/fire", [3, 0])]


@pytest.mark.parametrize("channels", [1, 2])
def test_float_wav_for_live_reads_back_exactly_with_its_sidecar(tmp_path: Path, channels: int) -> None:
    samples = (np.random.default_rng(channels).standard_normal((12345, channels)) * 0.3).astype(np.float32)
    write_float_wav(tmp_path / "raw.wav", samples, 44100)
    back, rate = sf.read(tmp_path / "raw.wav", dtype="float32", always_2d=True)
    assert rate == 44100 and sf.info(tmp_path / "raw.wav").subtype == "FLOAT" and np.array_equal(back, samples)
    take = Take(samples[100:5000], 48000, take_id="trimmed take", meta={"pitch_hz": 220.0})
    path = TakeFiles(tmp_path / "live").path_for(take)
    assert path.name == "trimmed_take.wav"
    back, rate = sf.read(path, dtype="float32", always_2d=True)
    assert rate == 48000 and np.array_equal(back, samples[100:5000])
    sidecar = path.with_name(path.name + ".json").read_text()
    assert '"pitch_hz": 220.0' in sidecar and '"subtype": "FLOAT"' in sidecar
    assert not list((tmp_path / "live").glob("*.part"))  # written whole, then renamed


def test_copies_for_live_are_written_ahead_and_unassigned_ones_are_cleaned_up(tmp_path: Path) -> None:
    files = TakeFiles(tmp_path / "live", keep_ahead=2)
    takes = [Take(np.full((4800, 1), 0.1 * (i + 1), np.float32), 48000, take_id=f"t{i}") for i in range(4)]
    files.write_ahead(takes[0])  # while it is classified
    ahead = tmp_path / "live" / "t0.wav"
    written = ahead.stat()
    path = files.path_for(takes[0].derive(meta={"pitch_hz": 110.0}))  # its assignment: same audio, now pitched
    assert path == ahead and path.stat().st_mtime_ns == written.st_mtime_ns  # not written again
    for take in takes[1:]:
        files.write_ahead(take)  # t1..t3; only keep_ahead=2 unassigned copies are kept
    assert sorted(p.name for p in (tmp_path / "live").glob("*.wav")) == ["t0.wav", "t2.wav", "t3.wav"]
    changed = takes[2].derive(samples=takes[2].samples * 0.5)  # a node changed the audio after it was sent ahead
    path = files.path_for(changed)
    back, _ = sf.read(path, dtype="float32", always_2d=True)
    assert np.allclose(back, 0.15)  # what the assignment carries, not the copy written ahead
    files.write_ahead(takes[0])  # the same take again (Live has its file): written ahead, then dropped unassigned
    files.write_ahead(takes[1])
    files.write_ahead(takes[3])
    assert (tmp_path / "live" / "t0.wav").exists()  # Live's file stays
    own = Take(np.zeros((10, 1), np.float32), 48000, take_id="stored", path=tmp_path / "stored.wav")
    files.write_ahead(own)
    assert files.path_for(own) == tmp_path / "stored.wav"  # a take that is its own file needs no copy


def test_copies_for_live_are_removed_when_no_slot_needs_them(device: OriginalDevice, tmp_path: Path) -> None:
    """Issue 16: 10 minutes of the default patch left 738 MB of copies for Live, never cleaned."""
    live = tmp_path / "live"
    node = AbletonMax("live", {"port": device.port, "folder": str(live), "keep_per_slot": 3})
    node.start()
    original = stored(tmp_path, "kept", sine_take(440.0))
    node.on_assignment(SlotAssignment("Piano", original))  # unchanged: its own file, the archive
    for i in range(10):
        for slot in ("HH", "BD"):
            take = sine_take(200.0 + i, seconds=0.2)  # changed by the patch: copied for Live
            node.on_upcoming(take)
            node.on_assignment(SlotAssignment(slot, take))
    device.wait(21)
    node.stop()
    copies = sorted(live.glob("*.wav"))
    assert len(copies) == 6  # the newest 3 of each slot
    assert {Path(load["/sound"]) for load in device.loads[-6:]} == {p.resolve() for p in copies}
    assert len(list(live.glob("*.wav.json"))) == 6
    assert original.path is not None and original.path.exists()
    # a copy no slot lists (an earlier run's) is removed at the next start; the listed ones stay
    stray = write_take(sine_take(300.0, seconds=0.1), live / "stray.wav")
    assert stray.path is not None
    old = time.time() - 60
    os.utime(stray.path, (old, old))
    again = AbletonMax("live", {"port": device.port, "folder": str(live), "keep_per_slot": 3})
    again.start()
    again.stop()
    assert not stray.path.exists() and sorted(live.glob("*.wav")) == copies


def test_a_take_redone_after_a_restart_is_not_sent_twice(device: OriginalDevice, tmp_path: Path) -> None:
    take = stored(tmp_path, "t", sine_take(440.0)).derive(meta={"stored_at": time.monotonic()})
    node = AbletonMax("live", {"port": device.port, "folder": str(tmp_path / "live")})
    node.start()
    node.on_assignment(SlotAssignment("HH", take))
    device.wait(1)
    node.stop()
    again = AbletonMax("live", {"port": device.port, "folder": str(tmp_path / "live")})
    again.start()
    again.on_assignment(SlotAssignment("HH", take.derive(meta={"recovered": True})))  # the source redoes it
    other = stored(tmp_path, "u", sine_take(330.0)).derive(meta={"stored_at": 0.0, "recovered": True})
    again.on_assignment(SlotAssignment("BD", other))  # recovered, but never sent: sent now
    device.wait(2)
    time.sleep(0.1)
    again.stop()
    assert [load["slot"] for load in device.loads] == ["HH", "BD"]
