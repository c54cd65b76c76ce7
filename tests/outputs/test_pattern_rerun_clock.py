"""A patch stopped and run again (or another patch with a pattern node of the same id) within the 5 s an edit's
node has to take over the groove: the new run's node took the last run's MIDI clock timeline too, with the master's
transport as that run last heard it. A master stopped between the two runs (no node listened) was still playing for
the new node: the groove played on the ticks of a stopped master. A master program on a real JACK MIDI port, read
through midi_in into real pattern nodes, steered by the test."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.midi import MidiIn
from exsampling_patch.nodes.pattern import Pattern
from exsampling_patch.nodes.tick_line import FIT_TICKS
from tests.outputs.test_pattern_follow import Into
from tests.stage.test_console_midi_clock import STEERED

#: Where a status waited for never comes: the node (or the master) is stuck, the test fails.
DEADLINE = 10.0
PARAMS = {"patterns": {"HH": "x.x."}, "follow_midi_clock": True}


def until(context: NodeContext, shows: Callable[[dict[str, Any]], bool], since: int = 0) -> dict[str, Any]:
    """The first status from the ``since``-th on that ``shows`` holds for, once the node reported it."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        found = next((s for s in list(context.statuses)[since:] if shows(s)), None)
        if found is not None:
            return found
        time.sleep(0.02)
    raise AssertionError(f"no status came that the test waited for: {context.statuses[since:]}")


def listen(pattern: Pattern, port: str) -> MidiIn:
    listener = MidiIn(f"keys-{id(pattern)}", {"virtual_port": "", "port": port, "api": "UNIX_JACK"}, Into(pattern))
    listener.start()
    assert listener.keeper.wait_open(10), listener.context.errors
    return listener


def notes(context: NodeContext) -> list[Any]:
    return [m for port, m in list(context.emitted) if port == "midi" and m.type == "note_on"]


def plays(context: NodeContext) -> bool:
    """Whether the node sends notes within four statuses (two seconds) from now."""
    for _ in range(4):
        if notes(context):
            return True
        until(context, lambda s: True, len(context.statuses))
    return bool(notes(context))


@pytest.mark.jack
def test_a_patch_run_again_hears_the_master_afresh_not_as_the_last_run_left_it() -> None:
    name = f"exs-rerun-{os.getpid()}"
    node_id = f"groove-rerun-{os.getpid()}"
    master = subprocess.Popen([sys.executable, "-c", STEERED, name], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    listeners: list[MidiIn] = []
    nodes: list[Pattern] = []

    def say(command: str) -> None:
        assert master.stdin is not None
        master.stdin.write(f"{command}\n")
        master.stdin.flush()

    try:
        assert master.stdout is not None and master.stdout.readline().strip() == "up"
        first = Pattern(node_id, dict(PARAMS), NodeContext())  # the first run (its engine's context)
        nodes.append(first)
        first.start()
        listeners.append(listen(first, name))
        say("120 1")  # its clock runs while stopped, as most masters' does
        until(first.context, lambda s: s.get("tempo_ticks", 0) >= FIT_TICKS)
        say("start")
        until(first.context, lambda s: s.get("master_playing") is True)
        assert plays(first.context)  # the groove plays with the master
        listeners.pop().stop()  # the run stops, the master plays on
        nodes.pop().stop()
        say("stop")  # and stops while no patch runs: no node hears it
        again = Pattern(node_id, dict(PARAMS), NodeContext())  # run again at once: another engine, its context
        nodes.append(again)
        again.start()
        listeners.append(listen(again, name))
        # a second of the stopped master's clock: read well, the groove waits for its start
        ticking = until(again.context, lambda s: s.get("tempo_ticks", 0) >= FIT_TICKS)
        later = until(again.context, lambda s: True, again.context.statuses.index(ticking) + 2)
        assert ticking.get("master_playing") is False and later.get("master_playing") is False, again.context.statuses
        assert not notes(again.context), notes(again.context)[:4]
        say("start")  # and plays once the master starts
        until(again.context, lambda s: s.get("master_playing") is True and s.get("master_starts") == 1)
        assert plays(again.context)
    finally:
        for listener in listeners:
            listener.stop()
        for node in nodes:
            node.stop()
        master.kill()
        master.wait()


def test_an_edit_goes_on_with_the_masters_clock_as_it_was() -> None:
    """An edit (the same run's context) keeps the MIDI clock timeline: the master is not heard again from nothing
    (its tempo read anew, the groove waiting for a start it sent before the edit)."""
    run = NodeContext()
    node = Pattern("groove-edit-clock", dict(PARAMS), run)
    node.start()
    try:
        timeline = node.timeline
    finally:
        node.stop()
    edited = Pattern("groove-edit-clock", {**PARAMS, "patterns": {"BD": "x..."}}, run)
    edited.start()
    try:
        assert edited.timeline is timeline
    finally:
        edited.stop()


def test_a_follower_run_again_waits_for_its_clock_of_this_run() -> None:
    """A node playing by another's clock (``clock``), run again: it took the last run's followed timeline, whose
    last clock (the followed node's, playing when it stopped) it played by until the followed node of the new run
    published one; a node of that id in another patch, or one that never starts, had it play on a stopped run's
    grid. Now it waits, stopped, for the clock of its own run."""
    lead, follow = f"lead-rerun-{os.getpid()}", f"follow-rerun-{os.getpid()}"
    params = {"patterns": {"HH": "x"}, "tempo": 240.0, "clock": lead}
    run = NodeContext()
    leader, follower = Pattern(lead, {"patterns": {}, "tempo": 240.0}, run), Pattern(follow, dict(params), run)
    leader.start()
    follower.start()
    try:
        assert plays(run)
    finally:
        follower.stop()
        leader.stop()
    again = Pattern(follow, dict(params), NodeContext())  # its run's leader not started (yet)
    again.start()
    try:
        until(again.context, lambda s: True, 2)  # three statuses: a second
        assert not notes(again.context), notes(again.context)[:4]
        assert again.context.statuses[-1].get("playing") is False
    finally:
        again.stop()
