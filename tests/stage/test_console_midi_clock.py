"""The stage console says when a pattern node's MIDI clock master starts, stops and continues, and when its tempo
changes markedly: before, a groove following a drum machine told these only in its status fields (``playing``,
``tempo``), which the console prints none of. A master program of its own on a real JACK MIDI port, read through
midi_in into a real pattern node, whose statuses reach the console as the engine passes them, as they come. The test
steers the master a step at a time, each once the node's status shows the last one (not after a span of ticks)."""

from __future__ import annotations

import io
import itertools
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from exsampling_patch.commands.master_news import STEADY_TICKS, MasterNews
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.context import NodeContext
from exsampling_patch.messages import ControlValue
from exsampling_patch.nodes.midi import MidiIn
from exsampling_patch.nodes.pattern import Pattern
from exsampling_patch.nodes.tick_line import FIT_TICKS
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeStatus
from tests.outputs.test_pattern_follow import ON_ITS_OWN_CPU, Into
from tests.stage.disturbed_runs import Late, heard_late, like

#: The master: its JACK MIDI port, named by the test, "up" once open; then from the test its tempo and "1" or "0" (its
#: clock running while stopped, or from its start on), then one command a line: start, stop, continue, "tempo 90",
#: "quiet 0.5" (no tick for that long, counted as played: its cable out). At the end of its input, how late a tick
#: went out at worst, and when each went out (perf_counter: the node's clock too, on this machine). Scheduled ahead of
#: busy workers where the machine lets it, as a drum machine's own CPU would be (see ON_ITS_OWN_CPU).
STEERED = """
import os, select, sys, time
import mido
mido.set_backend("mido.backends.rtmidi/UNIX_JACK")
port = mido.open_output(sys.argv[1], virtual=True, client_name=sys.argv[1])
""" + ON_ITS_OWN_CPU + """
print("up", flush=True)
kept = b""
def command(wait):  # the next line of its input, None: none within wait seconds, '': its end
    global kept
    while b"\\n" not in kept:  # not sys.stdin: lines it read ahead into its buffer wait unseen by select
        if not select.select([0], [], [], wait)[0]:
            return None
        read = os.read(0, 1024)
        if not read:
            return ""
        kept, wait = kept + read, None
    line, kept = kept.split(b"\\n", 1)
    return line.decode()
bpm, clock = command(None).split()
bpm, ticking, t, late, sent = float(bpm), clock == "1", time.perf_counter(), 0.0, []
while True:
    what = command(max(0.0, t - time.perf_counter()) if ticking else None)
    if what == "":
        break
    if what is not None:
        what = what.split()
        if what[0] == "tempo":
            bpm = float(what[1])
        elif what[0] == "quiet":
            t += float(what[1])
        else:
            port.send(mido.Message(what[0]))
            if not ticking and what[0] in ("start", "continue"):
                ticking, t = True, time.perf_counter()
        continue
    late = max(late, time.perf_counter() - t)
    port.send(mido.Message("clock"))
    sent.append(time.perf_counter())
    t += 60 / bpm / 24
print("late", late, flush=True)
print("sent", *sent, flush=True)
"""

#: Where a status waited for never comes: the node (or the master) is stuck, the test fails.
DEADLINE = 10.0
ATTEMPTS = 3
#: The node's id for a run: one of its own, so that each run's lines read apart in a failure's output (a node of the
#: same id no longer hands the master's timeline to the next run since 8f536f42: an edit's node alone takes it).
NODE_IDS = (f"groove-{n}" for n in itertools.count())
MASTER_LINE = re.compile(r"pattern '[^']*': following the MIDI clock: ")

Status = dict[str, Any]


class ToConsole(NodeContext):
    """The pattern's context: each status to the console as the engine would publish it, when it is reported; the
    test waits on them."""

    def __init__(self, console: StageConsole, err: io.StringIO) -> None:
        super().__init__()
        self.console, self.err = console, err
        self.reported = threading.Condition()

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        self.console(NodeStatus(node_id, dict(status)))
        with self.reported:
            super().report_status(node_id, status)
            self.reported.notify_all()

    def until(self, shows: Callable[[Status], bool], since: int) -> Status:
        """The first status from the ``since``-th on that ``shows`` holds for, once it is reported (the console said
        what it says of it by then)."""
        deadline = time.monotonic() + DEADLINE
        with self.reported:
            while True:
                found = next((s for s in self.statuses[since:] if shows(s)), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                assert left > 0, (f"no status came that the test waited for; the console said:\n{self.err.getvalue()}"
                                  f"statuses: {self.statuses[since:]}")
                self.reported.wait(left)


class Heard(Into):
    """midi_in's context into the pattern, noting when each tick reached the node (perf_counter)."""

    def __init__(self, pattern: Pattern) -> None:
        super().__init__(pattern)
        self.ticks: list[float] = []

    def emit(self, node_id: str, port: str, message: Any) -> None:
        if getattr(message, "type", "") == "clock":
            self.ticks.append(time.perf_counter())
        super().emit(node_id, port, message)


def steer(pattern: Pattern, context: ToConsole, name: str, tempo: str,
          steps: Sequence[tuple[str | Callable[[], None], Callable[[Status], bool]]]) -> Late:
    """Run the master (:data:`STEERED`, given ``tempo``: "120 1") through a JACK MIDI port of its own into
    ``pattern``'s sync input, as midi_in and the engine would, and give it each step's command (or do it: a callable)
    once the status the step before waits for came ('' sends none); returns how late its ticks went out and reached
    the node at worst."""
    pattern.start()
    process = subprocess.Popen([sys.executable, "-c", STEERED, name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               text=True)
    into = Heard(pattern)
    listener = MidiIn(f"keys-{name}", {"virtual_port": "", "port": name, "api": "UNIX_JACK"}, into)
    try:
        assert process.stdout is not None and process.stdin is not None
        assert process.stdout.readline().strip() == "up"
        listener.start()
        assert listener.keeper.wait_open(10), listener.context.errors
        process.stdin.write(f"{tempo}\n")
        process.stdin.flush()
        for command, shows in steps:
            since = len(context.statuses)
            if callable(command):
                command()
            elif command:
                process.stdin.write(f"{command}\n")
                process.stdin.flush()
            context.until(shows, since)
        process.stdin.close()
        what, late = process.stdout.readline().split()
        assert what == "late"
        what, *sent = process.stdout.readline().split()
        assert what == "sent"
        deadline = time.monotonic() + 2.0  # the last ticks on their way to the node (a JACK period or two)
        while len(into.ticks) < len(sent) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        listener.stop()
        pattern.stop()
        process.kill()
        process.wait()
    heard = into.ticks
    return Late(float(late), heard_late([float(at) for at in sent], heard), len(heard) - len(sent))


def told(run: Callable[[int], tuple[io.StringIO, Late]], right: Callable[[list[str]], bool],
         expected: Sequence[str | re.Pattern[str]]) -> tuple[list[str], bool]:
    """What the console said in ``run(attempt)`` (the master's lines without their prefix, the node's others whole),
    and whether that run was undisturbed (:meth:`Late.disturbed`: on the master's side or the node's): its lines are
    then held to ``right``, a disturbed one's to :func:`like` ``expected``; a disturbed run that is not is made again
    (a tick 300 ms late is the master gone silent for the node: its warning said)."""
    for attempt in range(ATTEMPTS):
        err, late = run(attempt)
        said = [MASTER_LINE.sub("", line.split(" ", 1)[1], count=1) for line in err.getvalue().splitlines()]
        why = late.disturbed()
        if not why or right(said):
            return said, not why
        print(f"attempt {attempt + 1} disturbed by load: {why}: {said}")
        if like(said, expected):
            print("held to the order of its lines and tempos near the master's")
            return said, False
    return said, False


def groove(playing: bool = True, tempo: float = 120.0) -> tuple[Pattern, ToConsole, io.StringIO]:
    """A pattern node following MIDI clock, its statuses to a stage console writing to the buffer."""
    params = {"patterns": {"HH": "x.x."}, "follow_midi_clock": True, "playing": playing, "tempo": tempo}
    node_id = next(NODE_IDS)
    patch = Patch()
    patch.add_node(NodeSpec(node_id, "pattern", dict(params)))
    err = io.StringIO()
    context = ToConsole(StageConsole(patch, err=err), err)
    return Pattern(node_id, params, context), context, err


def said_90(err: io.StringIO) -> Callable[[Status], bool]:
    """The step's wait after the master's change to 90 BPM: until the console said "tempo 90 BPM"; or, where load
    made it read near 90 (91: the node's 90.3 then no line), once four statuses more read 90 steadily (two seconds,
    past the console's one a second)."""
    settled: set[int] = set()

    def shows(s: Status) -> bool:
        text = err.getvalue()
        if "tempo 90 BPM" in text:
            return True
        if steady(s) and abs(s["tempo"] - 90) < 1 and re.search(r"tempo (8[89]|9[0-2]) BPM", text):
            settled.add(id(s))  # until() asks again of the statuses it asked of
        return len(settled) >= 4

    return shows


def steady(s: Status) -> bool:
    return bool(s.get("tempo_ticks", 0) >= STEADY_TICKS)


def playing(s: Status) -> bool:
    return s.get("master_playing") is True


def stopped(s: Status) -> bool:
    return s.get("master_playing") is False


@pytest.mark.jack
def test_the_console_says_the_masters_start_tempo_stop_and_continue() -> None:
    def run(attempt: int) -> tuple[io.StringIO, Late]:
        pattern, context, err = groove()
        late = steer(pattern, context, f"exs-news-{os.getpid()}-{attempt}", "120 1", [
            ("", steady),  # its clock at 120 BPM while stopped: the tempo read from it
            ("start", lambda s: playing(s) and steady(s)),
            # until the console said it (a line amid the change, a second before, may hold it a second)
            ("tempo 90", said_90(err)), ("stop", stopped), ("continue", playing), ("stop", stopped)])
        return err, late

    def right(said: list[str]) -> bool:
        return (len(said) >= 4 and said[0] == "started at 120 BPM" and said[-3:] == ["stopped", "continued at 90 BPM",
                                                                                     "stopped"]
                and 1 <= len(said) - 4 <= 2 and said[-4] == "tempo 90 BPM"
                and all(line.startswith("tempo ") for line in said[1:-3]))

    # the change to 90 said (a status may catch the line between, told too, a second apart); the ticks' jitter
    # around 120 and 90 never
    expected = ["started at 120 BPM", "tempo 90 BPM", "stopped", "continued at 90 BPM", "stopped"]
    said, undisturbed = told(run, right, expected)
    assert right(said) if undisturbed else like(said, expected), said


@pytest.mark.jack
@pytest.mark.parametrize("play", [True, False], ids=["play-0-then-1", "playing-false"])
def test_the_console_tells_the_masters_start_and_stop_not_the_play_control(play: bool) -> None:
    """The performer's play 0 and 1 while the master plays on, through the node's control input as a controller
    sends them (or the node's play off throughout): before, the console told them as the master stopping and
    starting again (its ``playing`` is false while play is 0), and a master's start with play off not at all."""
    def run(attempt: int) -> tuple[io.StringIO, Late]:
        pattern, context, err = groove(play)

        def control(value: float) -> tuple[Callable[[], None], Callable[[Status], bool]]:
            # the master plays on while the node's playing follows play
            return (lambda: pattern.handle("control", ControlValue("play", value)),
                    lambda s: playing(s) and s.get("playing") == (value > 0))

        plays = [control(0.0), control(1.0)] if play else []
        late = steer(pattern, context, f"exs-news-play-{os.getpid()}-{play}-{attempt}", "120 1", [
            ("", steady), ("start", lambda s: playing(s) and s.get("playing") == play), *plays, ("stop", stopped)])
        return err, late

    expected = ["started at 120 BPM", "stopped"]
    said, undisturbed = told(run, lambda said: said == expected, expected)
    assert said == expected if undisturbed else like(said, expected), said


@pytest.mark.jack
def test_a_master_gone_silent_and_back_is_its_warnings_not_a_stop_and_a_continue() -> None:
    """Its cable out while it plays: the node's warning and its line when the ticks are back tell it. Before, the
    console said "stopped" beside the warning (the clock stops the groove while no tick comes) and "continued at 120
    BPM" beside the line back: a stop and a continue the master never sent."""
    def run(attempt: int) -> tuple[io.StringIO, Late]:
        pattern, context, err = groove()
        late = steer(pattern, context, f"exs-news-gone-{os.getpid()}-{attempt}", "120 1", [
            ("", steady), ("start", lambda s: playing(s) and steady(s)),
            ("quiet 1.5", lambda s: bool(s.get("warning"))),  # the groove stopped while the master is unheard
            ("", lambda s: bool(s.get("midi_clock_back"))),  # its ticks back
            ("", lambda s: s.get("playing") is True),  # and the groove goes on (before, "continued" said here)
            ("stop", stopped)])
        return err, late

    def right(said: list[str]) -> bool:
        return (len(said) == 4 and said[0] == "started at 120 BPM" and said[-1] == "stopped"
                and said[1].startswith("warning from node 'groove-")
                and "no MIDI clock from the master on sync" in said[1]
                and "the MIDI clock master is back after" in said[2])

    expected: list[str | re.Pattern[str]] = [
        "started at 120 BPM", re.compile(r"^warning from node 'groove-.*no MIDI clock from the master on sync"),
        re.compile("the MIDI clock master is back after"), "stopped"]
    said, undisturbed = told(run, right, expected)
    assert right(said) if undisturbed else like(said, expected), said


@pytest.mark.jack
def test_a_master_started_again_while_playing_is_said() -> None:
    """A second start while it plays is bar 1 again for the groove: before, the console said nothing of it (the
    master never stopped, to its status)."""
    def run(attempt: int) -> tuple[io.StringIO, Late]:
        pattern, context, err = groove()
        late = steer(pattern, context, f"exs-news-again-{os.getpid()}-{attempt}", "120 1", [
            ("", steady), ("start", lambda s: playing(s) and steady(s)),
            ("start", lambda s: playing(s) and s.get("master_starts") == 2), ("stop", stopped)])
        return err, late

    expected = ["started at 120 BPM", "started again from bar 1 at 120 BPM", "stopped"]
    said, undisturbed = told(run, lambda said: said == expected, expected)
    assert said == expected if undisturbed else like(said, expected), said


@pytest.mark.jack
def test_a_start_with_no_clock_before_tells_its_tempo_once_read_well() -> None:
    """A master that sends its clock only while it plays, at 60 BPM (the node's own tempo 120): the start line said
    the tempo of the first few ticks (2 BPM off), or the node's own one till six came. Now "started", and the tempo
    once two beats of ticks give it, "about": the mean of ten beats, once settled, is told where it is another."""
    def run(attempt: int) -> tuple[io.StringIO, Late]:
        pattern, context, err = groove()
        late = steer(pattern, context, f"exs-news-read-{os.getpid()}-{attempt}", "60 0", [
            ("start", playing), ("", steady), ("stop", stopped)])
        return err, late

    expected = ["started", "tempo about 60 BPM", "stopped"]
    said, undisturbed = told(run, lambda said: said == expected, expected)
    assert said == expected if undisturbed else like(said, expected), said


def test_a_tempo_is_told_once_it_moved_a_bpm_and_at_most_once_a_second() -> None:
    news = MasterNews()

    def at(t: float, tempo: float, playing: bool = True, **more: Any) -> str:
        status = {"tempo": tempo, "master_playing": playing, "follows": "MIDI clock", "tempo_ticks": STEADY_TICKS}
        return news.line("g", status | more, t)

    assert at(0.0, 120.0, False, master_starts=0) == ""  # nothing to say before the master starts
    assert at(0.5, 120.2, from_beat=0.0, master_starts=1) == "started at 120 BPM"
    assert [at(1.0 + i / 2, 120.0 + (0.7 if i % 2 else -0.7)) for i in range(6)] == [""] * 6  # jitter across 120.5

    def held(start: float, tempo: float, statuses: int = 16) -> list[str]:
        return [at(start + i / 2, tempo) for i in range(statuses)]

    # A change told once the mean of the readings over five seconds (ten beats; the ticks on JACK's periods beat
    # against the master's in cycles of seconds) settles: once, at its tempo.
    for start, tempo, told in ((4.0, 121.3, ["tempo 121 BPM"]), (12.0, 125.0, ["tempo 125 BPM"]),
                               (20.0, 124.4, []),  # not below 124.2: as likely 125 with jitter
                               (28.0, 124.0, ["tempo 124 BPM"])):
        lines = held(start, tempo)
        assert [line for line in lines if line] == told, (tempo, lines)
        assert not told or lines.index(told[0]) >= 2  # not from its first readings, the old ones in the mean
    assert at(36.0, 127.0, tempo_ticks=3) == ""  # nor one read from the few ticks since a change
    assert at(36.5, 124.0, False, master_starts=1) == "stopped"
    assert at(37.0, 124.0, from_beat=16.0, master_starts=2) == "continued at 124 BPM"
    # started again while playing (or stopped and started between two statuses): bar 1 again
    assert at(37.5, 124.0, from_beat=0.0, master_starts=3) == "started again from bar 1 at 124 BPM"
    assert at(38.0, 124.0, from_beat=0.0, master_starts=3) == ""
    # a start with its tempo not read well yet: "started", then its first full reading at once, "about"; the mean,
    # once settled, where it is another (within TEMPO_STEP of the one told it was never said: 96.6 said 97 for good)
    assert at(38.5, 124.0, False) == "stopped"
    assert at(39.0, 118.0, from_beat=0.0, master_starts=4, tempo_ticks=0) == "started"
    assert at(39.5, 96.6, tempo_ticks=20) == ""
    assert at(40.0, 96.9) == "tempo about 97 BPM"
    assert [line for line in held(40.5, 96.3, 20) if line] == ["tempo 96 BPM"]  # once 96.9 left the mean
    assert news.line("own", {"tempo": 120.0, "master_playing": True, "follows": ""}, 0.0) == ""  # no master
    # the master's start, the node's play off: told (its playing is the clock's and play's together)
    off = {"tempo": 120.0, "playing": False, "master_playing": True, "follows": "MIDI clock", "from_beat": 0.0}
    assert news.line("off", off, 0.0) == "started at 120 BPM"


def test_the_console_reads_a_tempo_steady_from_the_ticks_the_node_fits_its_line_to() -> None:
    """The console keeps its own count of a full tick line (the core imports no node module): the node's it must be,
    or tempos read from a part line are told, or full ones never."""
    assert STEADY_TICKS == FIT_TICKS


def test_a_disturbed_runs_lines_are_held_to_the_change_and_the_start_tempo() -> None:
    """The judge of a run disturbed by load took the ticks' jitter around 120 for the change to 90, and a start
    without its tempo followed by the new tempo's line for a start at 120: lines the console must never say."""
    expected = ["started at 120 BPM", "tempo 90 BPM", "stopped", "continued at 90 BPM", "stopped"]
    assert like(expected, expected)
    assert like(["started at 121 BPM", "tempo 104 BPM", "tempo 91 BPM", "stopped", "continued at 89 BPM", "stopped"],
                expected)
    # its tempo read well only after the start (or continue): told at once, or not before the next event
    assert like(["started", "tempo 120 BPM", "tempo 90 BPM", "stopped", "continued", "stopped"], expected)
    assert like(["started", "tempo 121 BPM", "tempo 90 BPM", "stopped", "continued", "tempo 90 BPM", "stopped"],
                expected)
    assert not like(["started at 120 BPM", "tempo 121 BPM", "tempo 119 BPM", "tempo 91 BPM", "stopped",
                     "continued at 90 BPM", "stopped"], expected)  # jitter around 120 told
    assert not like(["started", "tempo 90 BPM", "stopped", "continued", "stopped"], expected)  # 120 never told
    assert not like(["started at 120 BPM", "tempo 95 BPM", "tempo 105 BPM", "tempo 90 BPM", "stopped",
                     "continued at 90 BPM", "stopped"], expected)  # away from 90 amid the change
    assert not like(["started at 120 BPM", "tempo 93 BPM", "stopped", "continued at 90 BPM", "stopped"], expected)
    assert not like(["started at 120 BPM", "tempo 90 BPM", "stopped", "continued", "tempo 95 BPM", "stopped"],
                    expected)
    # a start the console can only say bare (no clock before it): its tempo once read, near the master's
    bare = ["started", "tempo 60 BPM", "stopped"]
    assert like(["started", "tempo 61 BPM", "tempo 60 BPM", "stopped"], bare)
    assert not like(["started", "tempo 64 BPM", "tempo 60 BPM", "stopped"], bare)
    assert not like(["started at 60 BPM", "stopped"], bare)


def test_a_tick_the_node_heard_late_disturbs_a_run_as_a_late_masters_tick_does() -> None:
    """The judge asked only whether the master sent its ticks late: an attempt whose node was kept from the CPU (the
    test's process held up, its master's ticks on time, 9 ms at worst) said "started at 118 BPM" and was held to the
    exact words. The ticks' wait for their JACK period is no lateness; the node's own is."""
    period = int(os.environ.get("JACK_PERIOD", "512")) / int(os.environ.get("JACK_RATE", "48000"))
    sent = [1000.0 + n * 60 / 120 / 24 for n in range(96)]
    on_time = [(at // period + 1) * period for at in sent]  # each heard at the end of the period it was sent in
    assert heard_late(sent, on_time) <= 1e-9
    assert not Late(0.009, heard_late(sent, on_time)).disturbed()
    held_up = [*on_time[:60], *(at + 0.038 for at in on_time[60:70]), *on_time[70:]]
    assert 0.038 - period < heard_late(sent, held_up) <= 0.038 + 1e-9  # after the period its tick waited, at worst
    assert Late(0.009, 0.038).disturbed() == "the node heard a tick 38 ms late"
    assert Late(0.009, 0.0, -1).disturbed() == "the node heard 1 tick fewer than the master sent"
    assert Late(0.025, 0.0).disturbed() == "a tick went out 25 ms late"
