"""The sampler's audio core: slots of voices rendered block by block, with no sound device attached.

:meth:`SamplerCore.render` is what the audio callback calls. It touches only arrays allocated in
``__init__`` (numpy ``out=`` everywhere), reads note events from :class:`EventRing` s and new takes from
``pending`` (one reference per slot, replaced whole by a worker thread), and never locks, waits or does
I/O. Everything else (preparing takes, history, MIDI ports) lives outside, in the node.

Per slot, voices are rendered together as a (voices, frames) array: positions, linear interpolation,
envelope and velocity gain, then summed. A new take replaces the slot at a block boundary: for a short
crossfade the playing voices are rendered from both the old and the new take, the old fading out.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from exsampling_patch.nodes.sampler.prepare import EMPTY, SlotBuffer
from exsampling_patch.nodes.sampler.ring import ALL_OFF, NOTE_OFF, NOTE_ON, EventRing
from exsampling_patch.nodes.sampler.shared import CALLBACKS, NOTES_STARTED, STEALS, TIMING_SLOTS, SharedState

#: Frequency of each MIDI note (A4 = note 69 = 440 Hz).
NOTE_HZ = 440.0 * 2.0 ** ((np.arange(128) - 69) / 12.0)
MIN_RATE, MAX_RATE = 1.0 / 64.0, 64.0
#: Extra voices per slot that play out stolen notes: a stolen voice fades over ``steal_fade_ms`` there
#: while its own voice starts the new note, so stealing does not click.
STEAL_TAILS = 2


class SamplerCore:
    """``slots`` slots of ``polyphony`` voices each, rendered at ``sample_rate`` in blocks up to ``max_frames``.

    ``note_slot`` maps (channel, note) to a slot index or -1 (see :func:`channel_map`, :func:`range_map`).
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
    ) -> None:
        self.slots, self.poly, self.sample_rate, self.max_frames = slots, polyphony, sample_rate, max_frames
        self.note_slot = note_slot if note_slot is not None else channel_map(slots)
        self.root_hz = float(NOTE_HZ[root_note])
        self.velocity_curve = velocity_curve
        self.attack_step = np.float32(1.0 / max(1.0, attack_ms * sample_rate / 1000.0))
        self.release_step = np.float32(-1.0 / max(1.0, release_ms * sample_rate / 1000.0))
        self.crossfade_frames = max(1, int(crossfade_ms * sample_rate / 1000.0))
        self.one_shot = one_shot
        self.steal_step = np.float32(-1.0 / max(1.0, steal_fade_ms * sample_rate / 1000.0))
        self.state = state if state is not None else SharedState.local(slots)
        self.rings: tuple[EventRing, ...] = (self.state.ring, *rings)

        # -- shared with other threads (and maybe another process): written by one writer each ------------
        self.pending: list[SlotBuffer] = [EMPTY] * slots  # loader thread -> callback (reference swap)
        self.gain = self.state.gain  # control -> callback
        self.mute = self.state.mute
        self.master = self.state.master
        self.levels = self.state.levels  # callback -> observers (peak of the last block)
        self.loaded_serial = self.state.loaded_serial  # callback -> observers: serial of the buffer sounding
        self.loaded_id: list[str] = [""] * slots  # callback -> same-process observers: take id sounding
        self.voices_active = self.state.voices_active
        self.counters = self.state.counters  # read them by name on the state (state.callbacks, .steals ...)
        self.cb_seconds = self.state.cb_seconds  # callback durations, ring indexed by callbacks
        self.note_wait = self.state.note_wait  # note queued -> rendered, seconds

        # -- callback-owned state -----------------------------------------------------------------------------
        self.current: list[SlotBuffer] = [EMPTY] * slots
        self.old: list[SlotBuffer] = [EMPTY] * slots
        self.xfade_done = np.zeros(slots, np.int64)  # frames of the crossfade rendered; == crossfade_frames: none
        self.xfade_done[:] = self.crossfade_frames
        self.applied_gain = np.ones(slots, np.float32)
        # Voices 0..polyphony-1 play notes; the STEAL_TAILS after them only play out stolen notes.
        self.rows = polyphony + STEAL_TAILS
        shape = (slots, self.rows)
        self.active = np.zeros(shape, np.bool_)
        self.releasing = np.zeros(shape, np.bool_)
        self.note = np.zeros(shape, np.int16)
        self.channel = np.zeros(shape, np.int16)
        self.started = np.zeros(shape, np.int64)
        # (rate, position) and (envelope step, envelope) pairs side by side: one matrix product per block
        # renders every voice's read positions (rp @ [t; 1]) and envelopes (es @ [t; 1]) with no temporaries.
        self.rp = np.zeros((slots, self.rows, 2), np.float64)
        self.old_rp = np.zeros((slots, self.rows, 2), np.float64)
        self.es = np.zeros((slots, self.rows, 2), np.float32)
        self.rate, self.pos = self.rp[..., 0], self.rp[..., 1]
        self.old_rate, self.old_pos = self.old_rp[..., 0], self.old_rp[..., 1]
        self.env_step, self.env = self.es[..., 0], self.es[..., 1]
        self.vgain = np.zeros(shape, np.float32)
        self._serial = 0

        # -- scratch arrays, sized to the block (re-made only if the device changes its block size) -------------
        self._frames = 0
        self._ensure(min(256, max_frames))
        self._tmp_bool = np.zeros(self.rows, np.bool_)
        self._tmp_bool2 = np.zeros(self.rows, np.bool_)
        self._tmp_p = np.zeros(self.rows, np.float64)
        self._tmp_p32 = np.zeros(self.rows, np.float32)

    def _ensure(self, frames: int) -> None:
        """Scratch arrays for ``frames`` frames (contiguous, so BLAS and ufuncs need no buffers of their own)."""
        if frames == self._frames:
            return
        p = self.rows
        self._frames = frames
        self._t2 = np.ones((2, frames), np.float64)
        self._t2[0] = np.arange(frames)  # read positions: pos + rate * (0 .. frames-1)
        self._e2 = np.ones((2, frames), np.float32)
        self._e2[0] = np.arange(1, frames + 1)  # envelopes: env + step * (1 .. frames)
        self._t1 = self._e2[0].copy()
        self._idx_f = np.zeros((p, frames), np.float64)
        self._floor = np.zeros((p, frames), np.float64)
        self._frac = np.zeros((p, frames), np.float32)
        self._idx = np.zeros((p, frames), np.int64)
        self._a = np.zeros((p, frames), np.float32)
        self._b = np.zeros((p, frames), np.float32)
        self._envs = np.zeros((p, frames), np.float32)
        self._sum_new = np.zeros(frames, np.float32)
        self._sum_old = np.zeros(frames, np.float32)
        self._ramp = np.zeros(frames, np.float32)
        self._mix = np.zeros(frames, np.float32)

    # -- producer-side helpers (not called from the callback) ---------------------------------------------------

    def load(self, slot: int, buffer: SlotBuffer) -> None:
        """Hand ``buffer`` to the callback for ``slot`` (one reference assignment: atomic)."""
        self.pending[slot] = buffer

    # -- the callback ---------------------------------------------------------------------------------------------

    def render(self, out: np.ndarray) -> None:
        """Fill ``out`` (frames x channels, float32) with the next block. Called by the audio callback."""
        started = time.perf_counter()
        frames = out.shape[0]
        if frames > self.max_frames:  # cannot happen with a sane device; stay silent
            out.fill(0.0)
            return
        for s in range(self.slots):  # new takes first, so a note queued with its take finds it
            self._swap_if_pending(s)
        self._ensure(frames)
        self._drain_events(started)
        mix = self._mix
        mix.fill(0.0)
        for s in range(self.slots):
            self._render_slot(s, frames, mix)
        np.multiply(mix, self.master[0], out=mix)
        np.copyto(out, mix[:, None])  # every channel gets the mix
        counters = self.counters
        self.cb_seconds[counters[CALLBACKS] % TIMING_SLOTS] = time.perf_counter() - started
        counters[CALLBACKS] += 1

    def _drain_events(self, now: float) -> None:
        for ring in self.rings:
            r, w, cap = ring.read, ring.write, ring.capacity
            while r < w:
                i = r % cap
                kind = int(ring.kind[i])
                if kind == NOTE_ON and ring.velocity[i] > 0:
                    if self._note_on(int(ring.channel[i]), int(ring.note[i]), int(ring.velocity[i])):
                        stamp = float(ring.stamp[i])
                        if stamp > 0.0:
                            self.note_wait[self.counters[NOTES_STARTED] % TIMING_SLOTS] = now - stamp
                        self.counters[NOTES_STARTED] += 1
                elif kind in (NOTE_ON, NOTE_OFF):
                    self._note_off(int(ring.channel[i]), int(ring.note[i]))
                elif kind == ALL_OFF:
                    self._all_off()
                r += 1
            ring.read = r

    def _rate_for(self, buffer: SlotBuffer, note: int) -> float:
        base = buffer.pitch_hz if buffer.pitch_hz > 0.0 else self.root_hz
        return min(MAX_RATE, max(MIN_RATE, float(NOTE_HZ[note]) / base))

    def _note_on(self, channel: int, note: int, velocity: int) -> bool:
        slot = int(self.note_slot[channel & 15, note & 127])
        if slot < 0 or slot >= self.slots or self.current[slot].frames == 0:
            return False
        voice = self._free_voice(slot)
        self._serial += 1
        self.active[slot, voice] = True
        self.releasing[slot, voice] = False
        self.note[slot, voice] = note
        self.channel[slot, voice] = channel
        self.started[slot, voice] = self._serial
        self.pos[slot, voice] = 0.0
        self.rate[slot, voice] = self._rate_for(self.current[slot], note)
        self.old_pos[slot, voice] = 1e15  # nothing of the outgoing take for a note started now
        self.old_rate[slot, voice] = 0.0
        self.vgain[slot, voice] = (velocity / 127.0) ** self.velocity_curve
        self.env[slot, voice] = 0.0
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
        for array in (self.active, self.releasing, self.note, self.channel, self.started, self.vgain):
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

    def _all_off(self) -> None:
        self.releasing[self.active] = True
        self.env_step[self.active] = self.release_step

    def _swap_if_pending(self, s: int) -> None:
        incoming = self.pending[s]
        if incoming is self.current[s] or self.xfade_done[s] < self.crossfade_frames:
            return  # nothing new, or still fading the last swap: take it up after that
        outgoing = self.current[s]
        self.old[s] = outgoing
        self.current[s] = incoming
        self.loaded_id[s] = incoming.take_id
        self.loaded_serial[s] = incoming.serial
        self.xfade_done[s] = 0
        # Playing voices go on in the new take from the same place, at the new take's rate for their note.
        np.copyto(self.old_pos[s], self.pos[s])
        np.copyto(self.old_rate[s], self.rate[s])
        for v in range(self.rows):
            if self.active[s, v]:
                self.rate[s, v] = self._rate_for(incoming, int(self.note[s, v]))

    def _voices(self, s: int, buffer: SlotBuffer, rp: np.ndarray, out: np.ndarray) -> None:
        """Render slot ``s``'s voices from ``buffer`` into ``out``: interpolated, enveloped, weighted, summed."""
        idx_f, fl, frac, idx = self._idx_f, self._floor, self._frac, self._idx
        a, b, envs = self._a, self._b, self._envs
        np.dot(rp, self._t2, out=idx_f)  # pos + rate * t for every voice
        np.minimum(idx_f, float(buffer.frames), out=idx_f)  # past the end reads the zero guard
        np.floor(idx_f, out=fl)
        np.copyto(idx, fl, casting="unsafe")
        np.subtract(idx_f, fl, out=idx_f)
        np.copyto(frac, idx_f, casting="same_kind")
        np.take(buffer.data, idx, out=a, mode="clip")
        np.add(idx, 1, out=idx)
        np.take(buffer.data, idx, out=b, mode="clip")
        np.subtract(b, a, out=b)
        np.multiply(b, frac, out=b)
        np.add(a, b, out=a)
        np.dot(self.es[s], self._e2, out=envs)  # env + step * (1..frames)
        np.clip(envs, 0.0, 1.0, out=envs)
        np.multiply(a, envs, out=a)
        np.dot(self.vgain[s], a, out=out)  # the velocity gains weight the sum over voices

    def _render_slot(self, s: int, frames: int, mix: np.ndarray) -> None:
        active = self.active[s]
        n_active = int(np.count_nonzero(active))
        self.voices_active[s] = n_active
        target = np.float32(0.0) if self.mute[s] else self.gain[s]
        if n_active == 0:
            self.levels[s] = 0.0
            self.applied_gain[s] = target
            if self.xfade_done[s] < self.crossfade_frames:
                self.xfade_done[s] = self.crossfade_frames
                self.old[s] = EMPTY
            return
        np.multiply(self.vgain[s], active, out=self.vgain[s])  # idle voices contribute nothing
        new, old = self._sum_new, self._sum_old
        self._voices(s, self.current[s], self.rp[s], new)
        ramp = self._ramp
        done = int(self.xfade_done[s])
        if done < self.crossfade_frames:
            self._voices(s, self.old[s], self.old_rp[s], old)
            # equal-gain crossfade: new * r + old * (1 - r), r rising from done/len to (done+frames)/len
            np.add(self._t1, np.float32(done), out=ramp)
            np.multiply(ramp, np.float32(1.0 / self.crossfade_frames), out=ramp)
            np.clip(ramp, 0.0, 1.0, out=ramp)
            np.subtract(new, old, out=new)
            np.multiply(new, ramp, out=new)
            np.add(new, old, out=new)
            self.xfade_done[s] = min(self.crossfade_frames, done + frames)
            self._advance(self.old_pos[s], self.old_rate[s], frames)
            if self.xfade_done[s] >= self.crossfade_frames:
                self.old[s] = EMPTY
        # slot gain (with mute) ramps over the block so changes never click
        g0 = float(self.applied_gain[s])
        np.multiply(self._t1, np.float32((float(target) - g0) / frames), out=ramp)
        np.add(ramp, np.float32(g0), out=ramp)
        np.multiply(new, ramp, out=new)
        self.applied_gain[s] = target
        np.add(mix, new, out=mix)
        self.levels[s] = float(np.max(np.abs(new, out=old)))
        self._finish_block(s, frames)

    def _advance(self, pos: np.ndarray, rate: np.ndarray, frames: int) -> None:
        np.multiply(rate, float(frames), out=self._tmp_p)
        np.add(pos, self._tmp_p, out=pos)

    def _finish_block(self, s: int, frames: int) -> None:
        """Advance positions and envelopes; retire voices that ended or faded out."""
        self._advance(self.pos[s], self.rate[s], frames)
        env, step = self.env[s], self.env_step[s]
        np.multiply(step, np.float32(frames), out=self._tmp_p32)
        np.add(env, self._tmp_p32, out=env)
        np.clip(env, 0.0, 1.0, out=env)
        ended, faded = self._tmp_bool, self._tmp_bool2
        np.greater_equal(self.pos[s], float(self.current[s].frames), out=ended)
        if self.xfade_done[s] < self.crossfade_frames:
            np.less(self.old_pos[s], float(self.old[s].frames), out=faded)
            np.logical_not(faded, out=faded)  # the outgoing take has ended too
            np.logical_and(ended, faded, out=ended)
        np.less_equal(env, 0.0, out=faded)
        np.logical_and(faded, self.releasing[s], out=faded)
        np.logical_or(ended, faded, out=ended)
        np.logical_not(ended, out=ended)
        np.logical_and(self.active[s], ended, out=self.active[s])


def channel_map(slots: int) -> np.ndarray:
    """MIDI channel N (1-based) plays slot N, as in the original device; any note."""
    table = np.full((16, 128), -1, np.int16)
    for channel in range(min(16, slots)):
        table[channel, :] = channel
    return table


def range_map(ranges: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """Notes ``lo..hi`` (inclusive, any channel) play slot ``s`` for each ``(s, lo, hi)``."""
    table = np.full((16, 128), -1, np.int16)
    for slot, lo, hi in ranges:
        table[:, max(0, lo): min(127, hi) + 1] = slot
    return table
