"""The pattern node: its step text, and the MIDI it sends ahead, stamped with when each step is heard."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.messages import ControlValue
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.pattern import LATE_DROP, Pattern, parse_note, parse_patterns, parse_steps
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
    node = make("pat-grid", patterns={"HH": "x.o.", "BD": "x..."}, tempo=150.0, lookahead_ms=80.0, gate=0.5)
    try:
        started = time.perf_counter()
        messages = collect(node, 1.0)
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
    assert hh[0] == pytest.approx(started + 0.08, abs=0.02)  # the first step: one lookahead after the start
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


def test_an_edited_node_goes_on_with_the_groove() -> None:
    """The runtime rebuilds a node whose parameters change, with the same context (one engine's): the new one keeps
    the beat and the step count, and goes on from the step after the last one sent, its new patterns from it
    (change_at step). Another context would be the patch run again, which starts on a step of its own."""
    run = NodeContext()
    node = make("pat-edit", run, patterns={"HH": "x"}, tempo=120.0, change_at="step")
    time.sleep(0.4)
    node.stop()
    sent = len(run.emitted)
    before = [m.time for port, m in run.emitted if m.type == "note_on"]
    again = make("pat-edit", run, patterns={"BD": "x"}, tempo=120.0, change_at="step")
    try:
        time.sleep(0.4)
    finally:
        again.stop()
    after = [m for port, m in list(run.emitted)[sent:] if m.type == "note_on"]
    step = 0.125
    assert before and after
    assert after[0].time - before[-1] == pytest.approx(step, abs=1e-6)  # the next step: none skipped or sent again
    assert {m.channel for m in after} == {3}  # the edit's patterns (BD), from that step on


def swing_of(messages: list[Any], step: float = 0.125) -> list[float]:
    """The distinct intervals between the HH slot's note-ons, in steps."""
    hh = [m.time for m in messages if m.type == "note_on" and m.channel == 0]
    return sorted({round((b - a) / step, 6) for a, b in itertools.pairwise(hh)})


def test_an_edit_keeps_what_the_control_input_changed() -> None:
    """Swing, mutes and play set live (OSC, the editor) outlive an edit of the patterns: before, the rebuilt node
    came back unswung, with every slot unmuted, and playing after a stop. An edit of that parameter itself wins;
    the patch run again (another engine: another context) starts from its parameters."""
    run = NodeContext()  # one engine's: an edit rebuilds the node with the same context
    node = make("pat-keep", run, patterns={"HH": "x", "BD": "x"}, tempo=120.0, change_at="step")
    node.handle("control", ControlValue("swing", 1 / 3))
    node.handle("control", ControlValue("BD.mute", 1.0))
    time.sleep(0.3)
    node.stop()
    run.emitted.clear()
    again = make("pat-keep", run, patterns={"HH": "xxxx", "BD": "x."}, tempo=120.0, change_at="step")
    try:
        messages = collect(again, 0.5)
        again.handle("control", ControlValue("play", 0.0))
    finally:
        again.stop()
    assert swing_of(messages) == pytest.approx([2 / 3, 4 / 3], abs=1e-5)  # still swung
    assert not [m for m in messages if m.type == "note_on" and m.channel == 3]  # still muted
    run.emitted.clear()
    stopped = make("pat-keep", run, patterns={"HH": "x", "BD": "x"}, tempo=120.0, change_at="step")
    try:
        assert not collect(stopped, 0.4)  # still stopped
    finally:
        stopped.stop()
    edited = make("pat-keep", run, patterns={"HH": "x", "BD": "x"}, tempo=120.0, swing=0.25, change_at="step")
    try:
        edited.handle("control", ControlValue("play", 1.0))
        messages = collect(edited, 0.5)
    finally:
        edited.stop()
    assert swing_of(messages) == pytest.approx([0.75, 1.25], abs=1e-5)  # the edited swing
    assert not [m for m in messages if m.type == "note_on" and m.channel == 3]
    rerun = make("pat-keep", patterns={"HH": "x", "BD": "x"}, tempo=120.0, change_at="step")
    try:
        messages = collect(rerun, 0.5)
    finally:
        rerun.stop()
    assert swing_of(messages) == [1.0]  # the parameters: unswung, playing
    assert [m for m in messages if m.type == "note_on" and m.channel == 3]  # and unmuted


def test_a_quick_stop_and_start_sends_no_step_twice() -> None:
    """Steps go out a lookahead ahead: a play 0 then 1 within it (a stutter, a slip of the finger, Link's transport
    stopped and started) restarted half a lookahead ahead and sent the steps already out again, doubled hits."""
    node = make("pat-stutter", patterns={"HH": "x"}, tempo=240.0, steps_per_beat=16, lookahead_ms=100.0)
    try:
        time.sleep(0.3)
        node.handle("control", ControlValue("play", 0.0))
        deadline = time.monotonic() + 10
        while node._next_step is not None and time.monotonic() < deadline:  # the scheduler has seen the stop
            time.sleep(0.001)
        assert node._next_step is None
        node.handle("control", ControlValue("play", 1.0))
        messages = collect(node, 0.3)
    finally:
        node.stop()
    clock = node.beat_clock()
    steps = [round(clock.beat_at(m.time) * 16) for m in messages if m.type == "note_on"]
    assert steps and len(steps) == len(set(steps)), sorted(s for s in steps if steps.count(s) > 1)


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


def test_an_edit_of_steps_per_beat_goes_on_from_the_same_beat() -> None:
    """The step counts an edited node takes over were counted on the old grid: after a finer one the new node went
    on from beats long past, every step between counted in late_steps (hundreds after a minute); after a coarser
    one it restarted and sent again a step already out (a doubled hit)."""
    run = NodeContext()
    ons: list[float] = []
    late: list[int] = []
    for steps_per_beat in (4, 8, 2):
        node = make("pat-grid-edit", run, patterns={"HH": "x"}, tempo=240.0, steps_per_beat=steps_per_beat,
                    change_at="step")
        try:
            time.sleep(0.5)  # 8 steps at 4 a beat: a grid taken over as it was shows at the next edit
        finally:
            node.stop()
        late.append(node.late_steps)
        ons += [m.time for port, m in run.emitted if m.type == "note_on"]
        run.emitted.clear()
    gaps = [b - a for a, b in itertools.pairwise(ons)]
    assert late == [0, 0, 0]
    assert min(gaps) > 0.03, sorted(gaps)[:3]  # in order, none twice: the finest grid's step is 31 ms


def test_an_edit_of_the_grid_takes_its_patterns_with_it() -> None:
    """An edit from sixteenths to eighths (steps_per_beat 4 -> 2, the hi-hat on each beat written anew for it) with
    change_at bar: the old patterns played on the new grid until the bar (x... on eighths: every second beat, a
    beat missing). Written for another grid, they now give way at once to those of the edit."""
    run = NodeContext()
    node = make("pat-grid-patterns", run, patterns={"HH": "x..."}, tempo=240.0, steps_per_beat=4)
    time.sleep(0.3)  # within the first bar (beat 0 at 0.1 s, a bar a second)
    node.stop()
    again = make("pat-grid-patterns", run, patterns={"HH": "x."}, tempo=240.0, steps_per_beat=2)
    try:
        time.sleep(1.2)
    finally:
        again.stop()
    ons = [m.time for port, m in run.emitted if m.type == "note_on"]
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(ons)]
    assert len(gaps) >= 4 and set(gaps) == {0.25}, gaps  # every beat, through the edit and the bar after it


def test_an_edit_of_the_loop_length_takes_its_patterns_with_it() -> None:
    """An edit to a loop of 8 steps (length 0 -> 8, the bass drum rewritten for it: x.x. x.x.) with change_at bar:
    the old 16-step pattern played looped over 8 until the bar (its first half: one hit in two beats). Now the
    edit's patterns take over with the loop they were written for."""
    run = NodeContext()
    node = make("pat-loop-patterns", run, patterns={"BD": "x... .... .... ...."}, tempo=240.0)
    time.sleep(0.3)  # within the first bar (beat 0 at 0.1 s, a bar a second)
    node.stop()
    run.emitted.clear()
    again = make("pat-loop-patterns", run, patterns={"BD": "x.x. x.x."}, tempo=240.0, length=8)
    try:
        time.sleep(0.8)
    finally:
        again.stop()
    ons = [m.time for port, m in run.emitted if m.type == "note_on"]
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(ons)]
    assert len(gaps) >= 4 and set(gaps) == {0.125}, gaps  # eighths from the edit on, not once in two beats


def test_another_patch_run_after_it_plays_its_own_patterns_from_the_first_bar() -> None:
    """A pattern node of the same id in a patch run within the handover (the editor: stop one patch, run another)
    played the last run's patterns until its first bar line: the new node took them as an edit's, whose patterns
    wait for the bar. Only an edit (the same run's context) keeps them; a patch run again starts from its own."""
    first = make("pat-next-patch", NodeContext(), patterns={"BD": "x"}, tempo=240.0)
    time.sleep(0.3)
    first.stop()
    assert any(m.type == "note_on" and m.channel == 3 for port, m in first.context.emitted)
    again = make("pat-next-patch", NodeContext(), patterns={"HH": "x"}, tempo=240.0)
    try:
        deadline = time.monotonic() + 5
        while not any(m.type == "note_on" for port, m in list(again.context.emitted)) and time.monotonic() < deadline:
            time.sleep(0.01)
        messages = collect(again, 0.3)
    finally:
        again.stop()
    channels = {m.channel for m in messages if m.type == "note_on"}
    assert channels == {0}, channels  # its HH alone, never the last patch's BD


def test_a_patch_run_again_waits_for_its_sampler_and_comes_back_on_the_one() -> None:
    """A patch stopped and run again within the handover goes on with the timeline; it went on from the last run's
    step too: the steps of the gap counted as late, and while the new sampler's stream opened (a second) its steps
    were dropped there, so the groove came back mid-bar. Now it waits for that sampler (a player of its clock, as a
    sampler says it: clocks.add_player), and starts on the next bar of the same timeline."""
    from exsampling_patch.nodes import clock as clocks

    first = make("pat-rerun", NodeContext(), patterns={"HH": "x"}, tempo=240.0)
    time.sleep(0.5)
    first.stop()
    before = [m.time for port, m in first.context.emitted if m.type == "note_on"]
    time.sleep(0.3)  # the engine stops and starts again
    can_play = threading.Event()
    clocks.add_player("smp-rerun", "pat-rerun", can_play)  # the new run's sampler, its stream not open yet
    again = make("pat-rerun", NodeContext(), patterns={"HH": "x"}, tempo=240.0)
    try:
        time.sleep(0.4)
        sent_while_closed = len(again.context.emitted)
        opened = time.perf_counter()
        can_play.set()
        deadline = time.monotonic() + 5
        while not any(m.type == "note_on" for port, m in list(again.context.emitted)) and time.monotonic() < deadline:
            time.sleep(0.01)  # the next bar: within a second
        after = [m.time for port, m in list(again.context.emitted) if m.type == "note_on"]
    finally:
        again.stop()
        clocks.remove_player("smp-rerun", can_play)
    clock = again.beat_clock()
    assert again.timeline is first.timeline  # the same timeline: it goes on
    assert sent_while_closed == 0 and again.late_steps == 0
    assert after and after[0] > opened
    beat = clock.beat_at(after[0])
    assert beat == pytest.approx(round(beat / 4) * 4, abs=1e-6), beat  # on a bar line of the timeline
    assert clock.beat_at(after[0]) > clock.beat_at(before[-1])


def test_steps_a_stalled_thread_skips_are_counted_in_its_status() -> None:
    """A host that stalls the node's thread past its steps' times (as one stalls an audio stream into xruns) makes
    it skip them, as it should: its status counts them, so a performer, and the grid tests, tell a stalled host
    from steps off the grid. Before, only an attribute counted them."""
    node = make("pat-stall", patterns={"HH": "x"}, tempo=240.0)  # a sixteenth: 62.5 ms
    try:
        time.sleep(0.3)
        with node._lock:  # its thread blocks at its next step for 0.5 s: a stalled host
            time.sleep(0.5)
        deadline = time.monotonic() + 2  # statuses come every 0.5 s
        while not node.context.statuses[-1].get("late_steps") and time.monotonic() < deadline:
            time.sleep(0.02)
        reported = node.context.statuses[-1].get("late_steps")
    finally:
        node.stop()
    ons = [m.time for port, m in node.context.emitted if m.type == "note_on"]
    steps = [(b - a) / 0.0625 for a, b in itertools.pairwise(ons)]
    assert steps == pytest.approx([round(s) for s in steps], abs=1e-6)  # whole sixteenths: on the grid
    skipped = sum(round(s) - 1 for s in steps)
    assert skipped > 0 and node.late_steps == skipped  # every step missing from the grid counted
    assert reported == skipped


class Stalled(Pattern):
    """A pattern node whose scheduler stalls ``STALL`` seconds the ``STALL_AT``-th time it goes to send a step: after
    :meth:`_schedule` found the step on time, before it goes out (a host stall, or an edit holding the node's lock,
    just there). It notes when it sent each message (``time.perf_counter()``)."""

    STALL_AT, STALL = 4, 0.2

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.sent_at: list[tuple[float, Any]] = []
        self.sends = 0

    def _play_step(self, step: int, due: float, step_seconds: float, quantum: float) -> None:
        self.sends += 1
        if self.sends == self.STALL_AT:
            time.sleep(self.STALL)
        super()._play_step(step, due, step_seconds, quantum)

    def emit(self, port: str, message: Any) -> None:
        self.sent_at.append((time.perf_counter(), message))
        super().emit(port, message)


def test_a_step_stalled_between_its_check_and_its_send_is_counted_not_sent() -> None:
    """The step the thread was on when it stalled, found on time before: sent after the stall, it reached the
    sampler too late to play and was dropped there (its ``late_dropped``), counted neither in the node's
    ``late_steps`` nor anywhere a performer looks. Now it is checked again right before it goes out: skipped and
    counted as the steps after it are."""
    node = Stalled("pat-gap", {"patterns": {"HH": "x"}, "tempo": 240.0, "lookahead_ms": 50.0}, NodeContext())
    node.start()  # the stalled step is 150 ms past its time at least (50 ms lookahead) when the stall ends
    try:
        deadline = time.monotonic() + 3
        while node.sends < 2 * Stalled.STALL_AT and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        node.stop()
    assert node.sends >= 2 * Stalled.STALL_AT, "the scheduler did not go on after the stall"
    ons = [(at, m) for at, m in node.sent_at if m.type == "note_on"]
    late = [round((at - m.time) * 1000, 1) for at, m in ons if at - m.time > LATE_DROP]
    assert not late, f"steps sent this late (ms), for the sampler to drop unseen: {late}"
    steps = [(b.time - a.time) / 0.0625 for (_, a), (_, b) in itertools.pairwise(ons)]
    assert steps == pytest.approx([round(s) for s in steps], abs=1e-6)  # whole sixteenths: on the grid
    skipped = sum(round(s) - 1 for s in steps)
    assert skipped > 0 and node.late_steps == skipped  # the stalled step among those missing, and counted
