"""The performance view as an instrument (issue 17 item 5, issue 19 item 4), in a real window; and its slot table
fitting a 1280 px wide window with a show's takes loaded: every row's lock, gain, history and roll back in sight,
long take ids and fates cut with "..." and told in full in tooltips.

The scenarios (perf_width_scenario.py, then perf_scenario.py, against one run: perf_both_scenario.py) run in a
subprocess on the test display with the default patch running; any traceback it prints fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.perf_width_scenario import CONTROLS
from tests.editor.test_keys import run_scenario


@pytest.fixture(scope="module")
def perf() -> dict[str, Any]:
    return run_scenario("tests.editor.perf_both_scenario")


@pytest.fixture(scope="module")
def width(perf: dict[str, Any]) -> dict[str, Any]:
    return perf["width"]


@pytest.mark.display
def test_each_slot_shows_its_level_voices_and_midi_activity(perf: dict[str, Any]) -> None:
    before, playing = perf["meters_before"], perf["meters_playing"]
    assert before == {"level": 0.0, "voices": "0", "midi": False}, before
    assert playing["level"] > 0.05 and playing["voices"] == "1" and playing["midi"], playing
    assert playing["midi_colour"][0] > 0.9  # the lamp drawn lit (Dear PyGui gives colours as 0..1)
    assert not playing["other_midi"] and playing["other_voices"] == "0", playing
    assert not perf["midi_after"]  # it goes out again
    assert not perf["errors"], perf["errors"]


@pytest.mark.display
def test_a_click_on_a_slot_plays_it_through_the_sampler(perf: dict[str, Any]) -> None:
    heard = perf["audition"]
    assert heard["voices"] == "1" and heard["midi"] and heard["notes"] == 1, heard
    assert heard["message"] == "", heard
    assert perf["audition_after"] == "0"  # its note off came, timed, as from a MIDI source


@pytest.mark.display
def test_number_keys_and_space_play_slots_through_the_sampler(perf: dict[str, Any]) -> None:
    # Real key events (XTEST): 2 plays slot 2 (Snare), Space the slot whose name was clicked (Bass).
    assert perf["key_2"] == {"notes": 1, "message": "", "lit": ["Snare"]}, perf["key_2"]
    assert tuple(perf["key_2_selected"]) == ("sampler", "Snare")
    assert tuple(perf["selected_after_click"]) == ("sampler", "Bass")
    assert perf["key_space"] == {"notes": 1, "message": "", "lit": ["Bass"]}, perf["key_space"]
    assert perf["key_2_on_patch_tab"]["notes"] == 0  # only while the performance view is shown
    assert (perf["key_2_held"], perf["key_2_after_held"]) == (1, 1)  # held 0.8 s: one note, not ImGui's repeats
    # The same with the key handlers running late (the callback thread held up while 2 was held and let go): the
    # repeats queued while it was down still one note, not read as presses once the key was up.
    assert (perf["key_2_held_late"], perf["key_2_after_held_late"]) == (1, 1)


@pytest.mark.display
def test_refresh_lists_the_sound_devices_and_midi_ports_present(perf: dict[str, Any]) -> None:
    found = perf["devices"]
    assert found["listed_again"] and not found["error"], found  # a real click on refresh, a real listing
    assert found["device"] == "none (renders nothing)", found  # the test patch's device: none
    assert found["device_items"][:2] == ["(default)", "none (renders nothing)"], found
    assert len(found["device_items"]) == 2 + len(found["outputs"]), found
    assert found["port_items"] == ["(none)", *found["midi_inputs"]], found


@pytest.mark.display
def test_the_groove_shows_as_a_step_grid_that_a_click_edits_live(perf: dict[str, Any]) -> None:
    assert perf["clock"].startswith("112.0 BPM") and "Link off" in perf["clock"], perf["clock"]
    assert perf["hh_cells"] == 16
    assert perf["hh_step1_label"] == ""  # a rest
    assert perf["hh_after_click"] == "xxo. x.o. x.o. x.oo"  # grouping kept
    assert perf["hh_step1_label_after"] == "x"
    assert perf["running_hh"] == [110, 110, 80, 0], perf  # swapped into the running groove
    assert perf["swap_problem"] is None
    assert perf["hh_after_undo"] == "x.o. x.o. x.o. x.oo"


@pytest.mark.display
def test_the_slot_rows_tell_what_became_of_each_take(perf: dict[str, Any]) -> None:
    # The cell tells what became of the slot's last take; its id is in the cell's tooltip (its width, below).
    assert perf["fate_loaded"] == "loaded"
    assert perf["fate_loaded_tip"] == "last take dog-1 loaded"  # this take's: the slot held one before it
    assert perf["fate_skipped"] == "skipped: locked"  # not "-> slot Bass": the slot kept its take
    assert perf["fate_skipped_tip"] == "last take dog-2 skipped: locked"
    assert perf["bass_take"] == "dog-1"
    assert "dog-2" in perf["last_take_skipped"] and "skipped: slot Bass locked" in perf["last_take_skipped"]
    assert "-> slot" not in perf["last_take_skipped"]
    assert "dog-3" in perf["last_take_rejected"] and "rejected: not sure" in perf["last_take_rejected"]
    assert perf["fate_after_rejected"] == "skipped: locked"  # a rejected take never reached the slot


@pytest.mark.display
def test_every_slot_rows_controls_lie_within_the_pane_at_1280_px(width: dict[str, Any]) -> None:
    assert width["viewport"] == [1280, 800], width["viewport"]  # measured before the run's resize to 1000 px tall
    left, right = width["pane_x"]
    rows = width["rows"]
    assert len(rows) == 8, list(rows)
    for name, row in rows.items():
        for part in CONTROLS:
            x0, _, x1, _ = row[part]
            assert left <= x0 and x1 <= right, (name, part, row[part], width["pane_x"])
            assert row["visible"][part], (name, part)
    assert not width["errors"], width["errors"]


@pytest.mark.display
def test_long_take_ids_and_fates_are_cut_and_told_in_full_in_tooltips(width: dict[str, Any]) -> None:
    for name, shown in width["shown"].items():
        loaded, ended = width["loaded"][name], width["ended"][name]
        assert shown["take"].endswith("...") and loaded.startswith(shown["take"][:-3]), shown
        assert loaded in shown["take_tip"], shown
        assert ended in shown["fate_tip"], shown  # the last take's id, cut from the cell, in its tooltip
        word = shown["fate"].removesuffix("...")  # what became of it, cut at most
        assert word in ("loaded", "skipped: locked") or shown["fate"].endswith("..."), shown
        assert shown["fate_tip"].startswith(f"last take {ended} {word}"), shown


@pytest.mark.display
def test_the_pairing_url_lies_within_its_pane_and_is_said_to_go_on_where_cut(width: dict[str, Any]) -> None:
    pairing = width["pairing"]
    assert pairing["url"].startswith("http") and "token=" in pairing["url"], pairing
    x0, _, x1, _ = pairing["field"]
    assert pairing["pane"][0] <= x0 and x1 <= pairing["pane"][2], pairing  # not cut by the pane's edge
    cut = pairing["text_w"] + 8 > x1 - x0  # longer than its field (its text starts 4 px in)
    assert pairing["more"] == cut, pairing  # then it says so, in sight
    assert "goes on" in pairing["more_text"], pairing


def test_only_accents_are_drawn_brighter_than_hits() -> None:
    """Before: ``x`` (velocity 110, a hit in docs/pattern.md) was drawn in the accent's colour, as ``X`` (127)."""
    from exsampling_patch.editor.pattern_grid import ACCENT_COLOUR, HIT_COLOUR, REST_COLOUR, step_colour

    assert [step_colour(char) for char in "X9"] == [ACCENT_COLOUR] * 2
    assert [step_colour(char) for char in "xOo18"] == [HIT_COLOUR] * 5
    assert [step_colour(char) for char in ".-_0"] == [REST_COLOUR] * 4


def test_a_step_past_the_end_extends_the_pattern_and_dict_patterns_keep_their_notes() -> None:
    from exsampling_patch.editor.pattern_grid import link_text, toggled_patterns

    assert toggled_patterns({}, "TT", 5) == {"TT": ".... .x"}
    bass = {"bass": {"steps": "x..x", "notes": "0 . . +3"}}
    assert toggled_patterns(bass, "Bass", 0) == {"bass": {"steps": "...x", "notes": "0 . . +3"}}
    assert bass["bass"]["steps"] == "x..x"  # the model's value is not changed in place
    clock = {"tempo": 128.0, "beat": 7.25, "peers": 2, "playing": True, "link": True}
    assert link_text(clock) == "128.0 BPM  |  beat 7.2  |  Link: 2 peers  |  playing"
    assert link_text({**clock, "peers": 1}) == "128.0 BPM  |  beat 7.2  |  Link: 1 peer  |  playing"
    # following a drum machine's clock, or another pattern node's: that, not "Link off"
    assert link_text({**clock, "link": False, "follows": "MIDI clock"}) == \
        "128.0 BPM  |  beat 7.2  |  follows MIDI clock  |  playing"
    assert "follows groove" in link_text({**clock, "follows": "groove"})
