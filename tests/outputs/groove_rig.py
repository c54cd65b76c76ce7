"""A pattern node playing the sampler under the JACK server, its output recorded: shared by
test_pattern_jack.py and benchmarks/bench_pattern.py.

The sampler's output port is jack_connect-ed to a recording input of this process's PortAudio client (as in
test_sampler_jack.py); the pattern node's MIDI goes straight to the sampler's ``midi`` input (as the engine would
deliver it). Each slot holds a click (5 ms at 0.5); patterns are laid out so that exactly one slot hits per step,
so every step is one onset in the mix."""

from __future__ import annotations

import itertools
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import NodeContext
from tests.sampler_start import opened_or_told

from .test_sampler_jack import Recorder

RATE = 48000
_rigs = itertools.count()
SLOTS = ["HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus"]


class Forward(NodeContext):
    """A pattern node's context that hands its MIDI to the sampler at once."""

    def __init__(self, sampler: Any) -> None:
        super().__init__()
        self.sampler = sampler
        self.due: list[float] = []  # each note-on's time (when it should be heard), in the order sent
        self.spare: list[float] = []  # each note-on's time less when the sampler had it (its ring holds it)

    def emit(self, node_id: str, port: str, message: Any) -> None:
        if message.type == "note_on":
            self.due.append(float(message.time))
        self.sampler.on_midi(message)
        if message.type == "note_on":
            self.spare.append(float(message.time) - time.perf_counter())


def click() -> Take:
    samples = np.zeros(RATE // 10, np.float32)
    samples[: RATE // 200] = 0.5
    return Take(samples, RATE)


def one_hit_per_step(slots: int) -> dict[str, str]:
    """Slot i hits on step i of ``slots`` steps."""
    return {SLOTS[i]: "." * i + "x" + "." * (slots - i - 1) for i in range(slots)}


class TimedRecorder(Recorder):
    """A PortAudio input stream at JACK's period (one callback per cycle) that notes, for each block it records,
    the JACK cycle it came in (:class:`.jack_clock.JackClock`): its first frame and its start on JACK's clock.

    A JACK client reads an input port in the same cycle as the client that wrote it (the graph runs the
    sampler before its listeners), so the recorded frame ``i`` of a block is the frame the sampler rendered at
    offset ``i`` of the block it rendered in that cycle: :meth:`cycle_time` maps it onto JACK's clock."""

    def __init__(self, jack: Any, seconds: float = 120.0) -> None:
        self.jack = jack
        blocks = int(seconds * RATE) // 64 + 1
        self.block_start = np.zeros(blocks, np.int64)  # buffer index of each block's first frame
        self.block_cycle = np.zeros(blocks, np.float64)  # that cycle's start, JACK's clock (s)
        self.block_frame = np.zeros(blocks, np.int64)  # that cycle's first frame on JACK's counter
        self.block_adc = np.zeros(blocks, np.float64)  # PortAudio's inputBufferAdcTime (stream time, s)
        self.block_current = np.zeros(blocks, np.float64)  # PortAudio's currentTime (stream time, s)
        self.blocks = 0
        self.flagged_at = np.zeros(4096, np.float64)  # perf_counter of each callback PortAudio flagged (an xrun)
        self.flagged = 0
        super().__init__(seconds, blocksize=0)

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status and self.flagged < self.flagged_at.size:  # PortAudio flags the callback after JACK's xrun
            self.flagged_at[self.flagged] = time.perf_counter()
            self.flagged += 1
        frame, start = self.jack.cycle()
        b = self.blocks
        if b < self.block_start.size:
            self.block_start[b], self.block_cycle[b], self.block_frame[b] = self.written, start, frame
            self.block_adc[b], self.block_current[b] = time_info.inputBufferAdcTime, time_info.currentTime
            self.blocks = b + 1
        super()._callback(indata, frames, time_info, status)

    def _blocks(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Each block's buffer index, JACK frame (the counter unwrapped) and (JACK frame - buffer index), the last
        as the median over the 17 blocks around it."""
        b = self.blocks  # read once: the callback goes on adding blocks
        starts = self.block_start[:b]
        frames = self.block_frame[:b].astype(np.int64)
        frames += np.cumsum(np.concatenate([[0], np.diff(frames) < -(1 << 31)])) << 32  # the counter wraps
        return starts, frames, _running_median(frames - starts)

    def cycle_time(self, index: np.ndarray) -> np.ndarray:
        """Buffer indices -> when JACK's cycle had that frame at its start (seconds, JACK's clock): the cycle's start
        plus the frame's offset in it.

        A callback that ran so late that the server had begun the next cycle reads that cycle's times: each block's
        (JACK frame - buffer index) and (cycle start - JACK frame / rate) are taken as the median over the 17 blocks
        around it, so one misread does not move a frame by a period, while cycles JACK dropped in a stall (the
        buffer then falls behind JACK's frame counter by whole periods) are followed within a few blocks."""
        starts, frames, shift = self._blocks()  # blocks go on coming while this runs: count what was read
        base = _running_median(self.block_cycle[: starts.size] - frames / RATE)
        block = np.clip(np.searchsorted(starts, index, side="right") - 1, 0, starts.size - 1)
        return base[block] + (index + shift[block]) / RATE

    def jack_frame(self, index: np.ndarray) -> np.ndarray:
        """Buffer indices -> JACK's frame counter (unwrapped) at those frames: a cycle JACK dropped in a stall
        advances it, not the buffer, so times in these frames keep their distance across a stall."""
        starts, _, shift = self._blocks()
        block = np.clip(np.searchsorted(starts, index, side="right") - 1, 0, starts.size - 1)
        return index + shift[block]

    def xrun_times(self) -> np.ndarray:
        """perf_counter of the callbacks PortAudio flagged (input overflow: JACK reported an xrun)."""
        return self.flagged_at[: self.flagged].copy()


@contextmanager
def groove_rig(slots: int, tempo: float, audio_process: bool = True,
               jack: Any = None) -> Iterator[tuple[Any, Any, Any]]:
    """(sampler, pattern node, recorder): the pattern plays ``one_hit_per_step(slots)`` at ``tempo``, recorded;
    with ``jack`` (a :class:`.jack_clock.JackClock`) by a :class:`TimedRecorder`."""
    from exsampling_patch.devices import jack_client_name
    from exsampling_patch.nodes.pattern import Pattern
    from exsampling_patch.nodes.sampler import Sampler

    from .test_sampler_jack import client_ports, jack_connect

    ours = jack_client_name()
    assert ours, "PortAudio has no JACK client"
    before = client_ports(ours)
    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "release_ms": 2.0, "one_shot": True,
                              "audio_process": audio_process}, context)
    sampler.start()
    recorder = pattern = None
    try:
        assert opened_or_told(sampler.audio, lambda: context.errors), context.errors
        theirs = sampler.audio.jack_client
        outputs = {p for p in client_ports(theirs) - before if ":out_" in p}
        marked = client_ports(ours)
        recorder = Recorder(seconds=120.0) if jack is None else TimedRecorder(jack)
        inputs = client_ports(ours) - marked
        by_number = lambda port: int(port.rsplit("_", 1)[1])  # noqa: E731
        jack_connect(min(outputs, key=by_number), min(inputs, key=by_number))
        for name in SLOTS[:slots]:
            sampler.on_assign(SlotAssignment(name, click()))
        time.sleep(0.3)
        # an id of its own: a pattern node started under the id of one stopped within HANDOVER_SECONDS takes over
        # its timeline (an edit, or the patch run again), at the tempo that one ended on
        pattern = Pattern(f"groove-{os.getpid()}-{next(_rigs)}", {"patterns": one_hit_per_step(slots),
                                                                    "tempo": tempo, "gate": 0.5}, Forward(sampler))
        yield sampler, pattern, recorder
    finally:
        if pattern is not None and getattr(pattern, "_threads", None):
            pattern.stop()
        if recorder is not None:
            recorder.close()
        sampler.stop()


def _running_median(values: np.ndarray, half: int = 8) -> np.ndarray:
    padded = np.pad(values.astype(np.float64), half, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)


def absolute_errors(times: np.ndarray, clock: Any, steps_per_beat: int = 4) -> np.ndarray:
    """Each time (perf_counter) less the time of the nearest step on ``clock`` (a BeatClock), seconds."""
    beats = clock.beat0 + (times - clock.t0) * clock.tempo / 60.0
    return (beats - np.round(beats * steps_per_beat) / steps_per_beat) * 60.0 / clock.tempo


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
