"""midi_clock: MIDI clock out from a pattern node's beat clock, so that a drum machine or a DAW slaved to MIDI clock
plays at the groove's tempo and starts on its bar. Each message is stamped with when it is to be heard."""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from exsampling_patch.messages import ControlValue
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import clock as clocks
from exsampling_patch.nodes.midi_clock import MidiClock
from exsampling_patch.nodes.pattern import Pattern
from tests.outputs.helpers import play_master, wait_for


def continued_with_tick(node: Any) -> bool:
    """Whether the node has sent a continue and a message after it (its first tick)."""
    kinds = [m.type for m in sent(node)]
    return "continue" in kinds and kinds.index("continue") + 1 < len(kinds)


def sent(node: Any) -> list[Any]:
    return [m for port, m in list(node.context.emitted) if port == "midi"]


def test_ticks_follow_the_grooves_tempo_and_start_on_its_bar_and_stop_with_it() -> None:
    pattern = Pattern("pat-clock", {"patterns": {"HH": "x..."}, "tempo": 150.0, "quantum": 4.0}, NodeContext())
    clock_node = MidiClock("midi-clock", {"clock": "pat-clock"}, NodeContext())
    clock_node.start()  # before the pattern: it waits for a beat clock
    pattern.start()
    try:
        time.sleep(0.8)
        pattern.handle("control", ControlValue("tempo", 200.0))
        time.sleep(0.8)
        stopped = time.perf_counter()
        pattern.handle("control", ControlValue("play", 0.0))
        time.sleep(0.3)
        messages = sent(clock_node)
    finally:
        clock_node.stop()
        pattern.stop()
    kinds = [m.type for m in messages]
    assert kinds.count("start") == 1 and kinds.count("stop") == 1 and kinds[-1] == "stop", kinds[:3]
    ticks = [m.time for m in messages if m.type == "clock"]
    start = kinds.index("start")
    # just before the tick of the slave's beat 1, the groove's step 0 (a quarter tick: never in the wrong order)
    assert messages[start + 1].type == "clock" and messages[start].time < messages[start + 1].time
    assert messages[start + 1].time - messages[start].time == pytest.approx(60 / 150 / 24 / 4, abs=1e-6)
    hh = [m.time for port, m in pattern.context.emitted if m.type == "note_on"]
    assert messages[start + 1].time == pytest.approx(hh[0], abs=1e-6)
    gaps = [round(b - a, 6) for a, b in itertools.pairwise(ticks)]
    slow, fast = round(60 / 150 / 24, 6), round(60 / 200 / 24, 6)
    # evenly at one tempo or the other; where the faster one begins, ticks sent ahead at the slower one are caught
    # up with, never closer than half a tick (a slave counts them: each one must come)
    assert all(fast / 2 - 1e-6 <= g <= slow + 1e-6 for g in gaps), sorted(gaps)[:3]
    assert gaps.count(slow) > 24 and gaps.count(fast) > 24  # a beat and more at each
    beats = pattern.beat_clock()  # the last tempo's: the ticks after the change are back on its grid
    assert [round(beats.beat_at(t) * 24, 6) % 1 for t in ticks[-24:]] == [0.0] * 24
    # where the groove stopped: after the ticks heard by then, a quarter tick after the last of them at most; those
    # sent ahead for after it are void (midi_out drops them). Before, after every tick sent ahead: a slave stopped
    # on a bar line played that bar's first step, which the groove's sampler did not.
    stop = messages[-1].time
    heard = [t for t in ticks if t < stop]
    assert stop >= stopped and stop <= max(stopped + 0.1, heard[-1] + 60 / 200 / 24 / 4 + 1e-6)
    assert [t for t in ticks if t > stop]
    assert clock_node.late_ticks == 0


def test_a_groove_held_for_its_sampler_starts_the_slave_with_its_first_step() -> None:
    """A pattern node holds its first step until its sampler's stream plays (about a second into the patch). The
    slave was started on the bar the node began with, that second before the groove, then stopped and started again
    (a tick late); now its one start comes just before the groove's first step."""
    can_play = threading.Event()
    clocks.add_player("smp-clock-held", "pat-clock-held", can_play)  # a sampler whose stream is not open yet
    pattern = Pattern("pat-clock-held", {"patterns": {"HH": "x..."}, "tempo": 240.0}, NodeContext())
    clock_node = MidiClock("midi-clock-held", {"clock": "pat-clock-held"}, NodeContext())
    clock_node.start()
    pattern.start()
    try:
        time.sleep(0.6)
        can_play.set()
        time.sleep(0.6)
    finally:
        clocks.remove_player("smp-clock-held", can_play)
        clock_node.stop()
        pattern.stop()
    messages = sent(clock_node)
    kinds = [m.type for m in messages]
    assert kinds.count("start") == 1 and kinds.count("stop") == 1 and kinds[-1] == "stop", kinds[:3]
    first = min(m.time for port, m in pattern.context.emitted if m.type == "note_on")
    start = kinds.index("start")
    assert messages[start + 1].type == "clock" and messages[start + 1].time == pytest.approx(first, abs=1e-6)
    assert messages[start].time == pytest.approx(first - 60 / 240 / 24 / 4, abs=1e-6)


def test_a_bar_line_closer_than_half_a_lookahead_is_where_the_slave_starts() -> None:
    """The node begins half a lookahead ahead (the ticks before may be due already): a groove whose first bar is
    closer than that when the node first sees its clock (its thread woke late) started the slave a bar after it."""
    groove = clocks.BeatClock(time.perf_counter() + 0.03, 0.0, 240.0)  # beat 0 in 30 ms; the node looks from 50
    clocks.publish("pat-clock-near", groove)
    clock_node = MidiClock("midi-clock-near", {"clock": "pat-clock-near"}, NodeContext())
    clock_node.start()
    try:
        time.sleep(0.3)
    finally:
        clock_node.stop()
        clocks.withdraw("pat-clock-near")
    messages = sent(clock_node)
    kinds = [m.type for m in messages]
    start = kinds.index("start")
    assert start == 0 and messages[1].type == "clock", kinds[:3]
    assert messages[1].time == pytest.approx(groove.time_at(0.0), abs=1e-6)  # on the groove's first beat


def test_play_after_a_stop_starts_the_groove_and_the_slave_from_the_top() -> None:
    """A stop then play, as on any sequencer: the groove starts again from its first step, and the slave gets its
    start just before that step. Before, the groove went on from wherever its running timeline was (mid-bar, or
    the second bar of a two-bar pattern) while the slave started its bar 1 on the next bar line."""
    pattern = Pattern("pat-again", {"patterns": {"HH": "xxxx", "BD": "x..x .... .... .... .x.. ...."},
                                    "tempo": 240.0, "quantum": 4.0}, NodeContext())
    clock_node = MidiClock("midi-clock-again", {"clock": "pat-again"}, NodeContext())
    pattern.start()
    clock_node.start()
    try:
        time.sleep(0.5)
        pattern.handle("control", ControlValue("play", 0.0))
        time.sleep(0.33)  # a stop of a bar and a third: the timeline ran on to the second bar of the pattern
        pattern.context.emitted.clear()
        pattern.handle("control", ControlValue("play", 1.0))
        time.sleep(0.5)
        pattern.handle("control", ControlValue("play", 0.0))
        time.sleep(0.2)
    finally:
        clock_node.stop()
        pattern.stop()
    ons = sorted((m.time, m.channel) for port, m in pattern.context.emitted if m.type == "note_on")
    step = 60 / 240 / 4
    steps = [round((t - ons[0][0]) / step) for t, _ in ons]
    bd = [s for s, (_, channel) in zip(steps, ons, strict=True) if channel == 3]
    assert ons[0][1] in (0, 3) and bd[:2] == [0, 3]  # from the pattern's first step (the second bar's: 17)
    messages = sent(clock_node)
    kinds = [m.type for m in messages]
    assert kinds.count("start") == 2 and kinds.count("stop") == 2, kinds
    again = [m for m in messages if m.type == "start"][1]
    assert again.time == pytest.approx(ons[0][0] - 60 / 240 / 24 / 4, abs=1e-6)  # just before that first step


@pytest.mark.parametrize("link", [False, True])
def test_a_slave_joining_mid_groove_goes_to_its_song_position(link: bool) -> None:
    """A midi_clock that begins with the groove long under way (added or edited in while it plays; a groove that
    went on from a master's song position) sent its slave start on the next bar line: the slave's bar 1 was the
    groove's bar 11. Now it sends that bar as the song position, then continue. A Link session's start stays a
    start: every app starts from its own top there."""
    groove = clocks.BeatClock(time.perf_counter(), 37.0, 240.0, link=link)  # beat 38 of the groove: bar 10
    clocks.publish(f"pat-clock-mid-{link}", groove)
    clock_node = MidiClock(f"midi-clock-mid-{link}", {"clock": f"pat-clock-mid-{link}"}, NodeContext())
    clock_node.start()
    try:
        time.sleep(1.0)
    finally:
        clock_node.stop()
        clocks.withdraw(f"pat-clock-mid-{link}")
    messages = sent(clock_node)
    kinds = [m.type for m in messages]
    bar = next(i for i, m in enumerate(messages) if m.type not in ("clock", "songpos"))
    assert messages[bar + 1].time == pytest.approx(groove.time_at(40.0), abs=1e-6)  # the tick of bar 11's one
    if link:
        assert kinds[bar] == "start" and "songpos" not in kinds and "continue" not in kinds
    else:
        assert kinds[bar - 1:bar + 2] == ["songpos", "continue", "clock"] and "start" not in kinds
        assert messages[bar - 1].pos == 40 * 4  # in sixteenths: beat 40
        assert messages[bar - 1].time < messages[bar].time < messages[bar + 1].time


def test_without_a_beat_clock_nothing_is_sent() -> None:
    node = MidiClock("midi-clock-alone", {"clock": "no-such-pattern"}, NodeContext())
    node.start()
    try:
        time.sleep(0.2)
    finally:
        node.stop()
    assert sent(node) == []


def test_a_slave_is_stopped_when_the_node_stops_mid_groove() -> None:
    pattern = Pattern("pat-clock-end", {"patterns": {"HH": "x"}, "tempo": 240.0}, NodeContext())
    clock_node = MidiClock("midi-clock-end", {"clock": "pat-clock-end"}, NodeContext())
    pattern.start()
    clock_node.start()
    try:
        deadline = time.monotonic() + 10
        while sum(m.type == "clock" for m in sent(clock_node)) <= 24 and time.monotonic() < deadline:
            time.sleep(0.01)  # past the groove's next bar (whenever the node came in) and a beat of ticks
    finally:
        clock_node.stop()
        pattern.stop()
    kinds = [m.type for m in sent(clock_node)]
    assert kinds.count("start") == 1 and kinds[-1] == "stop" and kinds.count("clock") > 24


class Into(NodeContext):
    """A node's context that hands its MIDI to ``midi_out`` at once, as the engine would deliver it."""

    def __init__(self, out: Any) -> None:
        super().__init__()
        self.out = out

    def emit(self, node_id: str, port: str, message: Any) -> None:
        super().emit(node_id, port, message)
        self.out.on_midi(message)


#: The slave: a program of its own on a JACK MIDI port, as a drum machine or a DAW is. (In the test's process, its
#: rtmidi callback needs the interpreter lock in JACK's process thread, behind the pattern's and the clock's threads:
#: JACK saw it unfinished cycle after cycle, an xrun each, and dropped events.)
SLAVE = """
import sys, time
import mido
mido.set_backend("mido.backends.rtmidi/UNIX_JACK")
deadline = time.monotonic() + 10
names = []
while not names and time.monotonic() < deadline:
    names = [n for n in mido.get_input_names() if sys.argv[1] in n]
    time.sleep(0.05)
kinds = []
with mido.open_input(names[0]) as port:
    print("up", flush=True)
    deadline = time.monotonic() + 20
    while "stop" not in kinds and time.monotonic() < deadline:
        message = port.poll()
        if message is None:
            time.sleep(0.001)
        else:
            kinds.append(message.type)
print(" ".join(kinds), flush=True)
"""


@pytest.mark.jack
def test_a_slave_on_a_jack_midi_port_gets_start_the_ticks_and_stop() -> None:
    from exsampling_patch.nodes.midi import MidiOut

    tag = f"exs-clock-{os.getpid()}"
    out = MidiOut("mout-clock", {"virtual_port": tag, "api": "UNIX_JACK"})
    out.start()
    slave = subprocess.Popen([sys.executable, "-c", SLAVE, tag], stdout=subprocess.PIPE, text=True)
    pattern = Pattern("pat-clock-jack", {"patterns": {"HH": "x"}, "tempo": 240.0}, NodeContext())
    clock_node = MidiClock("midi-clock-jack", {"clock": "pat-clock-jack"}, Into(out))
    try:
        assert out.keeper.wait_open(10)
        assert slave.stdout is not None and slave.stdout.readline().strip() == "up"
        pattern.start()
        clock_node.start()
        deadline = time.monotonic() + 10
        while clock_node.ticks_sent <= 48 and time.monotonic() < deadline:
            time.sleep(0.01)  # the groove's next bar and a beat of ticks heard after it (a lookahead's more sent)
        pattern.handle("control", ControlValue("play", 0.0))
        kinds = slave.stdout.readline().split()
    finally:
        clock_node.stop()
        pattern.stop()
        out.stop()
        slave.kill()
        slave.wait()
    assert kinds.count("start") == 1 and kinds[-1] == "stop", (kinds[:5], kinds[-5:])
    stop = next(m.time for m in sent(clock_node) if m.type == "stop")
    heard = [m for m in sent(clock_node) if m.type == "clock" and m.time < stop]  # those after it are void
    assert kinds.count("clock") == len(heard) > 24 and kinds[kinds.index("start") + 1] == "clock"


@pytest.mark.jack
def test_midi_out_stopping_sends_no_clock_or_start_held_for_later() -> None:
    """midi_out sends what it holds when it stops, so that no note hangs: a start held for later made a slave start
    as the patch stopped, and held ticks went out in a burst."""
    import mido

    from exsampling_patch.nodes.midi import MidiIn, MidiOut

    tag = os.getpid()
    out = MidiOut("mout-held", {"virtual_port": f"exs-held-{tag}", "api": "UNIX_JACK"})
    out.start()
    slave = MidiIn("slave-held", {"virtual_port": "", "port": f"exs-held-{tag}", "api": "UNIX_JACK"})
    slave.start()
    try:
        assert out.keeper.wait_open(10)
        slave.keeper.poll_seconds = 0.1
        assert slave.keeper.wait_open(10), slave.context.errors
        later = time.perf_counter() + 5.0
        for message in (mido.Message("start", time=later), mido.Message("clock", time=later),
                        mido.Message("songpos", pos=16, time=later), mido.Message("continue", time=later),
                        mido.Message("note_on", note=60, time=later), mido.Message("note_off", note=61, time=later)):
            out.on_midi(message)
        out.stop()
        time.sleep(0.3)
    finally:
        slave.stop()
        if not out.stop_event.is_set():
            out.stop()
    assert [m.type for port, m in slave.context.emitted] == ["note_off"]


@pytest.mark.jack
def test_midi_out_drops_the_clock_held_for_after_a_timed_stop() -> None:
    """midi_clock sends its ticks a lookahead ahead, then a stop where the groove stopped: the ticks and a start
    held for after it went on to the slave after its stop (a slave playing on, or started again)."""
    import mido

    from exsampling_patch.nodes.midi import MidiIn, MidiOut

    tag = os.getpid()
    out = MidiOut("mout-void", {"virtual_port": f"exs-void-{tag}", "api": "UNIX_JACK"})
    out.start()
    slave = MidiIn("slave-void", {"virtual_port": "", "port": f"exs-void-{tag}", "api": "UNIX_JACK"})
    slave.start()
    try:
        assert out.keeper.wait_open(10)
        slave.keeper.poll_seconds = 0.1
        assert slave.keeper.wait_open(10), slave.context.errors
        later = time.perf_counter() + 0.3
        for message in (mido.Message("clock", time=later), mido.Message("clock", time=later + 0.02),
                        mido.Message("clock", time=later + 0.04), mido.Message("start", time=later + 0.05),
                        mido.Message("note_on", note=60, time=later + 0.05),
                        mido.Message("stop", time=later + 0.03)):
            out.on_midi(message)
        time.sleep(0.6)
    finally:
        slave.stop()
        out.stop()
    assert [m.type for port, m in slave.context.emitted] == ["clock", "clock", "stop", "note_on"]


def test_ticks_passed_on_from_a_master_wait_for_its_tempo_at_a_quiet_start() -> None:
    """The groove follows a master that sends its clock only while playing (60 BPM; the node's own tempo 120): until
    its ticks give the tempo, no tick goes out ahead of the master's. Sent ahead on the node's tempo, the ticks a slave
    got from here ran at twice the master's, then waited for it."""
    pattern = Pattern("pat-thru", {"patterns": {"HH": "x"}, "follow_midi_clock": True}, NodeContext())
    clock_node = MidiClock("midi-clock-thru", {"clock": "pat-thru"}, NodeContext())
    tick = 60.0 / 60.0 / 24
    fed: list[float] = []

    def master() -> None:  # as midi_in hands a master's messages to the sync input
        import mido

        pattern.handle("sync", mido.Message("start"))
        at = time.perf_counter() + 0.01
        for n in range(24):
            time.sleep(max(0.0, at + n * tick - time.perf_counter()))
            fed.append(time.perf_counter())
            pattern.handle("sync", mido.Message("clock"))
        pattern.handle("sync", mido.Message("stop"))

    pattern.start()
    clock_node.start()
    thread = threading.Thread(target=master)
    try:
        time.sleep(0.1)
        thread.start()
        thread.join()
        time.sleep(0.2)
    finally:
        clock_node.stop()
        pattern.stop()
    ticks = [m.time for m in sent(clock_node) if m.type == "clock"]
    assert len(ticks) >= 6
    # the first six, before the tempo is read: each at or after the master's own (fed here), never before it
    assert all(t >= f - 1e-3 for t, f in zip(ticks[:6], fed, strict=False)), [
        round((t - f) * 1000, 1) for t, f in zip(ticks[:6], fed, strict=False)]


def test_a_slave_goes_on_with_a_masters_continue_mid_bar() -> None:
    """The groove follows a master that continues mid-bar (song position 6: beat 1.5, a DAW's play after a stop):
    the slave got its song position and continue only on the next bar, silent for the rest of this one while the
    groove played. Now from the sixteenth the master went on from, just before the tick of the groove's first step."""
    import mido

    pattern = Pattern("pat-clock-continue", {"patterns": {"HH": "x"}, "follow_midi_clock": True}, NodeContext())
    clock_node = MidiClock("midi-clock-continue", {"clock": "pat-clock-continue"}, NodeContext())
    pattern.start()
    clock_node.start()
    # its clock running while stopped, then song position 6 and continue, six beats, stop: with two, CI's loaded
    # cores twice had the master stop before the groove went on (no continue sent at all)
    play_master(pattern, 240.0, 12 + 24 * 6, {12: [mido.Message("songpos", pos=6), mido.Message("continue")]},
                clock_node, pattern)
    messages = sent(clock_node)
    kinds = [m.type for m in messages]
    assert "start" not in kinds and kinds.count("continue") == 1, kinds
    where = kinds.index("continue")
    assert kinds[where - 1] == "songpos" and messages[where - 1].pos == 6
    steps = [m.time for port, m in pattern.context.emitted if m.type == "note_on"]
    assert messages[where + 1].type == "clock" and messages[where + 1].time == pytest.approx(steps[0], abs=1e-9)


def test_a_masters_continue_between_sixteenths_has_the_slave_go_on_at_the_next() -> None:
    """A master stopped 31 ticks in (a sixteenth and a tick past beat 1) and continued from there: the slave got song
    position 5 (tick 30) and continue just before tick 31, so it played a tick behind the groove from then on. A song
    position counts sixteenths: now it gets 6 (tick 36), and continue just before the groove's step on tick 36."""
    import mido

    pattern = Pattern("pat-clock-between", {"patterns": {"HH": "x"}, "follow_midi_clock": True}, NodeContext())
    clock_node = MidiClock("midi-clock-between", {"clock": "pat-clock-between"}, NodeContext())
    pattern.start()
    clock_node.start()
    # its clock running throughout: start, 31 ticks, stop, 12 ticks, continue, 2 beats, stop
    cues = {12: [mido.Message("start")], 12 + 31: [mido.Message("stop")], 12 + 31 + 12: [mido.Message("continue")]}
    play_master(pattern, 240.0, 12 + 31 + 12 + 24 * 2, cues, clock_node, pattern)
    messages = sent(clock_node)
    kinds = [m.type for m in messages]
    # the master's start: start, or (the node saw it late, a loaded host) song position and continue mid-bar
    assert kinds.count("start") + kinds.count("continue") == 2 and kinds.index("stop") > 0, kinds
    where = len(kinds) - 1 - kinds[::-1].index("continue")  # the master's continue
    # song position 6 (tick 36, the sixteenth after tick 31), or a later one where the node saw the continue late
    assert kinds[where - 1] == "songpos" and messages[where - 1].pos >= 6
    assert messages[where + 1].type == "clock"
    # on the groove's grid: its steps (one a sixteenth) after it are a whole number of sixteenths after the slave's
    # tick, where a slave a tick behind was 10 ms off. Not its first step itself: a pattern node late as well goes on
    # at a later sixteenth (it skips steps due too long ago).
    continued = [m.time for port, m in pattern.context.emitted if m.type == "note_on" and m.time > messages[where].time]
    # (within 5 ms, half a tick: the master's tempo, fitted again at each of its ticks, moves the grid a little)
    assert continued, kinds
    after = (continued[0] - messages[where + 1].time) / (60.0 / 240.0 / 4)
    assert after > -0.08 and after == pytest.approx(round(after), abs=0.08), after


def test_a_masters_stop_song_position_and_continue_at_once_have_the_slave_follow() -> None:
    """A DAW relocating while it plays sends stop, song position and continue back to back (as does a master stalled
    past a quick stop's 125 ms, catching up): the node looked every 5 ms, never saw the groove stopped, and sent
    neither song position nor continue; the slave played on from where it was, 100 ticks off the groove. The clock
    published as a following pattern node's would be (its starts counted), as the node looks at it."""
    playing = clocks.BeatClock(time.perf_counter() + 0.06, 0.0, 240.0, start_beat=0.0, starts=1)  # bar 1 in 60 ms
    clocks.publish("pat-clock-relocate", playing)
    clock_node = MidiClock("midi-clock-relocate", {"clock": "pat-clock-relocate"}, NodeContext())
    clock_node.start()
    try:
        wait_for(lambda: clock_node.ticks_sent > 12, timeout=10.0)
        # stopped and went on from song position 18 (tick 108, mid-bar) between two looks, its tick in 60 ms
        went_on = clocks.BeatClock(time.perf_counter() + 0.06, 108 / 24, 240.0, start_beat=108 / 24, starts=2)
        clocks.publish("pat-clock-relocate", went_on)
        wait_for(lambda: continued_with_tick(clock_node), timeout=10.0)  # the continue and the tick after it
    finally:
        clock_node.stop()
        clocks.withdraw("pat-clock-relocate")
    messages = sent(clock_node)
    kinds = [m.type for m in messages]
    where = kinds.index("continue")
    assert kinds.count("start") == 1 and kinds[where - 2:where] == ["stop", "songpos"], kinds[where - 3:where + 1]
    pos = messages[where - 1].pos
    # there, or (seen late, a loaded host) a later sixteenth of that bar: not the next bar line (tick 192)
    assert 18 <= pos < 32, pos
    # on its tick, or (seen within half a tick of it: the stop just before keeps it half a tick after) just after
    assert 0 <= messages[where + 1].time - went_on.time_at(pos / 4) <= 60 / 240 / 24 / 2 + 1e-6


def test_a_continue_mid_bar_seen_late_has_the_slave_go_on_at_the_next_sixteenth() -> None:
    """A master's continue mid-bar that the node saw after its first tick was due (its thread or the pattern's woke
    late on a loaded host) had the slave wait for the next bar line: two beats later the master stopped, and the slave
    got no continue at all. Now it goes on at the next sixteenth the ticks still reach."""
    # continued from tick 31, 30 ms ago (more than LATE_DROP: its tick is not sent): the next sixteenth is tick 36
    groove = clocks.BeatClock(time.perf_counter() - 0.03, 31 / 24, 240.0, start_beat=31 / 24)
    clocks.publish("pat-clock-late", groove)
    clock_node = MidiClock("midi-clock-late", {"clock": "pat-clock-late"}, NodeContext())
    clock_node.start()
    try:
        # the next bar line is 0.65 s away: the continue well before it (its deadline only for a stalled host)
        wait_for(lambda: continued_with_tick(clock_node), timeout=10.0)
    finally:
        clock_node.stop()
        clocks.withdraw("pat-clock-late")
    messages = sent(clock_node)
    kinds = [m.type for m in messages]
    where = kinds.index("continue")
    assert kinds[where - 1] == "songpos" and "start" not in kinds, kinds[:where + 2]
    pos = messages[where - 1].pos
    # tick 36, or (the node's first look more than ~40 ms after the publish, a loaded host) a later sixteenth of that
    # bar: not the next bar line (tick 96, position 16)
    assert 6 <= pos < 16, pos
    assert messages[where + 1].type == "clock"
    assert messages[where + 1].time == pytest.approx(groove.time_at(pos / 4), abs=1e-6)  # on the groove's grid


def test_a_masters_start_seen_late_has_the_slave_go_on_at_the_next_sixteenth() -> None:
    """A master's start the node saw after its first tick was due (its thread or the pattern's woke late on a loaded
    host) had the slave wait for the next bar line: a master stopped before it had the slave never start at all (the
    reported flake of test_a_masters_continue_between_sixteenths). Now it goes on at the next sixteenth the ticks still
    reach, with song position and continue: where the master is, as a musician's slave started late should."""
    # started at beat 0 30 ms ago (more than LATE_DROP: its tick is not sent), at 60 BPM: the next bar line is 4 s away
    groove = clocks.BeatClock(time.perf_counter() - 0.03, 0.0, 60.0, start_beat=0.0, starts=1)
    clocks.publish("pat-clock-start-late", groove)
    clock_node = MidiClock("midi-clock-start-late", {"clock": "pat-clock-start-late"}, NodeContext())
    clock_node.start()
    try:
        wait_for(lambda: "continue" in [m.type for m in sent(clock_node)], timeout=10.0)
        wait_for(lambda: clock_node.ticks_sent > 0, timeout=10.0)
    finally:
        clock_node.stop()
        clocks.withdraw("pat-clock-start-late")
    messages = sent(clock_node)
    kinds = [m.type for m in messages]
    where = kinds.index("continue")
    assert "start" not in kinds and kinds[where - 1] == "songpos", kinds[:where + 2]
    pos = messages[where - 1].pos
    assert 1 <= pos < 16, pos  # a sixteenth of this bar, not the next bar line (16)
    assert messages[where + 1].type == "clock"
    assert messages[where + 1].time == pytest.approx(groove.time_at(pos / 4), abs=1e-6)
