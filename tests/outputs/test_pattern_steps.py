"""The pattern node: its step text, and the MIDI it sends ahead, stamped with when each step is heard (swing,
gate, tempo, and the controls it is sent)."""

from __future__ import annotations

import itertools
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.messages import ControlValue
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.pattern import Pattern, parse_note, parse_patterns, parse_steps
from exsampling_patch.validate import check_file


def test_step_text() -> None:
    assert parse_steps("x..o | X.9.") == (110, 0, 0, 80, 127, 0, 127, 0)
    assert parse_steps("1-_0") == (14, 0, 0, 0)
    with pytest.raises(ValueError, match="step 'q'"):
        parse_steps("x.q.")
    assert [parse_note(t, 60) for t in (".", "+3", "-12", "7", "C4", "Eb3", "f#5")] == [60, 63, 48, 67, 60, 51, 78]
    parsed = parse_patterns({"BD": "x...", "Bass": {"steps": "x.x.", "notes": "0 . +7 C5"}, "9": "x"},
                            ["HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass"], 60)
    assert parsed["BD"].channel == 3 and parsed["Bass"].channel == 6 and parsed["9"].channel == 8
    assert parsed["Bass"].notes == (60, 60, 67, 72)
    with pytest.raises(ValueError, match="slots are"):
        parse_patterns({"Cowbell": "x"}, ["HH"], 60)


@pytest.mark.parametrize("value", [None, {"steps": None, "notes": "0"}])
def test_a_slot_written_without_its_steps_says_so(value: Any) -> None:
    # Before: "step 'N' in None: use x X o O (hits) ...", of a `HH:` whose steps were not written yet.
    with pytest.raises(ValueError) as refused:
        parse_patterns({"HH": value}, ["HH"], 60)
    assert str(refused.value) == "pattern 'HH' has no steps: write them ('x... ..x.'), or leave the slot out"


def test_curly_quotes_around_steps_or_notes_are_told_as_a_text_editors(tmp_path: Path) -> None:
    # Before: "step '\u2018' in '\u2018x...\u2019': use x X o O (hits)", not a word of where the character came from.
    path = tmp_path / "groove.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: groove\n  type: pattern\n  params:\n    slots: [Kick, HH]\n"
                    "    patterns:\n      Kick: \u2018x...x...\u2019\n"
                    "      HH: {steps: x.x., notes: \u201c0 +3\u201d}\n", encoding="utf-8")
    straight = "write {} without curly quotes, or in straight quotes (' or \")"
    assert [(p.line, p.message) for p in check_file(path)] == [
        (8, "node 'groove': parameter 'patterns': step '\u2018' in '\u2018x...x...\u2019' is a curly quote, put by a "
            f"text editor's smart quotes: YAML keeps it as a step: {straight.format('the steps')}"),
        (9, "node 'groove': parameter 'patterns': note '\u201c0' holds a curly quote, put by a text editor's smart "
            f"quotes: YAML keeps it in the notes: {straight.format('them')}")]


def collect(node: Pattern, seconds: float) -> list[Any]:
    time.sleep(seconds)
    return [m for port, m in list(node.context.emitted) if port == "midi"]


def make(node_id: str, context: NodeContext | None = None, **params: Any) -> Pattern:
    node = Pattern(node_id, params, context or NodeContext())
    node.start()
    return node


def test_steps_are_sent_ahead_with_the_time_they_are_heard() -> None:
    before = time.perf_counter()
    node = make("pat-grid", patterns={"HH": "x.o.", "BD": "x..."}, tempo=150.0, lookahead_ms=80.0, gate=0.5)
    try:
        messages = collect(node, 1.0)
        seen = time.perf_counter()
        origin = node.beat_clock().time_at(0.0)
    finally:
        node.stop()
    ons = [m for m in messages if m.type == "note_on"]
    step = 60.0 / 150.0 / 4
    hh = [m.time for m in ons if m.channel == 0]
    bd = [m for m in ons if m.channel == 3]
    assert [m.velocity for m in ons if m.channel == 0][:3] == [110, 80, 110]
    grid = [(t - hh[0]) / (2 * step) for t in hh]
    assert grid == pytest.approx(list(range(len(hh))), abs=1e-9)  # exactly on the grid, whatever the thread did
    assert [round((m.time - hh[0]) / step) for m in bd] == list(range(0, 4 * len(bd), 4))
    # the first step: on beat 0, which the node's thread puts one lookahead after its first tick; that tick comes
    # after make() began and before the step was seen (a time read after make() returned was up to 20 ms late on a
    # busy host, and the step early against it)
    assert hh[0] == pytest.approx(origin, abs=1e-9)
    assert before + 0.08 <= hh[0] <= seen + 0.08
    offs = [m for m in messages if m.type == "note_off" and m.channel == 3]
    assert offs[0].time - bd[0].time == pytest.approx(0.5 * step)
    assert max(m.time for m in messages) < time.perf_counter() + 0.2  # never further ahead than the lookahead


def test_swing_delays_every_second_step() -> None:
    node = make("pat-swing", patterns={"HH": "xxxx"}, tempo=120.0, swing=1 / 3)
    try:
        times = [m.time for m in collect(node, 0.6) if m.type == "note_on"]
    finally:
        node.stop()
    step = 0.125
    assert times[1] - times[0] == pytest.approx(step * 4 / 3)
    assert times[2] - times[1] == pytest.approx(step * 2 / 3)


@pytest.mark.parametrize("steps_per_beat", [3, 1])
def test_swing_leaves_every_beat_on_its_beat(steps_per_beat: int) -> None:
    # Before: every odd step was delayed, so with 3 steps a beat (triplets) the first step of every second beat was
    # late by the swing (41.7 ms at 120 BPM, swing 0.25), off the beat its clock, a midi_clock and a follower keep;
    # with 1, every second beat.
    node = make(f"pat-swing-{steps_per_beat}", patterns={"HH": "x" * steps_per_beat}, tempo=120.0, swing=0.25,
                steps_per_beat=steps_per_beat)
    try:
        times = [m.time for m in collect(node, 1.3) if m.type == "note_on"]
    finally:
        node.stop()
    step = 0.5 / steps_per_beat
    beats = [round((t - times[0]) / step, 6) for t in times][:2 * steps_per_beat + 1]
    expected = {3: [0, 1.25, 2, 3, 4.25, 5, 6], 1: [0, 1, 2]}[steps_per_beat]
    assert beats == pytest.approx(expected, abs=1e-6)


def heard_in_order(messages: list[Any]) -> list[tuple[int, int, str]]:
    """(channel, note, type) in the order a receiver gets them: by time, in the order sent at the same time (as
    midi_out holds them; the sampler applies an off due by a hit's time before that hit)."""
    order = sorted(enumerate(messages), key=lambda pair: (pair[1].time, pair[0]))
    return [(m.channel, m.note, m.type) for _, m in order if m.type in ("note_on", "note_off")]


@pytest.mark.parametrize(("gate", "swing"), [(1.5, 0.0), (1.0, 0.0), (0.5, 0.5), (0.5, 0.6)])
def test_a_notes_off_comes_before_the_next_hit_of_its_note(gate: float, swing: float) -> None:
    """A note off ends every voice of its note: an off after the next hit of its note (a gate of a step or more,
    swing delaying a step) ended the new hit, not the old one. Now the old note ends as the new one starts."""
    node = make(f"pat-gate-{gate}-{swing}", patterns={"HH": "xxxx", "Bass": {"steps": "x.xx", "notes": "0 . +7 0"}},
                tempo=240.0, gate=gate, swing=swing)
    try:
        messages = collect(node, 0.5)
    finally:
        node.stop()
    heard = heard_in_order(messages)
    for channel, note in {(c, n) for c, n, _ in heard}:
        kinds = [kind for c, n, kind in heard if (c, n) == (channel, note)]
        pairs = len(kinds) // 2
        assert kinds[:2 * pairs] == ["note_on", "note_off"] * pairs, (channel, note, kinds[:6])
        assert pairs >= (4 if channel == 0 else 1)
    ons = [m.time for m in messages if m.type == "note_on" and m.channel == 0]
    offs = [m.time for m in messages if m.type == "note_off" and m.channel == 0]
    step = 60.0 / 240.0 / 4
    # each hi-hat lasts its gate, or up to the next hit (a microsecond before it)
    assert [round(off - on, 5) for on, off in zip(ons, offs, strict=False)][:4] == \
        [round(min(gate * step, nxt - on), 5) for on, nxt in itertools.pairwise(ons)][:4]


def test_new_patterns_take_over_at_the_next_bar() -> None:
    node = make("pat-bar", patterns={"HH": "x"}, tempo=240.0, steps_per_beat=1, quantum=4.0, change_at="bar")
    try:
        time.sleep(0.3)
        node.set_pattern("Snare", "x")
        node.set_pattern("HH", "")
        messages = collect(node, 1.5)
    finally:
        node.stop()
    ons = [m for m in messages if m.type == "note_on"]
    first_snare = next(m for m in ons if m.channel == 1)
    clock = node.beat_clock()
    assert clock.beat_at(first_snare.time) == pytest.approx(round(clock.beat_at(first_snare.time) / 4) * 4, abs=1e-6)
    assert all(m.channel == 0 for m in ons if m.time < first_snare.time)
    assert all(m.channel == 1 for m in ons if m.time >= first_snare.time)


def test_tempo_control_and_mutes() -> None:
    node = make("pat-ctl", patterns={"HH": "x", "BD": "x"}, tempo=120.0)
    try:
        time.sleep(0.2)
        node.handle("control", ControlValue("BD.mute", 1.0))
        node.handle("control", ControlValue("tempo", 240.0))
        time.sleep(0.3)
        node.context.emitted.clear()
        hh = [m.time for m in collect(node, 0.6) if m.type == "note_on" and m.channel == 0]
        bd = [m for port, m in node.context.emitted if m.type == "note_on" and m.channel == 3]
    finally:
        node.stop()
    assert hh[1] - hh[0] == pytest.approx(60.0 / 240.0 / 4)
    assert not bd


@pytest.mark.parametrize("wait", [0.30, 0.3125, 0.325, 0.3375])  # four places within a step
def test_a_faster_tempo_starts_after_the_steps_already_sent(wait: float) -> None:
    """Steps go out a lookahead ahead: a faster tempo from now put the next step before, or 0.1 ms after, the last
    one sent at the old tempo (a flam: 120 to 240 BPM in 32nds). It takes over from the last step sent."""
    node = make(f"pat-faster-{wait}", patterns={"HH": "x"}, tempo=120.0, steps_per_beat=8)
    try:
        time.sleep(wait)
        node.handle("control", ControlValue("tempo", 240.0))
        messages = collect(node, 0.3)
    finally:
        node.stop()
    ons = [m.time for m in messages if m.type == "note_on"]
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(ons)]
    slow, fast = round(60 / 120 / 8, 6), round(60 / 240 / 8, 6)
    assert gaps == [slow] * gaps.count(slow) + [fast] * gaps.count(fast), gaps  # one step after the other
    assert gaps.count(fast) > 4


@pytest.mark.parametrize("wait", [0.30, 0.3125, 0.325, 0.3375])
def test_an_edit_to_a_faster_tempo_starts_after_the_steps_already_sent(wait: float) -> None:
    """An edit of the tempo parameter (the editor's field: the runtime rebuilds the node) took over from now, as the
    control input's did before: the first steps at 240 BPM came before, or 0.1 ms after, the last one sent at 120."""
    run = NodeContext()
    node = make(f"pat-edit-faster-{wait}", run, patterns={"HH": "x"}, tempo=120.0, steps_per_beat=8)
    time.sleep(wait)
    node.stop()
    again = make(f"pat-edit-faster-{wait}", run, patterns={"HH": "x"}, tempo=240.0, steps_per_beat=8)
    try:
        messages = collect(again, 0.3)
    finally:
        again.stop()
    ons = [m.time for m in messages if m.type == "note_on"]
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(ons)]
    slow, fast = round(60 / 120 / 8, 6), round(60 / 240 / 8, 6)
    assert gaps == [slow] * gaps.count(slow) + [fast] * gaps.count(fast), gaps  # one step after the other
    assert gaps.count(fast) > 4


def test_the_groove_starts_on_its_first_step_not_with_its_last_ones() -> None:
    """Beat 0 is one lookahead after the start, and the node sends from half a lookahead ahead: with steps shorter
    than that (16 a beat at 240 BPM), the steps before beat 0 went out first, the tail of the loop as a pickup."""
    node = make("pat-pickup", patterns={"HH": "x", "BD": "x... .... .... ...."}, tempo=240.0, steps_per_beat=16)
    try:
        messages = collect(node, 0.3)
    finally:
        node.stop()
    clock = node.beat_clock()
    steps = [(round(clock.beat_at(m.time) * 16), m.channel) for m in messages if m.type == "note_on"]
    assert steps[:3] == [(0, 0), (0, 3), (1, 0)], steps[:4]


def test_a_slot_numbered_in_patterns_is_muted_by_its_number() -> None:
    """patterns name a slot by its number (1-16) as well as by its name: so does <slot>.mute (it said 'no slot')."""
    node = make("pat-number", patterns={"HH": "x", "9": "x"}, tempo=240.0)
    try:
        node.handle("control", ControlValue("9.mute", 1.0))
        node.context.emitted.clear()
        messages = collect(node, 0.4)
    finally:
        node.stop()
    channels = {m.channel for m in messages if m.type == "note_on"}
    assert channels == {0} and not node.context.errors


def test_one_controller_for_the_pattern_and_the_sampler_reports_each_foreign_control_once() -> None:
    """One OSC controller drives both (tempo for the pattern, gains for the sampler): each node said that the
    other's controls were unknown to it at every message, dozens a second from a fader."""
    from exsampling_patch.nodes.sampler import Sampler

    sampler = Sampler("smp-ctl", {"device": "none", "virtual_port": ""}, NodeContext())
    sampler.start()
    node = make("pat-ctl-both", patterns={"HH": "x"}, tempo=120.0)
    try:
        for value in (0.2, 0.4, 0.6, 0.8):
            for control in (ControlValue("tempo", 100 + value * 50), ControlValue("HH.gain", value),
                            ControlValue("HH.mute", 0.0), ControlValue("Cowbell.mute", 1.0)):
                node.handle("control", control)
                sampler.handle("control", control)
        tempo, gain = node.beat_clock().tempo, float(sampler.state.gain[0])
    finally:
        node.stop()
        sampler.stop()
    assert tempo == pytest.approx(140.0) and gain == pytest.approx(0.8)  # each took its own
    pattern_errors = [str(e) for e in node.context.errors]
    sampler_errors = [str(e) for e in sampler.context.errors]
    assert len(pattern_errors) == 2 and "HH.gain" in pattern_errors[0] and "Cowbell" in pattern_errors[1]
    assert len(sampler_errors) == 2 and "tempo" in sampler_errors[0] and "Cowbell" in sampler_errors[1]
