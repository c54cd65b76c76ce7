"""A MIDI clock master started and stopped between two of the pattern node's statuses (they come twice a second):
each status read it stopped, and the console said nothing, though the master's start reached the groove. A master
program on a real JACK MIDI port, read through midi_in into a real pattern node, steered by the test (see
tests/stage/test_console_midi_clock.py)."""

from __future__ import annotations

import io
import os

import pytest

from exsampling_patch.commands.master_news import STEADY_TICKS, MasterNews
from tests.stage.test_console_midi_clock import MASTER_LINE, Status, groove, steady, steer, stopped


def said_of(err: io.StringIO) -> list[str]:
    return [MASTER_LINE.sub("", line.split(" ", 1)[1], count=1) for line in err.getvalue().splitlines()]


@pytest.mark.jack
def test_a_master_started_and_stopped_between_two_statuses_is_said() -> None:
    def started_and_stopped(s: Status) -> bool:
        return stopped(s) and s.get("master_starts") == 1

    pattern, context, err = groove()
    # its start and stop on one write: both reach the node within a tick, between two of its statuses
    steer(pattern, context, f"exs-news-brief-{os.getpid()}", "120 1",
          [("", steady), ("start\nstop", started_and_stopped)])
    said = said_of(err)
    # a status that fell between the two (microseconds apart) tells them on two lines
    assert said in (["started and stopped"], ["started at 120 BPM", "stopped"]), said


def test_a_start_and_stop_between_statuses_is_told_once_and_nothing_before_a_start() -> None:
    news = MasterNews()

    def at(t: float, playing: bool, starts: int) -> str:
        status = {"tempo": 120.0, "master_playing": playing, "follows": "MIDI clock", "tempo_ticks": STEADY_TICKS,
                  "master_starts": starts, **({"from_beat": 0.0} if playing else {})}
        return news.line("g", status, t)

    assert at(0.0, False, 0) == ""
    assert at(0.5, False, 1) == "started and stopped"
    assert at(1.0, False, 1) == ""  # told once
    assert at(1.5, True, 2) == "started at 120 BPM"
    assert at(2.0, False, 2) == "stopped"
