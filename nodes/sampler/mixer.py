"""The sampler's voices and slots: every voice of every slot rendered from its slot's take, one row per slot.

All voices of all slots are rendered together as one (slots x voices, frames) array: positions, linear
interpolation, envelope and velocity gain, then summed per slot. So a block costs the same few numpy calls
whether one slot plays or eight (their overhead, not the arithmetic, is what costs at this size). The
samples are read with one ``np.take`` from a *pool*, one array holding every take (the audio process's shared
arena, :mod:`.handoff`), at each slot's offset; a take outside the pool is read from its own array for its
slot's rows. A new take replaces the slot at a block boundary: for a short
crossfade the playing voices are rendered from both the old and the new take, the old fading out.

Everything here runs in the audio callback (through :class:`.core.SamplerCore`, which starts and stops the
voices): only arrays allocated in ``__init__`` and :meth:`SlotMixer._ensure`, numpy ``out=`` everywhere.
"""

from __future__ import annotations

import numpy as np

from exsampling_patch.nodes.sampler.prepare import EMPTY, GUARD, SlotBuffer
from exsampling_patch.nodes.sampler.ring import SWAP
from exsampling_patch.nodes.sampler.shared import SharedState

#: Frequency of each MIDI note (A4 = note 69 = 440 Hz).
NOTE_HZ = 440.0 * 2.0 ** ((np.arange(128) - 69) / 12.0)
MIN_RATE, MAX_RATE = 1.0 / 64.0, 64.0
#: Extra voices per slot that play out stolen notes: a stolen voice fades over ``steal_fade_ms`` there
#: while its own voice starts the new note, so stealing does not click.
STEAL_TAILS = 2


class SlotMixer:
    """``slots`` slots of ``polyphony`` voices (and :data:`STEAL_TAILS`) each, and the take each slot plays.

    Renders the voices that :class:`.core.SamplerCore` starts into one row per slot (:meth:`_render_slots`), and
    swaps each slot's take for the one ``pending`` for it, with a crossfade (:meth:`_swap_if_pending`).
    ``pool`` is the array that buffers with an ``offset`` lie in; its first :data:`.prepare.GUARD` samples must
    stay zero (idle voices read there). Without one, every take is read from its own array.
    """

    def __init__(self, slots: int, sample_rate: int, polyphony: int, root_note: int, crossfade_ms: float,
                 state: SharedState, pool: np.ndarray | None) -> None:
        self.slots, self.poly, self.sample_rate = slots, polyphony, sample_rate
        self.root_hz = float(NOTE_HZ[root_note])
        self.crossfade_frames = max(1, int(crossfade_ms * sample_rate / 1000.0))
        self.state = state

        # -- shared with other threads (and maybe another process): written by one writer each ------------
        self.pending: list[SlotBuffer] = [EMPTY] * slots  # loader thread -> callback (reference swap)
        self.levels = state.levels  # callback -> observers (peak of the last block)
        self.loaded_serial = state.loaded_serial  # callback -> observers: serial of the buffer sounding
        self.loaded_id: list[str] = [""] * slots  # callback -> same-process observers: take id sounding
        self.voices_active = state.voices_active
        self.played = state.played  # callback -> the show log: each event applied, at its stream frame
        self.frame = 0  # frames rendered before this block: the stream frame of its first sample

        # -- callback-owned state -----------------------------------------------------------------------------
        self.current: list[SlotBuffer] = [EMPTY] * slots
        self.old: list[SlotBuffer] = [EMPTY] * slots
        self.xfade_done = np.zeros(slots, np.int64)  # frames of the crossfade rendered; == crossfade_frames: none
        self.xfade_done[:] = self.crossfade_frames
        self.applied_gain = np.ones(slots, np.float32)
        # The gains and mutes as this block applies them (the core copies them from the shared ones at a block's
        # start, see SamplerCore._take_controls): only these are used.
        self._gain_now = state.gain.copy()
        self._mute_now = state.mute.copy()
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
        # Where each slot's take lies: frames, and its offset in the pool (0 for a take elsewhere, "foreign").
        self.pool = pool if pool is not None else np.zeros(GUARD, np.float32)
        self.has_pool = pool is not None
        self.cur_frames, self.old_frames = np.zeros(slots, np.float64), np.zeros(slots, np.float64)
        self.cur_offset, self.old_offset = np.zeros(slots, np.int64), np.zeros(slots, np.int64)
        self.cur_foreign, self.old_foreign = [False] * slots, [False] * slots

        # -- scratch arrays (and views made once: shaping an array in the callback makes a new object) ----------
        self.es2 = self.es.reshape(-1, 2)
        self.vgain3 = self.vgain.reshape(slots, 1, self.rows)
        self._ones_slots = np.ones(slots, np.float32)
        self._target = np.zeros(slots, np.float32)
        # Per-row or per-slot (slope, intercept) pairs: a ramp or a row-constant over the block is pairs @ [t; 1]
        # (BLAS, no temporaries); numpy 2 buffers broadcasts of a column against a block (64 kB per call).
        self._gain_pairs = np.zeros((slots, 2), np.float32)  # (gain step per frame, gain at the block's start)
        self._xfade_pairs = np.zeros((slots, 2), np.float32)  # (1 / crossfade length, done / length)
        self._xfade_pairs[:, 0] = 1.0 / self.crossfade_frames
        self._read_pairs = np.zeros((slots * self.rows, 2), np.float64)  # (rate, position in the pool)
        self._end_pairs = np.zeros((slots * self.rows, 2), np.float64)  # (0, end of the voice's take in the pool)
        self._begin_pairs = np.zeros((slots * self.rows, 2), np.float64)  # (0, start of the voice's take)
        self._delayed = False  # a note starts after this block's first frame: keep its early reads in its take
        self._slot_flag = np.zeros(slots, np.bool_)
        self._crossfading = np.zeros(slots, np.bool_)
        self._old_active = np.zeros(shape, np.bool_)
        self._start = np.zeros(shape, np.float64)
        self._limit = np.zeros(shape, np.float64)
        self._tmp_bool = np.zeros(shape, np.bool_)
        self._tmp_bool2 = np.zeros(shape, np.bool_)
        self._tmp_p = np.zeros(shape, np.float64)
        self._tmp_p32 = np.zeros(shape, np.float32)
        self._cur_frames_col, self._old_frames_col = self.cur_frames[:, None], self.old_frames[:, None]
        self._cur_offset_col, self._old_offset_col = self.cur_offset[:, None], self.old_offset[:, None]
        self._crossfading_col = self._crossfading[:, None]
        self._start_flat, self._limit_flat = self._start.reshape(-1), self._limit.reshape(-1)
        self._rate_flat, self._pos_flat = self.rate.reshape(-1), self.pos.reshape(-1)  # views into rp, not copies
        self._old_rate_flat, self._old_pos_flat = self.old_rate.reshape(-1), self.old_pos.reshape(-1)
        self._frames = 0

    def _ensure(self, frames: int) -> None:
        """Scratch arrays for ``frames`` frames (contiguous, so BLAS and ufuncs need no buffers of their own).

        Voice arrays are (slots * rows, frames): every voice of every slot is rendered by the same few numpy
        calls, so a block costs about the same with one slot playing or eight.
        """
        if frames == self._frames:
            return
        n, s = self.slots * self.rows, self.slots
        self._frames = frames
        self._t2 = np.ones((2, frames), np.float64)
        self._t2[0] = np.arange(frames)  # read positions: pos + rate * (0 .. frames-1)
        self._e2 = np.ones((2, frames), np.float32)
        self._e2[0] = np.arange(1, frames + 1)  # envelopes: env + step * (1 .. frames)
        self._idx_f = np.zeros((n, frames), np.float64)
        self._ends = np.zeros((n, frames), np.float64)
        self._floor = np.zeros((n, frames), np.float64)
        self._frac = np.zeros((n, frames), np.float32)
        self._idx = np.zeros((n, frames), np.int64)
        self._a = np.zeros((n, frames), np.float32)
        self._b = np.zeros((n, frames), np.float32)
        self._envs = np.zeros((n, frames), np.float32)
        self._new = np.zeros((s, frames), np.float32)
        self._old = np.zeros((s, frames), np.float32)
        self._ramp = np.zeros((s, frames), np.float32)
        self._mix = np.zeros(frames, np.float32)
        # views made once: shaping an array in the callback would make a new view object every block
        shape3 = (s, self.rows, frames)
        self._idx3, self._a3, self._b3 = self._idx.reshape(shape3), self._a.reshape(shape3), self._b.reshape(shape3)

    def _rate_for(self, buffer: SlotBuffer, note: int) -> float:
        base = buffer.pitch_hz if buffer.pitch_hz > 0.0 else self.root_hz
        return min(MAX_RATE, max(MIN_RATE, float(NOTE_HZ[note]) / base))

    # -- each slot's take: swapped at a block boundary, crossfaded --------------------------------------------------

    def _swap_if_pending(self, s: int, block_end: float) -> None:
        incoming = self.pending[s]
        if incoming is self.current[s] or self.xfade_done[s] < self.crossfade_frames:
            return  # nothing new, or still fading the last swap: take it up after that
        if incoming.due > 0.0 and incoming.due >= block_end:
            return  # held for a beat or a bar: taken up at the start of the block its time falls in
        self.played.record(SWAP, 0, 0, 0, s, self.frame, float(incoming.serial))
        self._set_old(s, self.current[s])
        self.current[s] = incoming
        self.cur_frames[s] = incoming.frames
        self.cur_offset[s], self.cur_foreign[s] = self._placement(incoming)
        self.loaded_id[s] = incoming.take_id
        self.loaded_serial[s] = incoming.serial
        self.xfade_done[s] = 0
        # Playing voices go on in the new take from the same place, at the new take's rate for their note.
        np.copyto(self.old_pos[s], self.pos[s])
        np.copyto(self.old_rate[s], self.rate[s])
        for v in range(self.rows):
            if self.active[s, v]:
                self.rate[s, v] = self._rate_for(incoming, int(self.note[s, v]))

    def _placement(self, buffer: SlotBuffer) -> tuple[int, bool]:
        """Where voices read ``buffer``: (offset in the pool, foreign). A take outside the pool is read at 0, then
        again from its own array."""
        if buffer.offset >= 0 and self.has_pool:
            return buffer.offset, False
        return 0, buffer.frames > 0

    def _set_old(self, s: int, buffer: SlotBuffer) -> None:
        self.old[s] = buffer
        self.old_frames[s] = buffer.frames
        self.old_offset[s], self.old_foreign[s] = self._placement(buffer)

    def _end_crossfade(self, s: int) -> None:
        self.xfade_done[s] = self.crossfade_frames
        self._set_old(s, EMPTY)

    # -- rendering ------------------------------------------------------------------------------------------------

    def _render_slots(self, frames: int) -> bool:
        """Every slot's block into ``self._new`` (slots x frames), gains applied; False when nothing sounds."""
        active, counts, target = self.active, self.voices_active, self._target
        np.sum(active, axis=1, out=counts)
        np.logical_not(self._mute_now, out=self._slot_flag)
        np.multiply(self._gain_now, self._slot_flag, out=target)  # each slot's gain, muted ones 0
        crossfading = self._crossfading
        np.less(self.xfade_done, self.crossfade_frames, out=crossfading)
        if crossfading.any():
            for s in range(self.slots):
                if crossfading[s] and counts[s] == 0:  # nothing plays the outgoing take: the swap is done
                    self._end_crossfade(s)
                    crossfading[s] = False
        if not active.any():
            self.levels.fill(0.0)
            np.copyto(self.applied_gain, target)
            return False
        np.multiply(self.vgain, active, out=self.vgain)  # idle voices contribute nothing
        new, old, ramp = self._new, self._old, self._ramp
        s0 = next(s for s in range(self.slots) if counts[s])
        s1 = next(s for s in range(self.slots, 0, -1) if counts[s - 1])
        self._voices(s0, s1, self._rate_flat, self._pos_flat, active, self._cur_frames_col, self._cur_offset_col,
                     self.current, self.cur_foreign, new)
        fading = bool(crossfading.any())
        if fading:
            old_active = self._old_active
            np.logical_and(active, self._crossfading_col, out=old_active)
            self._voices(s0, s1, self._old_rate_flat, self._old_pos_flat, old_active, self._old_frames_col,
                         self._old_offset_col, self.old, self.old_foreign, old)
            # equal-gain crossfade: new * r + old * (1 - r), r rising from done/len to (done+frames)/len; slots
            # not fading have r >= 1 (done == len) and nothing of an old take
            np.multiply(self.xfade_done, 1.0 / self.crossfade_frames, out=self._xfade_pairs[:, 1])
            np.dot(self._xfade_pairs, self._e2, out=ramp)
            np.clip(ramp, 0.0, 1.0, out=ramp)
            np.subtract(new, old, out=new)
            np.multiply(new, ramp, out=new)
            np.add(new, old, out=new)
            np.add(self.xfade_done, frames, out=self.xfade_done)
            np.minimum(self.xfade_done, self.crossfade_frames, out=self.xfade_done)
            for s in range(self.slots):
                if crossfading[s] and self.xfade_done[s] >= self.crossfade_frames:
                    self._end_crossfade(s)  # faded out: every slot not fading holds EMPTY as its old
            self._advance(self.old_pos, self.old_rate, frames)
        # slot gain (with mute) ramps over the block so changes never click
        pairs = self._gain_pairs
        np.subtract(target, self.applied_gain, out=pairs[:, 0])
        np.multiply(pairs[:, 0], np.float32(1.0 / frames), out=pairs[:, 0])
        np.copyto(pairs[:, 1], self.applied_gain)
        np.dot(pairs, self._e2, out=ramp)  # from the last block's gain to the target, by the last frame
        np.multiply(new, ramp, out=new)
        np.copyto(self.applied_gain, target)
        np.abs(new, out=old)
        np.max(old, axis=1, out=self.levels)
        self._finish_block(frames, fading)
        return True

    def _voices(self, s0: int, s1: int, rate: np.ndarray, pos: np.ndarray, active: np.ndarray,
                frames_col: np.ndarray, offset_col: np.ndarray, buffers: list[SlotBuffer], foreign: list[bool],
                out: np.ndarray) -> None:
        """Render every ``active`` voice of slots ``s0``..``s1 - 1`` from its slot's buffer into those rows of
        ``out`` (slots x frames): interpolated, enveloped, weighted by velocity, summed per slot.

        Voices read the pool at their slot's offset; an idle voice reads the pool's first samples (zeros).
        A slot whose buffer is not in the pool (``foreign``) has offset 0 and its rows read again from it.
        """
        start, read, end = self._start, self._read_pairs, self._end_pairs
        np.multiply(offset_col, active, out=start)  # where each voice's take starts in the pool; idle voices read
        # the pool's zeros (start 0, limit 0), whatever lies in their rows (a foreign take, an empty slot)
        np.copyto(read[:, 0], rate)
        np.add(pos, self._start_flat, out=read[:, 1])
        np.multiply(frames_col, active, out=self._limit)
        np.add(self._start_flat, self._limit_flat, out=end[:, 1])
        r0, r1 = s0 * self.rows, s1 * self.rows  # only the span of slots that play: one slot costs less than eight
        idx_f, fl, frac, idx = self._idx_f[r0:r1], self._floor[r0:r1], self._frac[r0:r1], self._idx[r0:r1]
        a, b, envs, ends = self._a[r0:r1], self._b[r0:r1], self._envs[r0:r1], self._ends[r0:r1]
        np.dot(read[r0:r1], self._t2, out=idx_f)  # start + pos + rate * t for every voice
        np.dot(end[r0:r1], self._t2, out=ends)
        np.minimum(idx_f, ends, out=idx_f)  # past the end reads the zero guard
        if self._delayed:  # a voice that starts within the block reads its take's first sample until then
            np.copyto(self._begin_pairs[:, 1], self._start_flat)
            np.dot(self._begin_pairs[r0:r1], self._t2, out=ends)
            np.maximum(idx_f, ends, out=idx_f)
        np.floor(idx_f, out=fl)
        np.copyto(idx, fl, casting="unsafe")
        np.subtract(idx_f, fl, out=idx_f)
        np.copyto(frac, idx_f, casting="same_kind")
        self._gather(s0, s1, idx, a, self._a3, active, buffers, foreign)
        np.add(idx, 1, out=idx)
        self._gather(s0, s1, idx, b, self._b3, active, buffers, foreign)
        np.subtract(b, a, out=b)
        np.multiply(b, frac, out=b)
        np.add(a, b, out=a)
        np.dot(self.es2[r0:r1], self._e2, out=envs)  # env + step * (1..frames)
        np.clip(envs, 0.0, 1.0, out=envs)
        np.multiply(a, envs, out=a)
        # velocity-weighted sum over each slot's voices: (slots, 1, voices) @ (slots, voices, frames)
        np.matmul(self.vgain3[s0:s1], self._a3[s0:s1], out=out[s0:s1, None, :])
        out[:s0].fill(0.0)
        out[s1:].fill(0.0)

    def _gather(self, s0: int, s1: int, idx: np.ndarray, into: np.ndarray, into3: np.ndarray, active: np.ndarray,
                buffers: list[SlotBuffer], foreign: list[bool]) -> None:
        """``into = samples[idx]``: from the pool in one call, then again from each foreign take that plays."""
        np.take(self.pool, idx, out=into, mode="clip")  # foreign rows may be out of range: read again below
        for s in range(s0, s1):
            if foreign[s] and active[s].any():
                np.take(buffers[s].data, self._idx3[s], out=into3[s], mode="clip")

    def _advance(self, pos: np.ndarray, rate: np.ndarray, frames: int) -> None:
        np.multiply(rate, float(frames), out=self._tmp_p)
        np.add(pos, self._tmp_p, out=pos)

    def _finish_block(self, frames: int, fading: bool) -> None:
        """Advance positions and envelopes; retire voices that ended or faded out."""
        self._delayed = False
        self._advance(self.pos, self.rate, frames)
        env = self.env
        np.multiply(self.env_step, np.float32(frames), out=self._tmp_p32)
        np.add(env, self._tmp_p32, out=env)
        np.clip(env, 0.0, 1.0, out=env)
        ended, faded = self._tmp_bool, self._tmp_bool2
        np.greater_equal(self.pos, self._cur_frames_col, out=ended)
        if fading:  # a voice ends when the outgoing take has ended too (slots not fading have EMPTY there)
            np.greater_equal(self.old_pos, self._old_frames_col, out=faded)
            np.logical_and(ended, faded, out=ended)
        np.less_equal(env, 0.0, out=faded)
        np.logical_and(faded, self.releasing, out=faded)
        np.logical_or(ended, faded, out=ended)
        np.logical_not(ended, out=ended)
        np.logical_and(self.active, ended, out=self.active)
