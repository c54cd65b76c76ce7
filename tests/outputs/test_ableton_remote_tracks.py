"""Which track the Live remote script loads a take into: the script against the stand-in of Live's object model
(``live_standin``, the one mock allowed), over real UDP.

Before: with no track named exactly after the slot, the script took the first track whose name started with the
slot and a space: with slots ``HH`` and ``HH Open``, and no track ``HH``, HH's take went into HH Open's track.
"""

from __future__ import annotations

from pathlib import Path

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.takes import write_take

from .helpers import sine_take
from .live_standin import CInstance, Song, Track
from .test_ableton_remote import drive


def test_a_slot_without_its_own_track_does_not_take_the_track_of_a_slot_named_longer(tmp_path: Path) -> None:
    tracks = [Track("HH Open"), Track("Snare")]
    surface = ableton_remote.ExSamplingSurface(CInstance(Song(tracks)), port=0)
    node = AbletonLive("live", {"port": surface.port, "folder": str(tmp_path / "live")}, NodeContext())
    node.start()
    try:
        take = write_take(sine_take(440.0), tmp_path / "hat.wav")
        address, args = drive(surface, node, SlotAssignment("HH", take, "hat", 0.9))
        assert (address, args) == ("/exsampling/error", ["HH", "no track named 'HH' (tracks: HH Open, Snare)"])
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
