"""The stage console says when a pattern node's MIDI clock master starts, stops and continues, and when its tempo
changes markedly: before, a groove following a drum machine told these only in its status fields (``playing``,
``tempo``), which the console prints none of. A master program of its own on a real JACK MIDI port, read through
midi_in into a real pattern node, whose statuses reach the console as the engine passes them, as they come."""

from __future__ import annotations

import io
import os
from typing import Any

import pytest

from exsampling_patch.commands.master_news import MasterNews
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.context import NodeContext
from exsampling_patch.messages import ControlValue
from exsampling_patch.nodes.pattern import Pattern
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import NodeStatus
from tests.outputs.test_pattern_follow import MASTER_START, follow

#: Its clock at 120 BPM while stopped (2 beats: the tempo read from them), start, 4 beats, 4 at 90 BPM, stop, 2
#: beats of ticks stopped, continue, 2 beats, stop, 2 beats of ticks stopped (the node's status, twice a second, sees
#: each state).
MASTER = MASTER_START + """t = ticks(48, 120, time.perf_counter())
port.send(mido.Message("start"))
t = ticks(24 * 4, 120, t)
t = ticks(24 * 4, 90, t)
port.send(mido.Message("stop"))
t = ticks(24 * 2, 90, t)
port.send(mido.Message("continue"))
t = ticks(24 * 2, 90, t)
port.send(mido.Message("stop"))
t = ticks(24 * 2, 90, t)
print("late", late, flush=True)
"""


class ToConsole(NodeContext):
    """The pattern's context: each status to the console as the engine would publish it, when it is reported."""

    def __init__(self, console: StageConsole) -> None:
        super().__init__()
        self.console = console

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        super().report_status(node_id, status)
        self.console(NodeStatus(node_id, dict(status)))


@pytest.mark.jack
def test_the_console_says_the_masters_start_tempo_stop_and_continue() -> None:
    patch = Patch()
    patch.add_node(NodeSpec("groove", "pattern", {"follow_midi_clock": True}))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    pattern = Pattern("groove", {"patterns": {"HH": "x.x."}, "follow_midi_clock": True}, ToConsole(console))
    follow(MASTER, f"exs-news-{os.getpid()}", pattern)
    lines = [line.split(" ", 1)[1] for line in err.getvalue().splitlines()]
    prefix = "pattern 'groove': following the MIDI clock: "
    assert lines and all(line.startswith(prefix) for line in lines), lines
    said = [line.removeprefix(prefix) for line in lines]
    assert said[0] == "started at 120 BPM", said
    stop = said.index("stopped")
    # the change to 90 said (a status may catch the line between, told too, a second apart); the ticks' jitter
    # around 120 and 90 never
    tempos = said[1:stop]
    assert tempos and tempos[-1] == "tempo 90 BPM" and len(tempos) <= 2, said
    assert all(t.startswith("tempo ") for t in tempos), said
    assert said[stop:] == ["stopped", "continued at 90 BPM", "stopped"], said


#: Its clock at 120 BPM while stopped, start, 2 beats, "off" (the test's play 0), 4 beats, "on" (play 1), 4 beats,
#: stop, 2 beats of ticks stopped: the node's status sees each state at least twice.
MASTER_PLAYS_ON = MASTER_START + """def say(what):
    print(what, time.perf_counter(), flush=True)
t = ticks(48, 120, time.perf_counter())
port.send(mido.Message("start"))
t = ticks(24 * 2, 120, t); say("off")
t = ticks(24 * 4, 120, t); say("on")
t = ticks(24 * 4, 120, t)
port.send(mido.Message("stop"))
t = ticks(24 * 2, 120, t)
print("late", late, flush=True)
"""


@pytest.mark.jack
@pytest.mark.parametrize("playing", [True, False], ids=["play-0-then-1", "playing-false"])
def test_the_console_tells_the_masters_start_and_stop_not_the_play_control(playing: bool) -> None:
    """The performer's play 0 and 1 while the master plays on, through the node's control input as a controller
    sends them (or the node's play off throughout): before, the console told them as the master stopping and
    starting again (its ``playing`` is false while play is 0), and a master's start with play off not at all."""
    patch = Patch()
    patch.add_node(NodeSpec("groove", "pattern", {"follow_midi_clock": True, "playing": playing}))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    pattern = Pattern("groove", {"patterns": {"HH": "x.x."}, "follow_midi_clock": True, "playing": playing},
                      ToConsole(console))

    def heard(what: str) -> None:
        if playing and what in ("off", "on"):
            pattern.handle("control", ControlValue("play", 0.0 if what == "off" else 1.0))

    follow(MASTER_PLAYS_ON, f"exs-news-play-{os.getpid()}-{playing}", pattern, heard)
    prefix = "pattern 'groove': following the MIDI clock: "
    said = [line.split(" ", 1)[1].removeprefix(prefix) for line in err.getvalue().splitlines()]
    assert said == ["started at 120 BPM", "stopped"], said


def test_a_tempo_is_told_once_it_moved_a_bpm_and_at_most_once_a_second() -> None:
    news = MasterNews()

    def at(t: float, tempo: float, playing: bool = True, **more: Any) -> str:
        return news.line("g", {"tempo": tempo, "master_playing": playing, "follows": "MIDI clock", **more}, t)

    assert at(0.0, 120.0, False) == ""  # nothing to say before the master starts
    assert at(0.5, 120.2, from_beat=0.0) == "started at 120 BPM"
    assert [at(1.0 + i / 2, 120.0 + (0.7 if i % 2 else -0.7)) for i in range(6)] == [""] * 6  # jitter across 120.5
    assert at(4.0, 121.3) == "tempo 121 BPM"
    assert at(4.5, 125.0) == ""  # within the second of the last line
    assert at(5.0, 125.0) == "tempo 125 BPM"
    assert at(6.0, 124.4) == ""  # not below 124.2: as likely 125 with the ticks' jitter
    assert at(7.0, 124.0) == "tempo 124 BPM"  # a reading amid a change (125), put right
    assert at(7.5, 124.0, False) == "stopped"
    assert at(8.0, 124.0, from_beat=16.0) == "continued at 124 BPM"
    assert news.line("own", {"tempo": 120.0, "master_playing": True, "follows": ""}, 0.0) == ""  # no master
    # the master's start, the node's play off: told (its playing is the clock's and play's together)
    off = {"tempo": 120.0, "playing": False, "master_playing": True, "follows": "MIDI clock", "from_beat": 0.0}
    assert news.line("off", off, 0.0) == "started at 120 BPM"
