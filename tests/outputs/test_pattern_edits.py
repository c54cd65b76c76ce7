"""The pattern node edited, stopped and started again, run again by another patch, or stalled: the groove goes on
from where it was, and no step is sent twice."""

from __future__ import annotations

import itertools
import threading
import time
from typing import Any

import pytest

from exsampling_patch.messages import ControlValue
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.pattern import LATE_DROP, Pattern
from tests.outputs.test_pattern_steps import collect, make


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
