"""``ableton_osc``'s ``name_format``: the track the 'name' action named is found again exactly, and a format that
cannot name a slot's track is refused at load, at its line.

Over real UDP, against a stand-in for AbletonOSC (Live, the one mock the project allows) that renames a track as told.
Before: ``{slot:>8} {label}`` named tracks the node then did not find (its takes went by position, to another slot's
track once the tracks were moved); with ``{label} {slot}`` a Tom take went to Floor Tom's track (its name ends in
``tom``); ``{Slot}`` passed check and raised at each take; and ``{label}`` passed check, and HH's track renamed
``snare`` got slot Snare's takes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import AbletonOsc
from exsampling_patch.nodes.abletonosc_tracks import name_format_problem, named_track

from .helpers import sine_take, wait_for
from .test_ableton import free_udp_port
from .test_ableton_osc_named import RenamingAbletonOsc


def fired(live: RenamingAbletonOsc) -> list[list[object]]:
    return [args for address, args in live.messages if address == "/live/clip_slot/fire"]


def test_a_padded_slot_finds_its_track_where_the_performer_moved_it(tmp_path: Path) -> None:
    # The tracks as the format named them, then moved in Live: HH's is second. Before, no name was found as HH's
    # (the padding), and HH's take went to track 1 by its place in 'slots': Snare's track.
    reply_port = free_udp_port()
    live = RenamingAbletonOsc(["   Snare clap", "      HH kick"], reply_port)
    node = AbletonOsc("aosc", {"port": live.port, "reply_port": reply_port, "folder": str(tmp_path / "live"),
                               "slots": ["HH", "Snare"], "actions": ["name", "fire"],
                               "name_format": "{slot:>8} {label}"})
    node.start()
    try:
        wait_for(lambda: bool(node.track_names), timeout=10)
        node.on_assignment(SlotAssignment("HH", sine_take(200.0), "tick", 0.9))
        wait_for(lambda: len(fired(live)) == 1, timeout=10)
    finally:
        node.stop()
        live.close()
    sent = [message for message in live.messages if message[0] != "/live/song/get/track_names"]
    assert sent == [("/live/track/set/name", [1, "      HH tick"]), ("/live/clip_slot/fire", [1, 0])]


def test_a_slots_takes_go_to_its_own_track_not_to_one_of_a_slot_its_name_ends(tmp_path: Path) -> None:
    # Both tracks renamed label first: 'kick Floor Tom' ends in 'Tom' too. Before, Tom's next take went to it (the
    # first track whose name fitted), and fired Floor Tom's clip.
    reply_port = free_udp_port()
    live = RenamingAbletonOsc(["Floor Tom", "Tom"], reply_port)
    node = AbletonOsc("aosc", {"port": live.port, "reply_port": reply_port, "folder": str(tmp_path / "live"),
                               "slots": ["Floor Tom", "Tom"], "actions": ["name", "fire"],
                               "name_format": "{label} {slot}"})
    node.start()
    try:
        wait_for(lambda: bool(node.track_names), timeout=10)
        node.on_assignment(SlotAssignment("Floor Tom", sine_take(100.0), "kick", 0.9))
        node.on_assignment(SlotAssignment("Tom", sine_take(150.0), "knock", 0.9))
        wait_for(lambda: node.track_names == ["kick Floor Tom", "knock Tom"], timeout=10)  # asked again
        node.on_assignment(SlotAssignment("Tom", sine_take(160.0), "snap", 0.9))
        wait_for(lambda: len(fired(live)) == 3, timeout=10)
    finally:
        node.stop()
        live.close()
    assert fired(live) == [[0, 0], [1, 0], [1, 0]]
    assert live.track_names == ["kick Floor Tom", "snap Tom"]


def test_a_track_is_found_exactly_as_the_format_names_it() -> None:
    slots = ["Tom", "Floor Tom"]
    assert named_track("Tom", ["kick floor tom", "snare tom"], "{label} {slot}", slots) == 1
    assert named_track("Floor Tom", ["kick floor tom", "snare tom"], "{label} {slot}", slots) == 0
    assert named_track("Tom", ["floor tom"], "{label}{slot}", slots) is None  # Floor Tom's own name
    assert named_track("HH", ["      hh kick"], "{slot:>8} {label}", ["HH"]) == 0
    assert named_track("HH", ["hh kick"], "{slot:>8} {label}", ["HH"]) is None  # not as the format writes it
    assert named_track("HH", ["'hh' kick"], "{slot!r} {label}", ["HH"]) == 0


@pytest.mark.parametrize(("name_format", "problem"), [
    ("{label}", "'{label}' has no {slot}: a track named so could be any slot's (HH's track named 'snare' would get "
                "slot Snare's takes); put {slot} in it, e.g. '{slot} {label}'"),
    ("{Slot} {label}", "'{Slot}' is no field: the fields are {slot} and {label}, in lower case and nothing after the "
                       "name but a format spec; did you mean '{slot}'?"),
    ("{slot:d}", "'{slot:d}': ':d' is no format spec for a name, which is text (a width and alignment, as in "
                 "'{slot:>8}', is one); write the track name with {slot} and {label} where they go, e.g. "
                 "'{slot} {label}'"),
    ("{} {slot}", "'{}' names no field: write the track name with {slot} and {label} where they go, e.g. "
                  "'{slot} {label}'"),
])
def test_check_refuses_a_name_format_that_cannot_name_a_slots_track_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], name_format: str, problem: str) -> None:
    patch = tmp_path / "show.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: aosc\n  type: ableton_osc\n  params:\n"
                     f"    actions: [name, fire]\n    name_format: '{name_format}'\nlinks: []\n", encoding="utf-8")
    assert main(["check", str(patch)]) == 1
    assert capsys.readouterr().out.splitlines() == [f"{patch}:7: node 'aosc': parameter 'name_format': {problem}"]
    assert name_format_problem(name_format) == problem


def test_a_node_with_such_a_format_does_not_start(tmp_path: Path) -> None:
    node = AbletonOsc("aosc", {"port": free_udp_port(), "reply_port": 0, "folder": str(tmp_path / "live"),
                               "name_format": "{label}"})
    with pytest.raises(ValueError, match=r"^ableton_osc name_format: '\{label\}' has no \{slot\}"):
        node.start()
    node.stop()


def test_formats_that_name_each_slots_track_pass() -> None:
    for name_format in ("{slot} {label}", "{label} {slot}", "{slot}", "{slot:>8} {label:.4}", "{{{slot}}} {label!r}"):
        assert name_format_problem(name_format) == "", name_format
