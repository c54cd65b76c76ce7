"""The pattern node following a master that sends active sensing between its clock ticks, as most hardware does
(every 300 ms), and a byte that is no MIDI message now and then: neither may cost the ticks' arrival times anything.

rtmidi's JACK input stamps every event's time before it drops what it ignores, and each delta time counts from the
event before: with active sensing ignored, the tick after one counted from it, half a tick lost each time, for good.
A 150 BPM master read as 155 BPM, and some 8 s on the node took its clock as stopped while it played."""

from __future__ import annotations

import os
import threading
import time

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.pattern import Pattern
from tests.outputs.test_pattern_follow import MASTER_START, Watched, attempts, follow

#: A master at 150 BPM: its clock running, start, 8 beats; after a tick every 300 ms, half a tick later, active
#: sensing and an undefined status byte (0xF4: mido parses no message from it). It prints when it started and ended.
MASTER_SENSING = MASTER_START + """sense_at = time.perf_counter()
def sensing_ticks(n, bpm, t):
    global late, sense_at
    for tick in range(n):
        while time.perf_counter() < t:
            time.sleep(0.0003)
        late = max(late, time.perf_counter() - t)
        port.send(mido.Message("clock"))
        if time.perf_counter() >= sense_at:
            while time.perf_counter() < t + 30 / bpm / 24:
                time.sleep(0.0003)
            port.send(mido.Message("active_sensing"))
            port._rt.send_message([0xF4])
            sense_at += 0.3
        t += 60 / bpm / 24
    return t
t = sensing_ticks(24, 150, time.perf_counter())
port.send(mido.Message("start")); print("start", time.perf_counter(), flush=True)
t = sensing_ticks(24 * 8, 150, t)
print("end", time.perf_counter(), flush=True)
print("late", late, flush=True)
time.sleep(0.2)
"""


def watch(pattern: Pattern, done: threading.Event, stopped: list[float]) -> None:
    """Look at the node's clock every 10 ms until ``done`` (the master's last tick), from a tick after its start."""
    began = time.perf_counter()
    while not done.wait(0.01):
        if time.perf_counter() - began > 0.1 and not pattern.beat_clock().playing:
            stopped.append(time.perf_counter() - began)


@pytest.mark.jack
def test_active_sensing_between_the_ticks_costs_the_followed_tempo_nothing() -> None:
    tempos: list[float] = []
    stopped: list[float] = []  # when the node took the master as stopped while it played

    def run(attempt: int) -> tuple[Pattern, dict[str, float]]:
        tempos.clear()
        stopped.clear()
        pattern = Watched(f"pat-sensing-{attempt}", {"patterns": {"HH": "x"}, "follow_midi_clock": True,
                                                      "tempo": 90.0}, NodeContext())
        done = threading.Event()
        watcher = threading.Thread(target=watch, args=(pattern, done, stopped), daemon=True)

        def heard(what: str) -> None:
            if what == "start":
                watcher.start()
            elif what == "end":
                done.set()
                watcher.join()
                tempos.append(pattern.beat_clock().tempo)

        try:
            return pattern, follow(MASTER_SENSING, f"exs-sensing-{os.getpid()}-{attempt}", pattern, heard)
        finally:
            done.set()

    attempts(run)
    assert tempos and tempos[0] == pytest.approx(150, abs=1.5), tempos  # 155 when the sensing's time was lost
    assert not stopped, f"taken as stopped {stopped[0]:.2f} s after the master's start, while it played"
