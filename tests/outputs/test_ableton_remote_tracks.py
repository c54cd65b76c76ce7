"""Which track the Live remote script loads a take into, and a take sent again whose file is gone: the script against
the stand-in of Live's object model (``live_standin``, the one mock allowed), over real UDP.

Before: with no track named exactly after the slot, the script took the first track whose name started with the
slot and a space: with slots ``HH`` and ``HH Open``, and no track ``HH``, HH's take went into HH Open's track. And a
take sent again (``once``) that the track held already, or that the script had loaded before, was answered "file not
found" rather than ``already`` once its file was gone: the node told not loaded a take Live had loaded. And a track
renamed per take (``ableton_osc``'s ``name`` action, the two nodes on one set: ``Snare dog``) was told only as "no
track named 'Snare'", the performer looking at a track named Snare as far as the eye goes.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import exsampling_ableton_remote as ableton_remote
from exsampling_ableton_remote import osc
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take

from .helpers import sine_take
from .live_standin import CInstance, Song, Track
from .test_ableton_remote import drive


class Sender:
    """A patch's end of the script's UDP port: sends one message, plays Live's display timer until the answer."""

    def __init__(self, surface: Any) -> None:
        self.surface = surface
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.01)

    def ask(self, address: str, args: list[Any]) -> tuple[str, list[Any]]:
        self.sock.sendto(osc.encode(address, args), ("127.0.0.1", self.surface.port))
        for _ in range(1000):  # a guard against a script that never answers, not a time it is expected within
            self.surface.update_display()
            try:
                return osc.decode(self.sock.recv(65536))
            except TimeoutError:
                continue
        raise AssertionError("the script did not answer")


@pytest.fixture
def sender() -> Iterator[tuple[list[Track], Sender]]:
    tracks = [Track("HH Open"), Track("Snare"), Track("Piano", midi=True, simpler=True)]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    sender = Sender(surface)
    yield tracks, sender
    sender.sock.close()
    surface.disconnect()


def test_a_slot_without_its_own_track_does_not_take_the_track_of_a_slot_named_longer(tmp_path: Path) -> None:
    tracks = [Track("HH Open"), Track("Snare")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live")}, NodeContext())
    node.start()
    try:
        take = write_take(sine_take(440.0), tmp_path / "hat.wav")
        address, args = drive(surface, node, SlotAssignment("HH", take, "hat", 0.9))
        assert (address, args) == ("/exsampling/error", [
            "HH", "no track named 'HH' (tracks: HH Open, Snare); 'HH Open' is not taken for it: only a track named "
            "exactly 'HH' is (renamed by ableton_osc's 'name' action? leave 'name' out of its actions beside "
            "ableton_live)", args[2]])
        assert tracks[0].clip_slots[0].clip is None and surface.loaded == 0
        # HH Open's own take goes into its track, and a slot's track is found whatever its case and end spaces
        tracks[1].name = " snare "
        for slot, track in (("HH Open", tracks[0]), ("Snare", tracks[1])):
            assert drive(surface, node, SlotAssignment(slot, take, "hat", 0.9)) == (
                "/exsampling/loaded", [slot, str(take.path), "clip_slot"])
            assert track.clip_slots[0].clip is not None and track.clip_slots[0].clip.file_path == str(take.path)
    finally:
        node.stop()
        surface.disconnect()


@pytest.mark.parametrize("slot", ["Snare", "Piano"])
def test_a_take_sent_again_that_its_track_holds_is_already_there_though_its_file_is_gone(
        sender: tuple[list[Track], Sender], tmp_path: Path, slot: str) -> None:
    tracks, live = sender
    path = write_take(sine_take(440.0), tmp_path / "knock.wav").path
    assert path is not None
    assert live.ask("/exsampling/load", [slot, str(path), "knock", 440.0, 1, 0])[0] == "/exsampling/loaded"
    path.unlink()  # the patch's copy removed (its slot's older copies are), Live still holding the take
    assert live.ask("/exsampling/load", [slot, str(path), "knock", 440.0, 1, 1]) == (
        "/exsampling/loaded", [slot, str(path), "already"])
    snare = tracks[1].clip_slots[0]
    assert snare.fired == (1 if slot == "Snare" else 0)  # not loaded nor fired again
    # Not sent again (no ``once``): a load, which needs the file
    reply = live.ask("/exsampling/load", [slot, str(path), "knock", 440.0, 1, 0])
    assert reply == ("/exsampling/error", [slot, f"file not found: {path}", str(path)])


def test_a_take_sent_again_that_a_later_take_replaced_is_already_there_though_its_file_is_gone(
        sender: tuple[list[Track], Sender], tmp_path: Path) -> None:
    tracks, live = sender
    older = write_take(sine_take(440.0), tmp_path / "older.wav").path
    newer = write_take(sine_take(220.0), tmp_path / "newer.wav").path
    assert older is not None and newer is not None
    for path in (older, newer):
        assert live.ask("/exsampling/load", ["Snare", str(path), "", 0.0, 0, 1])[1][2] == "clip_slot"
    older.unlink()
    assert live.ask("/exsampling/load", ["Snare", str(older), "", 0.0, 0, 1]) == (
        "/exsampling/loaded", ["Snare", str(older), "already"])
    clip = tracks[1].clip_slots[0].clip
    assert clip is not None and clip.file_path == str(newer)  # the newer take stays


def test_a_track_renamed_after_its_slot_and_a_label_is_told_as_not_found_and_why(tmp_path: Path) -> None:
    tracks = [Track("HH"), Track("Snare")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    context = NodeContext()
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        take = write_take(sine_take(440.0), tmp_path / "knock.wav")
        assert drive(surface, node, SlotAssignment("Snare", take, "dog", 0.9))[0] == "/exsampling/loaded"
        tracks[1].name = "Snare dog"  # as ableton_osc's 'name' action names it, beside this node
        address, args = drive(surface, node, SlotAssignment("Snare", take, "dog", 0.9))
    finally:
        node.stop()
        surface.disconnect()
    told = ("no track named 'Snare' (tracks: HH, Snare dog); 'Snare dog' is not taken for it: only a track named "
            "exactly 'Snare' is (renamed by ableton_osc's 'name' action? leave 'name' out of its actions beside "
            "ableton_live)")
    assert (address, args[:2]) == ("/exsampling/error", ["Snare", told])
    assert str(context.errors[-1]).endswith(f" not loaded into Live's track 'Snare': {told}")
