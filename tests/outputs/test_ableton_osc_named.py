"""``ableton_osc`` finds the track it named itself where ``name_format`` puts the label first.

Over real UDP, against a stand-in for AbletonOSC (Live, the one mock the project allows) that renames a track as told.
Before, with ``{label} {slot}`` HH's track renamed ``snare HH`` was taken for slot Snare's (a track name starting
with a slot and a space is that slot's): every later HH take was refused as going to another slot's track, and
Snare's takes went to HH's track.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import AbletonOsc
from exsampling_patch.nodes.abletonosc_tracks import named_track

from .helpers import sine_take
from .test_ableton import FakeAbletonOsc, free_udp_port


class RenamingAbletonOsc(FakeAbletonOsc):
    """Renames a track as ``/live/track/set/name`` tells, as Live does."""

    def _on(self, address: str, *args: Any) -> None:
        if address == "/live/track/set/name":
            self.track_names = [*self.track_names[:args[0]], args[1], *self.track_names[args[0] + 1:]]
        super()._on(address, *args)


def test_a_track_renamed_label_first_stays_its_slots(tmp_path: Path) -> None:
    reply_port = free_udp_port()
    live = RenamingAbletonOsc(["HH", "Audio 2"], reply_port)
    node = AbletonOsc("aosc", {"port": live.port, "reply_port": reply_port, "folder": str(tmp_path / "live"),
                               "slots": ["HH", "Snare"], "actions": ["name", "fire"], "name_format": "{label} {slot}"})
    node.start()
    try:
        deadline = time.monotonic() + 10
        while not node.track_names and time.monotonic() < deadline:
            time.sleep(0.01)
        node.on_assignment(SlotAssignment("HH", sine_take(200.0), "snare", 0.9))  # a snare-like sound in HH
        while node.track_names != ["snare HH", "Audio 2"] and time.monotonic() < deadline:  # asked again
            time.sleep(0.01)
        assert node.track_names == ["snare HH", "Audio 2"]
        node.on_assignment(SlotAssignment("HH", sine_take(300.0), "tick", 0.9))
        node.on_assignment(SlotAssignment("Snare", sine_take(400.0), "clap", 0.9))
        while len([m for m in live.messages if m[0] == "/live/clip_slot/fire"]) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        node.stop()
        live.close()
    sent = [message for message in live.messages if message[0] != "/live/song/get/track_names"]
    assert sent == [("/live/track/set/name", [0, "snare HH"]), ("/live/clip_slot/fire", [0, 0]),
                    ("/live/track/set/name", [0, "tick HH"]), ("/live/clip_slot/fire", [0, 0]),
                    ("/live/track/set/name", [1, "clap Snare"]), ("/live/clip_slot/fire", [1, 0])]


def test_a_track_is_found_where_the_name_format_puts_the_slot() -> None:
    assert named_track("HH", ["snare hh", "audio 2"], "{label} {slot}") == 0
    assert named_track("Snare", ["snare hh", "audio 2"], "{label} {slot}") is None
    assert named_track("Snare", ["drums", "snare dog"]) == 1  # the default: the slot, then its label
    assert named_track("HH", ["hh: knock"], "{slot}: {label}") == 0
