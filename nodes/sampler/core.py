"""The sampler's audio core: slots of voices rendered block by block, with no sound device attached.

:meth:`SamplerCore.render` is what the audio callback calls. It touches only arrays allocated in
``__init__`` (numpy ``out=`` everywhere), reads note events from :class:`EventRing` s and new takes from
``pending`` (one reference per slot, replaced whole by a worker thread), and never locks, waits or does
I/O. Everything else (preparing takes, history, MIDI ports) lives outside, in the node.

This module is the callback's time and events: the block clock, the events drained from the rings or held
until their block, the controls, and which voice plays each note. Rendering the voices from their slots'
takes, and swapping a slot's take with a crossfade, is :mod:`.mixer`'s.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from exsampling_patch.nodes.sampler.mixer import MAX_RATE as MAX_RATE  # where they were
from exsampling_patch.nodes.sampler.mixer import MIN_RATE as MIN_RATE
from exsampling_patch.nodes.sampler.mixer import NOTE_HZ as NOTE_HZ
from exsampling_patch.nodes.sampler.mixer import STEAL_TAILS as STEAL_TAILS
from exsampling_patch.nodes.sampler.mixer import SlotMixer
from exsampling_patch.nodes.sampler.prepare import SlotBuffer
from exsampling_patch.nodes.sampler.ring import ALL_OFF, GAIN, MASTER, MUTE, NOTE_OFF, NOTE_ON, STREAM, EventRing
from exsampling_patch.nodes.sampler.schedule import LATE_PLAY_SECONDS, BlockClock, Held
from exsampling_patch.nodes.sampler.shared import (
    BLOCK_FRAME,
    BLOCK_FRAMES,
    BLOCK_TIME,
    CALLBACKS,
    EPOCH,
    LATE_DROPPED,
    LATE_EVENTS,
    NOTES_STARTED,
    OUTPUT_LATENCY,
    STEALS,
    TIMING_SLOTS,
    UNSTARTED_DROPPED,
    XRUN_SLOTS,
    XRUNS,
    XRUNS_NOTED,
    SharedState,
)
from exsampling_patch.nodes.sampler.slots import channel_map as channel_map  # where they were
from exsampling_patch.nodes.sampler.slots import range_map as range_map


class SamplerCore(SlotMixer):
    """``slots`` slots of ``polyphony`` voices each, rendered at ``sample_rate`` in blocks up to ``max_frames``.

    ``note_slot`` maps (channel, note) to a slot index or -1 (see :func:`channel_map`, :func:`range_map`).
    ``pool`` is the array that buffers with an ``offset`` lie in; its first :data:`.prepare.GUARD` samples must
    stay zero (idle voices read there). Without one, every take is read from its own array.
    """

    def __init__(
        self,
        slots: int,
        sample_rate: int,
        polyphony: int = 8,
        max_frames: int = 4096,
        note_slot: np.ndarray | None = None,
        root_note: int = 60,
        velocity_curve: float = 1.0,
        attack_ms: float = 1.0,
        release_ms: float = 30.0,
        crossfade_ms: float = 10.0,
        one_shot: bool = False,
        rings: Sequence[EventRing] = (),
        state: SharedState | None = None,
        steal_fade_ms: float = 3.0,
        pool: np.ndarray | None = None,
    ) -> None:
        super().__init__(slots, sample_rate, polyphony, root_note, crossfade_ms,
                         state if state is not None else SharedState.local(slots), pool)
        self.max_frames = max_frames
        self.note_slot = note_slot if note_slot is not None else channel_map(slots)
        self.velocity_curve = velocity_curve
        self.attack_step = np.float32(1.0 / max(1.0, attack_ms * sample_rate / 1000.0))
        self.release_step = np.float32(-1.0 / max(1.0, release_ms * sample_rate / 1000.0))
        self.one_shot = one_shot
        self.steal_step = np.float32(-1.0 / max(1.0, steal_fade_ms * sample_rate / 1000.0))
        self.rings: tuple[EventRing, ...] = (self.state.ring, *rings)
        self.sender = np.zeros((slots, self.rows), np.int8)  # per voice: the tag of the node whose note started it
        self._off_voices = np.zeros((slots, self.rows), np.bool_)  # scratch of _all_off
        self._off_other = np.zeros((slots, self.rows), np.bool_)

        # -- shared with other threads (and maybe another process): written by one writer each ------------
        self.gain = self.state.gain  # control -> callback
        self.mute = self.state.mute
        self.master = self.state.master
        self.counters = self.state.counters  # read them by name on the state (state.callbacks, .steals ...)
        self.cb_seconds = self.state.cb_seconds  # callback durations, ring indexed by callbacks
        self.note_wait = self.state.note_wait  # note queued -> rendered, seconds
        self.clock_state = self.state.clock  # callback -> observers: block time and frame; stream: output latency

        # -- timed events (see .schedule): the block clock and the events held until their block -------------
        self.clock = BlockClock(sample_rate)
        self.held = Held()
        self._late_frames = round(LATE_PLAY_SECONDS * sample_rate)  # later than this (and a block): dropped
        self._block_start = 0.0  # perf_counter time at which this block's first frame is heard
        self.epoch = int(self.state.counters[EPOCH])  # the audio processes before this one: noted at the first block
        self._stream_noted = False
        self._stream_starting = False  # set by stream_starts(): the next block is a stream's first

        # The controls as this block applies them: copied from the shared ones at a block's start, each change noted
        # in ``played`` at that block's frame (so a replay applies it at the same block), and only these are used.
        self._master_now = self.master.copy()
        self._controls = ((self.gain, self._gain_now, GAIN, np.zeros(slots, np.bool_)),
                          (self.mute, self._mute_now, MUTE, np.zeros(slots, np.bool_)),
                          (self.master, self._master_now, MASTER, np.zeros(1, np.bool_)))
        self._ensure(min(256, max_frames))

    # -- producer-side helpers (not called from the callback) ---------------------------------------------------

    def load(self, slot: int, buffer: SlotBuffer) -> None:
        """Hand ``buffer`` to the callback for ``slot`` (one reference assignment: atomic)."""
        self.pending[slot] = buffer

    def stream_starts(self) -> None:
        """A stream starts calling :meth:`render`: its first block drops, counted (``unstarted_dropped``), untimed
        note-ons queued over :data:`.schedule.LATE_PLAY_SECONDS` before it (while nothing played), not stacked."""
        self._stream_starting = True

    # -- the callback ---------------------------------------------------------------------------------------------

    def render(self, out: np.ndarray, at: float | None = None) -> None:
        """Fill ``out`` (frames x channels, float32) with the next block. Called by the audio callback.

        ``at`` is the block's start on the ``time.perf_counter()`` clock; by default the callback's own start,
        filtered by :class:`.schedule.BlockClock` (offline renderers pass their own, to place timed events).
        """
        started = time.perf_counter()
        frames = out.shape[0]
        if not self._stream_noted:  # what the played ring says from here on, this core did, counting from frame 0
            self._stream_noted = True
            self.played.record(STREAM, 0, 0, 0, 0, self.frame, float(self.epoch))
        counters = self.counters
        if counters[XRUNS] != counters[XRUNS_NOTED]:  # the stream counted an xrun: note this block's frame for it
            for n in range(int(counters[XRUNS_NOTED]), int(counters[XRUNS])):
                self.state.xrun_frame[n % XRUN_SLOTS] = self.frame
            counters[XRUNS_NOTED] = counters[XRUNS]
        if frames > self.max_frames:  # cannot happen with a sane device; stay silent
            out.fill(0.0)
            self.frame += frames
            return
        clock = self.clock_state
        block = self.clock.tick(started, frames) if at is None else at
        clock[BLOCK_TIME] = block
        clock[BLOCK_FRAME] = self.clock.frame
        clock[BLOCK_FRAMES] = frames
        self._block_start = block + float(clock[OUTPUT_LATENCY])
        block_end = self._block_start + frames / self.sample_rate
        for s in range(self.slots):  # new takes first, so a note queued with its take finds it
            self._swap_if_pending(s, block_end)
        self._ensure(frames)
        self._take_controls()
        self._drain_events(started)
        if self.held.count:
            self._play_held(frames)
        mix = self._mix
        if self._render_slots(frames):
            np.dot(self._ones_slots, self._new, out=mix)  # the slots' sum
        else:
            mix.fill(0.0)
        np.multiply(mix, self._master_now[0], out=mix)
        np.copyto(out, mix[:, None])  # every channel gets the mix
        counters = self.counters
        self.cb_seconds[counters[CALLBACKS] % TIMING_SLOTS] = time.perf_counter() - started
        counters[CALLBACKS] += 1
        self.frame += frames

    def _take_controls(self) -> None:
        """Copy the gains, mutes and master gain this block applies, noting each change at this block's frame."""
        played, frame = self.played, self.frame
        for shared, now, kind, changed in self._controls:
            np.not_equal(shared, now, out=changed)
            if changed.any():
                for s in range(changed.shape[0]):
                    if changed[s]:
                        now[s] = shared[s]
                        played.record(kind, 0, 0, 0, s, frame, float(now[s]))

    def _drain_events(self, now: float) -> None:
        held, played, frame = self.held, self.played, self.frame
        stale_before = now - LATE_PLAY_SECONDS if self._stream_starting else 0.0  # stamps before it: dropped
        self._stream_starting = False
        for source, ring in enumerate(self.rings):
            r, w, cap = ring.read, ring.write, ring.capacity
            while r < w:
                i = r % cap
                kind = int(ring.kind[i])
                due = float(ring.due[i])
                sender = int(ring.sender[i])
                if due > 0.0:  # timed: held until its block (which may be this one)
                    if kind == ALL_OFF:
                        self._cancel_held(int(ring.channel[i]), source, sender, due)
                    held.add(kind, int(ring.channel[i]), int(ring.note[i]), int(ring.velocity[i]), due,
                             float(ring.stamp[i]), source, sender)
                    r += 1
                    continue
                if kind == NOTE_ON and ring.velocity[i] > 0 and 0.0 < float(ring.stamp[i]) < stale_before:
                    self.counters[UNSTARTED_DROPPED] += 1  # see stream_starts
                    r += 1
                    continue
                played.record(kind, int(ring.channel[i]), int(ring.note[i]), int(ring.velocity[i]), source, frame,
                              float(ring.stamp[i]), sender)
                if kind == NOTE_ON and ring.velocity[i] > 0:
                    if self._note_on(int(ring.channel[i]), int(ring.note[i]), int(ring.velocity[i]), 0, sender):
                        stamp = float(ring.stamp[i])
                        if stamp > 0.0:
                            self.note_wait[self.counters[NOTES_STARTED] % TIMING_SLOTS] = now - stamp
                        self.counters[NOTES_STARTED] += 1
                elif kind in (NOTE_ON, NOTE_OFF):
                    self._note_off(int(ring.channel[i]), int(ring.note[i]))
                elif kind == ALL_OFF:
                    self._all_off(int(ring.channel[i]), sender)
                r += 1
            ring.read = r

    def _play_held(self, frames: int) -> None:
        """Start the held note-ons that fall in this block at their frame; apply note-offs whose time has come
        by the block's start. The rest stay held, in order."""
        held, start, rate, played = self.held, self._block_start, float(self.sample_rate), self.played
        acting = held.acting(start, frames, rate)
        if not acting:
            return
        for j in range(acting):
            i = int(held.order[j])
            due, kind = float(held.due[i]), int(held.kind[i])
            if kind == NOTE_ON and held.velocity[i] > 0:
                offset = round((due - start) * rate)
                if offset < 0:  # came too late for its frame: it plays now, unless so late it would stack
                    # late beyond the output latency: a note sent for "now" is late by that much and no more (21 ms
                    # under JACK, over the 20 ms it may be late: every such note was dropped as if from a stall)
                    late = -offset - round(float(self.clock_state[OUTPUT_LATENCY]) * rate)
                    if late > self._late_frames and late > frames:
                        self.counters[LATE_DROPPED] += 1
                        continue
                    self.counters[LATE_EVENTS] += 1
                    offset = 0
                self._offs_before(int(held.channel[i]), int(held.note[i]), due, i)
                played.record(kind, int(held.channel[i]), int(held.note[i]), int(held.velocity[i]),
                              int(held.source[i]), self.frame + offset, float(held.stamp[i]), int(held.sender[i]))
                if self._note_on(int(held.channel[i]), int(held.note[i]), int(held.velocity[i]), offset,
                                 int(held.sender[i])):
                    self.counters[NOTES_STARTED] += 1
                continue
            played.record(kind, int(held.channel[i]), int(held.note[i]), int(held.velocity[i]), int(held.source[i]),
                          self.frame, float(held.stamp[i]), int(held.sender[i]))
            if kind == ALL_OFF:
                self._all_off(int(held.channel[i]), int(held.sender[i]))
            else:
                self._note_off(int(held.channel[i]), int(held.note[i]))
        held.compact()

    def _cancel_held(self, channel: int, source: int, sender: int, due: float) -> None:
        """A timed all-notes-off voids what its sender sent ahead of it for after its time: the held events of its
        channel (a negative one: every channel) from its ring, due after it, and with a ``sender`` tag only those of
        that sender (every node linked to the ``midi`` input shares one ring). A pattern stopped (or its master
        started again) sends one: the notes it had sent a lookahead ahead played on after the stop, or doubled the
        new step 0. In a stream sent in time order (a port, a replay) nothing held comes after it."""
        self.held.cancel(channel, source, sender, due)

    def _offs_before(self, channel: int, note: int, due: float, before: int) -> None:
        """Apply now the held note-offs of ``note`` due before a hit of it (held at index ``before``) that starts in
        this block. A note-off waits for the block after its time, while a note-on starts at its frame: an off due
        up to a block before the next hit of its note (a step's gate reaching the next hit, swing, fast steps) ended
        that new note too, a few milliseconds in. Now the old note ends up to a block early instead."""
        held, played, frame = self.held, self.played, self.frame
        if before == 0:
            return
        offs = held.offs_before(channel, note, due, before)
        while True:
            k = int(offs.argmax())  # in order: the first left
            if not offs[k]:
                return
            offs[k] = held.keep[k] = False
            played.record(int(held.kind[k]), channel, note, 0, int(held.source[k]), frame, float(held.stamp[k]),
                          int(held.sender[k]))
            self._note_off(channel, note)

    def _note_on(self, channel: int, note: int, velocity: int, offset: int = 0, sender: int = 0) -> bool:
        """Start a note on its slot's take, sounding from frame ``offset`` of this block (silent before), for the
        node tagged ``sender`` (0: none)."""
        slot = int(self.note_slot[channel & 15, note & 127])
        if slot < 0 or slot >= self.slots:
            return False
        self.state.notes_in[slot] += 1  # MIDI activity for observers, whether the slot holds a take or not
        if self.current[slot].frames == 0:
            return False
        voice = self._free_voice(slot)
        self._serial += 1
        self.active[slot, voice] = True
        self.releasing[slot, voice] = False
        self.note[slot, voice] = note
        self.channel[slot, voice] = channel
        self.sender[slot, voice] = sender
        self.started[slot, voice] = self._serial
        rate = self._rate_for(self.current[slot], note)
        self.rate[slot, voice] = rate
        # Reads before the offset fall before the take, under an envelope below 0 (clipped to silence): both
        # reach 0 at frame ``offset``, as a note started at a block's first frame.
        self.pos[slot, voice] = -rate * offset
        if offset:
            self._delayed = True
        self.old_pos[slot, voice] = 1e15  # nothing of the outgoing take for a note started now
        self.old_rate[slot, voice] = 0.0
        self.vgain[slot, voice] = (velocity / 127.0) ** self.velocity_curve
        self.env[slot, voice] = -self.attack_step * offset
        self.env_step[slot, voice] = self.attack_step
        return True

    def _free_voice(self, slot: int) -> int:
        """An idle voice, else the oldest releasing one, else the oldest (voice stealing).

        A stolen voice's note moves to an idle tail voice that fades it out over ``steal_fade_ms``
        (a hard cut would click); only with every tail busy is it cut.
        """
        best, best_key = 0, None
        for v in range(self.poly):
            if not self.active[slot, v]:
                return v
            key = (0 if self.releasing[slot, v] else 1, int(self.started[slot, v]))
            if best_key is None or key < best_key:
                best, best_key = v, key
        self.counters[STEALS] += 1
        for tail in range(self.poly, self.rows):
            if not self.active[slot, tail]:
                self._move_voice(slot, best, tail)
                self.releasing[slot, tail] = True
                self.env_step[slot, tail] = min(self.env_step[slot, tail], self.steal_step)
                break
        return best

    def _move_voice(self, slot: int, source: int, target: int) -> None:
        for array in (self.active, self.releasing, self.note, self.channel, self.sender, self.started, self.vgain):
            array[slot, target] = array[slot, source]
        self.rp[slot, target] = self.rp[slot, source]
        self.old_rp[slot, target] = self.old_rp[slot, source]
        self.es[slot, target] = self.es[slot, source]

    def _note_off(self, channel: int, note: int) -> None:
        if self.one_shot:
            return
        slot = int(self.note_slot[channel & 15, note & 127])
        if slot < 0 or slot >= self.slots:
            return
        for v in range(self.poly):
            if (self.active[slot, v] and not self.releasing[slot, v] and self.note[slot, v] == note
                    and self.channel[slot, v] == channel):
                self.releasing[slot, v] = True
                self.env_step[slot, v] = self.release_step

    def _all_off(self, channel: int, sender: int = 0) -> None:
        """All notes (sound) off on ``channel``: the voices its notes started (a negative one: every channel). It
        released every slot, so a DAW's all-notes-off on one channel ended the keyboard's notes on the others. With
        a ``sender`` tag, only the voices that sender's notes started, on every channel too (as :meth:`_cancel_held`
        voids that sender's held events only): a pattern voiding what it sent ended a keyboard's notes held on its
        channel, and another pattern's. Untagged (the sampler's own stop, a DAW's CC 123), every voice there."""
        hit, other = self._off_voices, self._off_other
        if channel < 0:
            np.copyto(hit, self.active)
        else:
            np.equal(self.channel, channel, out=hit)
            np.logical_and(hit, self.active, out=hit)
        if sender:
            np.equal(self.sender, sender, out=other)
            np.logical_and(hit, other, out=hit)
        np.logical_or(self.releasing, hit, out=self.releasing)
        np.copyto(self.env_step, self.release_step, where=hit)
