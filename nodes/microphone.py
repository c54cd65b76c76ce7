"""Microphone source: a sounddevice input stream cut into takes by level.

The stream runs in a process of its own (:mod:`.microphone_input`), started again when it ends: a JACK server
that went away and came back is found by a new process only. Its audio callback only copies each block into a
preallocated ring buffer in shared memory and advances a frame counter there (single producer, single consumer:
no lock). Take assembly (level, threshold, pre-roll, hang time, minimum and maximum length) runs on a thread of
the patch's, which reads behind the counter, stores each take to disk and then emits it. Takes stored but not
done when the last run ended are listed in :meth:`start`, before recording begins (their sidecars only), and passed
on again from a thread: a take recorded meanwhile is not among them, so it is passed on once.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext, Output, Param
from exsampling_patch.nodes.microphone_ids import new_take_id
from exsampling_patch.nodes.microphone_input import InputProcess, InputRing, Setup
from exsampling_patch.nodes.microphone_late import leave, listing
from exsampling_patch.nodes.microphone_passing import TakePassing
from exsampling_patch.nodes.microphone_room import TakeRoom
from exsampling_patch.nodes.pass_on import PassOnGate
from exsampling_patch.nodes.passed_takes import passed_in_run, passed_now, storing
from exsampling_patch.ports import TAKE
from exsampling_patch.takes import TakeStore
from exsampling_patch.wording import counted


class LevelCutter:
    """Cuts a stream into takes by level, block by block (``feed``), outside any audio callback.

    Positions are absolute frame numbers in the stream. ``feed(peak, end)`` is called for each analysis
    block with its peak and the frame number just after it; it returns ``(start, stop)`` frame ranges
    of finished takes.
    """

    def __init__(self, sample_rate: int, threshold: float, pre_roll: float, hang: float, min_length: float,
                 max_length: float) -> None:
        self.threshold = threshold
        self.pre_roll = int(pre_roll * sample_rate)
        self.hang = int(hang * sample_rate)
        self.min_frames = int(min_length * sample_rate)
        self.max_frames = int(max_length * sample_rate)
        self.start: int | None = None  # frame where the take being recorded starts
        self.last_loud = 0
        self.last_stop = 0  # a take's pre-roll never reaches back into the previous take

    def feed(self, peak: float, block_start: int, block_end: int) -> list[tuple[int, int]]:
        done: list[tuple[int, int]] = []
        loud = peak >= self.threshold
        if self.start is None:
            if loud:
                self.start = max(self.last_stop, block_start - self.pre_roll, 0)
                self.last_loud = block_end
            return done
        if loud:
            self.last_loud = block_end
        if block_end - self.start >= self.max_frames:
            stop = self.start + self.max_frames
            done.append((self.start, stop))
            self.last_stop = stop
            self.start = stop if loud else None  # still sounding: go on with a new take at once
        elif block_end - self.last_loud >= self.hang:
            stop = self.last_loud + self.hang
            done.append((self.start, stop))
            self.last_stop = stop
            self.start = None
        return [(a, b) for a, b in done if b - a >= self.min_frames]

    def cut_off(self, end: int) -> list[tuple[int, int]]:
        """End the take being recorded at frame ``end``, the last one heard (the stream stopped under it): the
        take as ``feed`` would give it, none if there is none or it is too short."""
        if self.start is None:
            return []
        start, stop = self.start, min(end, self.last_loud + self.hang)
        self.start, self.last_stop = None, stop
        return [(start, stop)] if stop - start >= self.min_frames else []


OVERFLOW_LINE_SECONDS = 5.0  # the least time between two console lines about input the stream dropped
#: A take never starts in the ring's oldest this-many seconds (nor its largest block): the callback overwrites them
#: next, and may be doing so already (it copies a block in, then publishes the count) or while the take is copied.
RING_GUARD_SECONDS = 0.25


class _RingClosed(Exception):
    """The ring was closed under take assembly: the node has stopped (see :meth:`Microphone._assemble`)."""


class Microphone(TakePassing):
    """Record takes from an audio input, cut by level (threshold, pre-roll, hang time, min/max length)."""

    type_name = "microphone"
    family = "sources"

    take = Output(TAKE, "each take, stored on disk first; source = this node's id")

    device = Param(str, "", "input device: name (or part of it) or number; empty: the default input")
    channels = Param(int, 1, "input channels", minimum=1, maximum=32)
    sample_rate = Param(int, 48000, "sample rate", minimum=8000, maximum=192000, unit="Hz")
    blocksize = Param(int, 0, "frames per callback (0: the host's choice)", minimum=0, maximum=8192)
    threshold_db = Param(float, -30.0, "a take starts when the level passes this", minimum=-96.0, maximum=0.0,
                         unit="dBFS")
    pre_roll = Param(float, 0.1, "audio kept from before the level passed the threshold", minimum=0.0,
                     maximum=5.0, unit="s")
    hang = Param(float, 0.3, "a take ends after this long below the threshold", minimum=0.0, maximum=10.0,
                 unit="s")
    min_length = Param(float, 0.05, "shorter takes are dropped", minimum=0.0, maximum=60.0, unit="s")
    max_length = Param(float, 10.0, "longer sounds are cut into takes of this length", minimum=0.1,
                       maximum=300.0, unit="s")
    folder = Param("path", "../takes/microphone", "the take folder (WAV + JSON sidecar per take)")
    buffer_seconds = Param(float, 30.0, "ring buffer length (must exceed max_length + pre_roll)", minimum=1.0,
                           maximum=600.0, unit="s")
    warn_free_mb = Param(float, 2000.0, "warn that the take folder's disk is filling up below this much free space",
                         minimum=0.0, maximum=1e7, unit="MB")
    min_free_mb = Param(float, 200.0, "warn that the disk is nearly full below this much free space (takes are still "
                        "stored while they fit)", minimum=0.0, maximum=1e7, unit="MB")
    held_mb = Param(float, 100.0, "takes whose write fails (a full disk) are kept in memory up to this much, and "
                    "stored once there is room; past it they are lost", minimum=0.0, maximum=1e5, unit="MB")

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """min_length not above max_length: each within its own limits, `min_length: 20, max_length: 10` passed
        check, and every take (none longer than max_length) was then dropped as too short, without a word."""
        shortest, longest = params.get("min_length"), params.get("max_length")
        if isinstance(shortest, float) and isinstance(longest, float) and shortest > longest:
            return {("min_length",): f"{shortest:g} s is above max_length, {longest:g} s: every take (cut at "
                                     "max_length) would be dropped as too short"}
        return {}

    #: While a warning of audio lost stands: the ring frame from which a take misses none of it (the first such take
    #: ends the warning); None while none stands.
    _whole_from: int | None = None
    #: The last warning of audio lost told: a take recorded whole ends only that one, not one told since (a disk
    #: filling up, told as that take was stored).
    _loss_told = ""
    #: When the last warning of input the stream dropped was told (time.monotonic()).
    _overflow_told = float("-inf")
    #: The ring's count of input the stream dropped, as last told: kept across runs of take assembly, each dropping
    #: told once (counted from 0 in each run, those told before a failure were told again in the next).
    _overflows_told = 0
    #: Take assembly's cutter and the ring frame it has read up to, kept for a run of it after a failure (see
    #: :meth:`_cut_takes`); None until its first run in this start.
    _resume: tuple[LevelCutter, int] | None = None

    def __init__(self, node_id: str = "", params: Mapping[str, Any] | None = None,
                 context: NodeContext | None = None) -> None:
        super().__init__(node_id, params, context)
        #: Closed by :meth:`stop` once its join of take assembly is over: a take stored after it stays on disk for the
        #: next start (see :meth:`_pass_on`).
        self._gate = PassOnGate()
        #: Whether take assembly is running, and whether the input has stopped for good (:meth:`stop`), under
        #: :attr:`_ring_use`: the ring is unmapped by whichever of the two comes last (see :meth:`_assemble`).
        self._ring_use = threading.Lock()
        self._assembling = self._input_stopped = False
        self._room = self._new_room()

    def _new_room(self) -> TakeRoom:
        """Stores the takes, or keeps them in memory while the take folder cannot hold them (see :class:`TakeRoom`)."""
        return TakeRoom(self.resolve_path(self.folder), self.warn_free_mb, self.min_free_mb, self.held_mb,
                        self._store_take, self.report_error, self.report_status,
                        lambda take_id, why: self.tell_fate_of(take_id, self.node_id,
                                                               reason=f"error in {self.node_id}: {why}"),
                        shown=lambda: self.shown_warning)

    def _store_take(self, take: Take) -> Take:
        """Write ``take`` to the take folder, known first as this run's: found there by the start of a microphone an
        edit made since, it is not told recovered from the last run (:func:`.passed_takes.storing`)."""
        storing(self.context, take.take_id)
        return self._store.store(take, subtype="FLOAT")

    def start(self) -> None:
        self._gate.open()
        self._assembling = self._input_stopped = False
        rate = self.sample_rate
        size = int(max(self.buffer_seconds, self.max_length + self.pre_roll + 2.0) * rate)
        self._store = TakeStore(self.resolve_path(self.folder))
        self._store.remove_leftovers()  # what a kill mid-store left that is no take (temporary files, lone sidecars)
        self._room = self._new_room()
        self._room.watch()  # a disk already filling up or nearly full is told (a warning) before the first take
        # Before recording begins: a take stored from here on is not "unfinished", it flows on from _assemble. Not one
        # the node a live edit replaced with this one passed on, not yet written down as done (in flight): passed on
        # again, it went through the patch twice; it ends as any, written down here (take_ended).
        self._recovering = False  # until its recovery thread runs: a take handed on late waits for that thread
        with listing(self._store.folder, self._take_late):  # one stored late: here or handed on
            # Looked at before the journal is read: an end the replaced node is writing down now (its take_ended still
            # running, told before the swap) is done on disk too late for the listing, and forgotten too soon for it.
            passed = passed_now(self.context)
            found = self._store.unfinished()
            self._known = {data["take_id"] for _, data in found}
            self._unfinished: deque[tuple[Path, str]] = deque(
                (path, data["take_id"]) for path, data in found
                if data["take_id"] not in passed and not passed_in_run(self.context, data["take_id"]))
        # Made once nothing above can fail: stop() closes it only with the input process, and it is shared memory
        # (its descriptor holds every page) that nothing else would free before the run ends.
        self._ring = InputRing.create(size, self.channels)
        self.overruns = 0
        self.takes_cut = 0
        self._whole_from, self._overflow_told, self._overflows_told = None, float("-inf"), 0
        self._resume = None
        setup = Setup(self.device, self.channels, rate, self.blocksize, size, self._ring.fd)
        self.audio = InputProcess(setup, self._ring, self.report_error, self.report_status, self.node_id)
        try:
            self.audio.start()  # its opening is reported as the node's device status
        except BaseException:
            self._ring.close()
            raise
        self.run_thread(self._assemble, name=f"{self.node_id}-takes")
        self._recovering = True  # before: a take handed on late after the thread's last look gets a thread of its own
        self.run_thread(self._recover, name=f"{self.node_id}-recover")

    @property
    def jack_client(self) -> str | None:
        """The JACK client name of the input process now running (None without one, or through another host)."""
        audio = getattr(self, "audio", None)
        return audio.jack_client if audio is not None else None

    def stop(self) -> None:
        if hasattr(self, "_store"):  # before the gate closes: a take it keeps from here on goes to a node started since
            leave(self._store.folder, self._take_late)
        super().stop()
        self._gate.close()  # a take flowing on now is the engine's still; the next one is kept for the next start
        audio = getattr(self, "audio", None)
        if audio is not None:
            audio.stop()
            with self._ring_use:  # unmapped now, or by take assembly once it is over (it still reads the ring)
                self._input_stopped = True
                if not self._assembling:
                    try:
                        self._cut_left()
                    finally:
                        self._ring.close()
                        self._end_room()  # takes kept in memory: stored for the next start, or lost, told

    def _cut_left(self) -> None:
        """Finish the cut take assembly left (stopped while it waited to run again after a failure): the takes in the
        audio it had not read yet, and the one it was cutting, are stored, kept for the next start as the gate is
        closed. Before, the loop ended without running it again and the ring was closed: those takes were lost, told
        nowhere."""
        if self._resume is not None and not self._ring.closed:
            with contextlib.suppress(_RingClosed):
                self._cut_at_stop(*self._resume)

    def _assemble(self) -> None:
        """Cut takes from the ring until the node stops. A thread that runs past stop's join (a take stored on a slow
        disk) still has the ring: the takes it cuts from the audio it had counted are stored (and, the node stopped,
        kept for the next start); the ring is unmapped once it is over. Unmapped under it, as it was, those takes were
        dropped unstored and untold. A ring closed all the same ends it (no frames to read: :meth:`_frames`)."""
        with self._ring_use:
            if self._input_stopped:  # a thread run again after the stop: the ring may be gone
                return
            self._assembling = True
        try:
            with contextlib.suppress(_RingClosed):
                self._cut_takes()
        finally:
            with self._ring_use:
                self._assembling = False
                if self._input_stopped:
                    self._ring.close()
                    self._end_room()  # past the stop: those stored go to a node started since on the folder, if any

    def _cut_takes(self) -> None:
        rate = self.sample_rate
        hop = max(1, rate // 100)  # 10 ms analysis blocks
        length = len(self._ring.samples)
        if self._resume is None:
            cutter = LevelCutter(rate, 10 ** (self.threshold_db / 20), self.pre_roll, self.hang, self.min_length,
                                 self.max_length)
            read = self._ring.written
        else:
            # Run again after a failure: on from where it stopped reading, with the take it was cutting. From the
            # newest audio, what was recorded while it waited to run again (a second, up to LONGEST_RESTART_DELAY
            # after failures at once) was never cut, untold. Audio the ring no longer holds is an overrun, told below.
            cutter, read = self._resume
        self._resume = (cutter, read)
        last_report = 0.0
        level = 0.0
        while not self.stop_event.is_set():
            written = self._ring.written
            if self._ring.overflows != self._overflows_told:
                # A gap in the takes that no frame count shows (the input process was held up): the count on the
                # status; a warning line too, at most every OVERFLOW_LINE_SECONDS (a busy machine drops often).
                overflows, now = self._ring.overflows, time.monotonic()
                self._overflows_told = overflows
                status: dict[str, Any] = {"input_overflows": overflows}
                if now - self._overflow_told >= OVERFLOW_LINE_SECONDS:
                    self._overflow_told = now
                    status["warning"] = self._loss_told = (
                        f"the input stream dropped audio {counted(overflows, 'time')} so far: its "
                        "process was held up (a busy machine)")
                self._whole_from = written  # the gap lies before the frames counted when it was noticed
                self.report_status(**status)
            if written - read > length - hop:
                self.overruns += 1
                # A loss that is over (assembly reads the newest audio again): a warning line, not an error that
                # would stand until the node restarts, as nothing opens again to end it.
                self._loss_told = (f"take assembly fell {written - read} frames behind; audio was lost "
                                   f"({counted(self.overruns, 'time')} so far)")
                self.report_status(warning=self._loss_told)
                read = written - hop
                self._resume = (cutter, read)
                self._whole_from = read
            if written - read < hop:
                if cutter.start is not None and not self.audio.opened.is_set():
                    # The stream stopped mid-take (its JACK server went away, its process died): what was heard is
                    # the take. Kept open, it would wait for the stream to come back and join what comes then.
                    for start, stop in cutter.cut_off(read):
                        self._emit_take(start, stop)
                if self._room.due():  # takes kept in memory (a full disk): stored and passed on once they can be
                    self._pass_on_late(self._room.retry())
                self.stop_event.wait(0.005)
                continue
            read, peak = self._feed(cutter, read, written, hop)
            level = max(level, peak)
            now = time.monotonic()
            if now - last_report >= 0.1:
                self.report_status(level=min(1.0, level))
                last_report, level = now, 0.0
        self._cut_at_stop(cutter, read)

    def _cut_at_stop(self, cutter: LevelCutter, read: int) -> None:
        """Stopped (Ctrl+C during a long sound): the audio counted so far is read, and the part of a take recorded up
        to here is a take, stored and passed on like any other. Left open, it was dropped, unstored and untold."""
        written, length, hop = self._ring.written, len(self._ring.samples), max(1, self.sample_rate // 100)
        if written - read <= length - hop:  # else lost to an overrun already told, or to be: nothing whole to read
            read, _ = self._feed(cutter, read, written, hop, at_stop=True)
        self._resume = None  # the cut is over: nothing left for stop() to finish (see _cut_left)
        for start, stop in cutter.cut_off(read):
            self._emit_take(start, stop, cut_at_stop=True, at_stop=True)

    def _feed(self, cutter: LevelCutter, read: int, written: int, hop: int,
              at_stop: bool = False) -> tuple[int, float]:
        """Feed ``cutter`` the whole analysis blocks from ``read`` up to ``written``, storing and passing on each take
        it finishes; returns where reading stopped and the loudest peak read. ``at_stop``: the cut at the stop (see
        :meth:`_emit_take`)."""
        level = 0.0
        while written - read >= hop:
            peak = float(np.max(np.abs(self._frames(read, read + hop))))
            level = max(level, peak)
            done = cutter.feed(peak, read, read + hop)
            read += hop
            self._resume = (cutter, read)  # before its takes: one whose emit raised is not cut again
            for start, stop in done:
                self._emit_take(start, stop, at_stop=at_stop)
        return read, level

    def _frames(self, start: int, stop: int) -> np.ndarray:
        ring = self._ring.samples  # once: a view of the mapping holds it, even if the ring closes meanwhile
        length = len(ring)
        if not length:  # closed: InputRing.close left it no frames
            raise _RingClosed
        a, b = start % length, stop % length
        if a < b or stop - start == 0:
            return ring[a:b]
        return np.concatenate((ring[a:], ring[:b]))

    def _emit_take(self, start: int, stop: int, cut_at_stop: bool = False, at_stop: bool = False) -> None:
        """Store the take of ring frames ``start`` to ``stop``, then tell and pass it on; ``cut_at_stop``: the node's
        stop ended it, not the level. ``at_stop``: one of the cut at the stop, which no run of assembly follows: its
        emit raising is told here, with its end, and the cut goes on (see :meth:`_passed_on_at_stop`)."""
        rate = self.sample_rate
        if self._ring.closed:  # not while assembly runs (see _assemble); told, should it happen all the same
            self._lost_unmapped(stop - start)
            return
        guard = len(self._ring.samples) - max(int(RING_GUARD_SECONDS * rate), self.blocksize)
        asked = start
        # A take begun before assembly fell behind (an overrun) has lost its start: it begins where the ring's audio
        # is sure to stay whole, checked again once copied (the callback may have moved on meanwhile).
        start = max(start, self._ring.written - guard)
        samples = self._frames(start, stop).copy() if start < stop else np.zeros((0, self.channels), np.float32)
        written = self._ring.written
        if self._ring.closed:  # since the check above: what was read may be a closed ring's (no frames, count 0)
            self._lost_unmapped(stop - asked)
            return
        torn = written - guard - start
        if torn > 0:
            samples, start = samples[torn:], start + torn
        if start >= stop:
            self._loss_told = (f"a take of {(stop - asked) / rate:.2f} s was lost whole: take assembly fell behind the "
                               "audio")
            self.report_status(warning=self._loss_told)
            self._whole_from = written
            return
        self.takes_cut += 1
        meta: dict[str, Any] = {"stream_frame": start, "stream_start_s": start / rate}
        if start > asked:
            meta["cut_start_s"] = (start - asked) / rate  # the take's first seconds, lost: told as cut
        if cut_at_stop:
            meta["cut_at_stop"] = True
        # Its count free in the folder: counted from 1 at each start, a take cut within the second of the node replaced
        # by a live edit got that node's take's id, and took its files (microphone_ids).
        take_id = new_take_id(self._store, self.node_id, self.takes_cut)
        take = Take(samples, rate, take_id=take_id, source=self.node_id,
                    recorded_at=time.time() - (written - start) / rate, meta=meta,
                    frames_first=True)  # the ring's layout: a take shorter than its channel count is no riddle
        # A failure to store raised out of take assembly, run again a second later from the newest audio: a take in
        # that second was lost untold. Told since, but dropped ("it is lost"): a full disk lost every take after it.
        # Now kept in memory until it can be stored (TakeRoom), told; those kept before it go first, stored late.
        late, kept = self._room.store(take)
        self._pass_on_late(late)  # each told should it fail: this take is passed on all the same
        if kept is None:
            return
        stored = kept
        stored = stored.derive(meta={"stored_at": time.monotonic()})
        # Told before it flows on, with its length: a quick patch ends the take before a later status comes.
        cut = {"cut_start_s": round(meta["cut_start_s"], 2)} if "cut_start_s" in meta else {}
        # A warning of audio lost ends at the first take recorded whole after the loss (an empty warning, as the
        # classifier ends its backlog's): kept, it led the editor's node line until the node stopped, a loss long
        # over read as one of now. A take that holds the gap leaves it standing. One of dropped input stands at
        # least OVERFLOW_LINE_SECONDS: a drop after its end is told at once, and no oftener than before.
        ended = (self._whole_from is not None and start >= self._whole_from
                 and time.monotonic() - self._overflow_told >= OVERFLOW_LINE_SECONDS)
        if ended:
            self._whole_from = None
            ended = self.shown_warning == self._loss_told  # not a warning told since, as a disk filling up
        label = f"take {self.takes_cut}: {stored.duration:.2f} s" + (" (cut at the stop)" if cut_at_stop else "")
        status = {"take": stored.take_id, "label": label,
                  "duration": round(stored.duration, 2), **cut, **({"warning": ""} if ended else {})}
        if not (self._passed_on_at_stop(stored, status) if at_stop else self._pass_on(stored, status)):
            return
        if not self.context.tracks_takes:  # no runtime tells this node the take's end
            self._mark_done(stored.take_id)

    def _lost_unmapped(self, frames: int) -> None:
        self.report_status(warning=f"a take of {frames / self.sample_rate:.2f} s was lost: the node stopped and its "
                           "audio buffer was released before the take was stored")
