"""A pattern node playing the sampler under the JACK server, its output recorded: shared by
test_pattern_jack.py and benchmarks/bench_pattern.py.

The sampler's output port is jack_connect-ed to a recording input of this process's PortAudio client (as in
test_sampler_jack.py); the pattern node's MIDI goes straight to the sampler's ``midi`` input (as the engine would
deliver it). Each slot holds a click (5 ms at 0.5); patterns are laid out so that exactly one slot hits per step,
so every step is one onset in the mix."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import NodeContext

RATE = 48000
SLOTS = ["HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus"]


class Forward(NodeContext):
    """A pattern node's context that hands its MIDI to the sampler at once."""

    def __init__(self, sampler: Any) -> None:
        super().__init__()
        self.sampler = sampler

    def emit(self, node_id: str, port: str, message: Any) -> None:
        self.sampler.on_midi(message)


def click() -> Take:
    samples = np.zeros(RATE // 10, np.float32)
    samples[: RATE // 200] = 0.5
    return Take(samples, RATE)


def one_hit_per_step(slots: int) -> dict[str, str]:
    """Slot i hits on step i of ``slots`` steps."""
    return {SLOTS[i]: "." * i + "x" + "." * (slots - i - 1) for i in range(slots)}


@contextmanager
def groove_rig(slots: int, tempo: float, audio_process: bool = True) -> Iterator[tuple[Any, Any, Any]]:
    """(sampler, pattern node, recorder): the pattern plays ``one_hit_per_step(slots)`` at ``tempo``, recorded."""
    from exsampling_patch.devices import jack_client_name
    from exsampling_patch.nodes.pattern import Pattern
    from exsampling_patch.nodes.sampler import Sampler

    from .test_sampler_jack import Recorder, client_ports, jack_connect

    ours = jack_client_name()
    assert ours, "PortAudio has no JACK client"
    before = client_ports(ours)
    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "release_ms": 2.0, "one_shot": True,
                              "audio_process": audio_process}, context)
    sampler.start()
    recorder = pattern = None
    try:
        assert sampler.audio.opened.wait(10), context.errors
        theirs = sampler.audio.jack_client
        outputs = {p for p in client_ports(theirs) - before if ":out_" in p}
        marked = client_ports(ours)
        recorder = Recorder(seconds=120.0)
        inputs = client_ports(ours) - marked
        by_number = lambda port: int(port.rsplit("_", 1)[1])  # noqa: E731
        jack_connect(min(outputs, key=by_number), min(inputs, key=by_number))
        for name in SLOTS[:slots]:
            sampler.on_assign(SlotAssignment(name, click()))
        time.sleep(0.3)
        pattern = Pattern(f"groove-{os.getpid()}", {"patterns": one_hit_per_step(slots), "tempo": tempo,
                                                     "gate": 0.5}, Forward(sampler))
        yield sampler, pattern, recorder
    finally:
        if pattern is not None and getattr(pattern, "_threads", None):
            pattern.stop()
        if recorder is not None:
            recorder.close()
        sampler.stop()


def onsets(signal: np.ndarray, threshold: float = 0.05, quiet: int = 240) -> np.ndarray:
    """Frames where the signal rises above ``threshold`` after at least ``quiet`` frames below it."""
    loud = np.flatnonzero(np.abs(signal) > threshold)
    if loud.size == 0:
        return loud
    starts = loud[np.concatenate([[True], np.diff(loud) > quiet])]
    return starts


def grid_errors(found: np.ndarray, step_frames: float) -> np.ndarray:
    """Each onset's distance (frames) from a grid of ``step_frames`` through them (offset fitted: the median)."""
    index = np.round((found - found[0]) / step_frames)
    residual = found - found[0] - index * step_frames
    return residual - np.median(residual)
