"""The built-in sampler: takes assigned to named slots, played from MIDI through the sound card.

Live state for observers (the editor): :meth:`Sampler.slot_states` returns, per slot, its name, the take
id, label, pitch, gain, lock, mute, history, level and a waveform overview array.
"""

from __future__ import annotations

import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import numpy as np

from exsampling_patch.error_text import error_text
from exsampling_patch.messages import ControlValue, SlotAssignment, Take
from exsampling_patch.midi_ports import API_CHOICES
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.nodes.sampler.answers import Answer, Sent, settle
from exsampling_patch.nodes.sampler.assign import LoadedUntold, started, stopped
from exsampling_patch.nodes.sampler.assign import assign as assign_take  # as "assign" it hid its module
from exsampling_patch.nodes.sampler.handoff import SamplesNotShared
from exsampling_patch.nodes.sampler.meter import OutputMeter
from exsampling_patch.nodes.sampler.played import PlayedReader
from exsampling_patch.nodes.sampler.prepare import EMPTY, SlotBuffer, take_pitch
from exsampling_patch.nodes.sampler.prepare import prepare as prepare_buffer  # as "prepare" it hid its module
from exsampling_patch.nodes.sampler.rate import rate_for_takes
from exsampling_patch.nodes.sampler.replay import ShowAudioError, live_xruns, read_show, remapper, render_show
from exsampling_patch.nodes.sampler.rig import SWITCH_INTERVAL, AudioConfig, MidiInput, push_midi
from exsampling_patch.nodes.sampler.ring import ALL_OFF, NOTE_ON
from exsampling_patch.nodes.sampler.shared import SharedState
from exsampling_patch.nodes.sampler.slots import DEFAULT_SLOTS, SlotRecord, audition_notes, note_table
from exsampling_patch.nodes.sampler.slots import slot_names as make_slot_names
from exsampling_patch.ports import CONTROL, MIDI, SLOT, TAKE

UPCOMING_KEEP = 4
"""Takes sent ahead (``upcoming``) and kept for their assignment; older ones are dropped unused."""

SWAP_MARGIN = 0.03
"""Seconds a held take needs to reach the callback: a swap is set on the first beat (or bar) after this."""


class Sampler(Node):
    """Play the latest take of each slot from MIDI: chromatic, velocity-sensitive, with lock, gain and history.

    MIDI comes from a port the node opens (``virtual_port``, or ``midi_port`` by name) and from its
    ``midi`` input. With ``mapping: channel`` MIDI channel N plays slot N (as in the original device);
    with ``note_range`` each slot plays the notes given in ``note_ranges`` (``{HH: 36-47, ...}``).
    A take plays at rate = note frequency / ``meta["pitch_hz"]``; a take without a pitch plays at its
    own rate on ``root_note``. The ``control`` input takes ControlValues named ``<slot>.gain`` (0..4),
    ``<slot>.mute``, ``<slot>.lock`` (0/1), ``<slot>.rollback`` (steps back; negative goes forward),
    ``master.gain`` and ``all.notes_off``. Takes linked to ``upcoming`` before their assignment (the default
    patch links the pitched takes, which are ready while the classifier still runs) are prepared and sent to
    the audio ahead: their assignment then costs a switch, not a copy of megabytes.

    The audio callback runs in a process of its own (``audio_process``, see ``sampler/server.py``), so
    that no other node's Python work can make it late; with ``device: none`` nothing plays and the core
    is in this process (``node.core``), rendered by whoever calls ``render`` (tests).
    """

    type_name = "sampler"
    family = "outputs"
    loads_takes = True  # a take's end names it among the outputs that have the take

    assign = Input(SLOT, "takes to load into the slots they name", multiple=True)
    midi = Input(MIDI, "notes that play the slots (from midi_in or any MIDI source)", multiple=True)
    control = Input(CONTROL, "<slot>.gain, <slot>.mute, <slot>.lock, <slot>.rollback, master.gain", multiple=True)
    upcoming = Input(TAKE, "takes on their way to an assignment (e.g. pitch.out): sent to the audio while they are "
                     "classified, so that their assignment only switches the slot", multiple=True)
    needs = {"upcoming": "assign"}  # a take kept ahead waits for its assignment
    loaded = Output(SLOT, "each assignment once its slot has it (not for locked slots)", report=True)

    slots = Param(int, 8, "number of slots", minimum=1, maximum=16)
    slot_names = Param(list, list(DEFAULT_SLOTS), "slot names, in MIDI channel order")
    mapping = Param(str, "channel", "channel: MIDI channel N plays slot N; note_range: by note_ranges",
                    choices=("channel", "note_range"))
    note_ranges = Param(dict, {}, "with mapping note_range: slot name -> 'LOW-HIGH' MIDI notes")
    root_note = Param(int, 60, "the note that plays a take without a pitch at its own rate", minimum=0, maximum=127)
    polyphony = Param(int, 8, "voices per slot (the oldest is stolen when all play)", minimum=1, maximum=64)
    velocity_curve = Param(float, 1.0, "gain = (velocity/127) ^ curve", minimum=0.1, maximum=4.0)
    attack_ms = Param(float, 1.0, "fade-in of each note", minimum=0.0, maximum=500.0, unit="ms")
    release_ms = Param(float, 30.0, "fade-out after note off", minimum=0.1, maximum=5000.0, unit="ms")
    one_shot = Param(bool, False, "ignore note off: each note plays its take to the end")
    crossfade_ms = Param(float, 10.0, "crossfade when a new take replaces a sounding one", minimum=0.1,
                         maximum=500.0, unit="ms")
    history = Param(int, 8, "takes kept per slot for roll-back", minimum=1, maximum=100)
    max_seconds = Param(float, 30.0, "longest part of a take that is loaded", minimum=0.1, maximum=600.0, unit="s")
    gain = Param(float, 1.0, "master gain", minimum=0.0, maximum=4.0)
    device = Param(str, "", "sound device name or index ('' default; 'none' renders nothing, for tests)")
    sample_rate = Param(int, 0, "stream sample rate (0: the device's)", minimum=0, maximum=384000, unit="Hz")
    blocksize = Param(int, 0, "frames per audio callback (0: the host's choice; under JACK, the server's period, "
                      "which the performer sets for the machine)", minimum=0, maximum=4096)
    channels = Param(int, 2, "output channels (the mix goes to each)", minimum=1, maximum=32)
    latency = Param(str, "low", "PortAudio latency hint", choices=("low", "high"))
    audio_process = Param(bool, True, "run the audio callback in a process of its own, where no other node's "
                          "Python work can delay it (off: in the patch's process)")
    virtual_port = Param(str, "exsampling sampler", "MIDI input port the node opens ('' for none)")
    midi_port = Param(str, "", "existing MIDI input port to listen to, by (part of its) name ('' for none)")
    midi_api = Param(str, "auto", "rtmidi API (auto: MIDO_BACKEND, else ALSA, or JACK without ALSA)",
                     choices=API_CHOICES)
    swap = Param(str, "now", "when an assigned take replaces the sounding one: now, or on the next beat or bar of "
                 "the beat clock (a pattern node's), so a new sound enters on the one", choices=("now", "beat", "bar"))
    clock = Param(str, "", "the pattern node whose beat clock swap follows, and which holds its first step until "
                  "this sampler plays ('': whichever pattern node runs)")

    #: Seconds after its start until the audio process tells a stream neither opened nor failed (tests shorten it)
    open_notice = AudioConfig.open_notice
    #: ``exsampling replay`` renders a show log through this node type (see sampler/replay.py)
    render_show = staticmethod(render_show)
    remapper = staticmethod(remapper)
    read_show = staticmethod(read_show)
    live_xruns = staticmethod(live_xruns)
    ShowAudioError = ShowAudioError  # what render_show raises for a take's audio it cannot read

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        from exsampling_patch.nodes.sampler.host import AudioProcess
        from exsampling_patch.nodes.sampler.local import LocalAudio
        from exsampling_patch.nodes.sampler.stream import device_rate

        self.names = make_slot_names(self.slot_names, self.slots)
        self._index = {n.lower(): i for i, n in enumerate(self.names)}
        self.records = [SlotRecord(n) for n in self.names]
        self._unknown: set[str] = set()  # control names reported as not this node's (see _unknown_control)
        in_process = self.device == "none" or not self.audio_process
        # 0: the device's own rate. An audio process asks for it itself: asking here would start PortAudio in
        # this process, and with JACK that is one more client woken every period for the whole show.
        rate = self.sample_rate or (48000 if self.device == "none" else device_rate(self.device) if in_process else 0)
        inputs = [MidiInput(virtual=self.virtual_port, api=self.midi_api)] if self.virtual_port else []
        inputs += [MidiInput(port=self.midi_port, api=self.midi_api)] if self.midi_port else []
        config = AudioConfig(
            slots=len(self.names), sample_rate=rate, note_slot=self._note_table(), polyphony=self.polyphony,
            max_frames=max(4096, self.blocksize), root_note=self.root_note, velocity_curve=self.velocity_curve,
            attack_ms=self.attack_ms, release_ms=self.release_ms, crossfade_ms=self.crossfade_ms,
            one_shot=self.one_shot, device=self.device, blocksize=self.blocksize, channels=self.channels,
            latency=self.latency, midi_inputs=inputs, open_notice=self.open_notice,
        )
        self._audition = audition_notes(config.note_slot, len(self.names), self.root_note)
        self.state = SharedState.local(config.slots) if in_process else SharedState.create(config.slots)
        self.state.master[0] = self.gain
        # Producer-side locks only (the callback never takes them): the patch ring is fed from the engine's worker
        # and from callers of note_on(); slot records from handlers and from observers calling rollback().
        self._ring_lock = threading.Lock()
        self._records_lock = threading.RLock()
        self._serial = 0
        self._played = PlayedReader(self.state, self.names,
                                    ["midi", *(f"port:{m.virtual or m.port}" for m in inputs)])  # its rings' names
        self.buffers: list[SlotBuffer] = [EMPTY] * config.slots  # what each slot holds, as sent to the audio
        self._upcoming: OrderedDict[str, SlotBuffer] = OrderedDict()  # take id -> buffer sent ahead
        self._asked: dict[int, Sent] = {}  # by serial, each take sent to an audio process and not answered yet
        if in_process:
            # The callback is then a thread of this process: it needs the GIL within a block (5 ms), and Python
            # hands the GIL over every 5 ms by default; at 0.5 ms a busy worker delays it far less.
            # Restored by stop(): the interval is the whole process's, not the node's.
            self._switch_before: float | None = sys.getswitchinterval()
            sys.setswitchinterval(min(self._switch_before, SWITCH_INTERVAL))
        # Warm up prepare() now: its first run (soxr's import, its other first calls) would otherwise hold the GIL for
        # milliseconds while the stream runs.
        prepare_buffer(Take(np.zeros(64, np.float32), 44100), rate or 48000)
        self.audio: LocalAudio | AudioProcess = (
            LocalAudio(config, self.state, self.report_error, self.report_status, report_about=self.report_error)
            if in_process else AudioProcess(config, self.state, self.report_error, self.report_status,
                                            report_about=self.report_error, on_answer=self._answered))
        self.core = self.audio.core  # in this process only with device 'none' or audio_process off
        if self.device != "none":  # a pattern node holds its first step until this stream plays (see clock.py)
            from exsampling_patch.nodes import clock as clocks

            clocks.add_player(self.node_id, self.clock, self.audio.opened)
            self.run_thread(OutputMeter(self.state, self.report_status, self.stop_event).run, "sampler-level")
        self.audio.start()
        started(self)  # takes whose wait for the rate the stop of the sampler it replaces ended (.assign)

    def leaving(self) -> None:
        self.leaving_patch = True  # removed by an edit: a take its stop ends the wait of is told not loaded at once

    @property
    def sample_rate_used(self) -> int:
        """The stream's sample rate, which takes are resampled to: the device's once the audio process has said it,
        48000 until then. Never waits: a take's handler waits for the device's (:func:`.rate.rate_for_takes`)."""
        return self.audio.sample_rate or 48000

    def stop(self) -> None:
        self.stop_event.set()  # first: a take waiting for the rate then ends its wait, sent to no process (.rate)
        stopped(self)
        if getattr(self, "audio", None) is not None:
            from exsampling_patch.nodes import clock as clocks

            clocks.remove_player(self.node_id, self.audio.opened)
            self.audio.stop()
        switch_before = getattr(self, "_switch_before", None)
        if switch_before is not None:
            sys.setswitchinterval(switch_before)
            self._switch_before = None
        super().stop()

    def _note_table(self) -> np.ndarray:
        return note_table(self.names, self.mapping, self.note_ranges)

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """The slot names and note ranges as :meth:`start` parses them: two slots of one name, a range past 0-127
        or naming no slot passed check, and the sampler then never started."""
        try:
            names = make_slot_names(params["slot_names"], params["slots"])
        except (TypeError, ValueError) as error:
            return {("slot_names",): str(error)}
        problems: dict[tuple[str, ...], str] = {}
        ranges = params.get("note_ranges")
        if params.get("mapping") == "note_range" and isinstance(ranges, dict):
            for name, text in ranges.items():
                try:
                    note_table(names, "note_range", {name: text})
                except (TypeError, ValueError) as error:
                    problems[("note_ranges", str(name))] = str(error)
        return problems

    @classmethod
    def note_slots(cls, params: Mapping[str, Any]) -> tuple[list[str], list[list[str]]] | None:
        """The slots, and the one each (channel, note) plays ('': none), as :meth:`start` builds the table: what
        ``exsampling check`` holds a pattern's notes to where ``mapping: note_range`` lets the note, not the
        channel, pick the slot. None with ``mapping: channel``: a pattern then plays each slot on a channel of its
        own order, which ``exsampling replay --patch`` varies on purpose (another slot table for the same show)."""
        if params.get("mapping") != "note_range":
            return None
        try:
            names = make_slot_names(params["slot_names"], params["slots"])
            table = note_table(names, params["mapping"], params["note_ranges"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # a value the sampler refuses: reported on it
        return names, [[names[s] if s >= 0 else "" for s in row] for row in table.tolist()]

    @classmethod
    def channel_slots(cls, params: Mapping[str, Any]) -> list[str] | None:
        """The slots in channel order (channel N plays slot N) with ``mapping: channel``; None otherwise."""
        if params.get("mapping") != "channel":
            return None
        try:
            return make_slot_names(params["slot_names"], params["slots"])
        except (KeyError, TypeError, ValueError, AttributeError):
            return None  # a value the sampler refuses: reported on it

    # -- MIDI -------------------------------------------------------------------------------------------------------

    def on_midi(self, message: Any) -> None:
        with self._ring_lock:
            push_midi(self.state.ring, message)

    def note_on(self, slot: str | int, note: int, velocity: int = 100) -> None:
        """Play a note on a slot (by name or index) from code; the channel is the slot's in channel mapping."""
        index = self._slot_index(slot)
        with self._ring_lock:
            self.state.ring.push(NOTE_ON, index if self.mapping == "channel" else 0, note, velocity,
                                 time.perf_counter())

    # -- takes ------------------------------------------------------------------------------------------------------

    def _slot_index(self, slot: str | int) -> int:
        if isinstance(slot, int):
            if not 0 <= slot < len(self.names):
                raise KeyError(f"slot index {slot} is out of range 0..{len(self.names) - 1}")
            return slot
        try:
            return self._index[slot.lower()]
        except KeyError:
            raise KeyError(f"no slot named {slot!r}; slots are {', '.join(self.names)}") from None

    def on_assign(self, assignment: SlotAssignment) -> None:
        assign_take(self, assignment)

    def _answered(self, answer: Answer) -> None:
        settle(self, answer)

    def on_upcoming(self, take: Take) -> None:
        try:
            rate = rate_for_takes(self)
        except SamplesNotShared:  # stopped: nothing is sent ahead (its assignment says what becomes of the take)
            return
        buffer = prepare_buffer(take, rate, None, self.max_seconds, guarded=self.audio.guarded)
        with self._records_lock:
            self._upcoming[take.take_id] = buffer
            self.audio.stage(buffer)
            while len(self._upcoming) > UPCOMING_KEEP:
                _, unused = self._upcoming.popitem(last=False)
                self.audio.unstage(unused)

    def _swap_due(self) -> float:
        """When a take assigned now should start to sound (``swap``): 0 for at once, else the output time of the
        next beat or bar of the beat clock (at once when no clock runs)."""
        if self.swap == "now":
            return 0.0
        from exsampling_patch.nodes import clock as clocks

        beat_clock = clocks.current(self.clock)
        if beat_clock is None or not beat_clock.playing:
            return 0.0
        unit = 1.0 if self.swap == "beat" else beat_clock.quantum
        return beat_clock.next_boundary(time.perf_counter() + SWAP_MARGIN, unit)

    def _load(self, index: int, take: Take, label: str | None, due: float = 0.0) -> None:
        self._serial += 1
        now = time.monotonic()
        ahead = self._upcoming.pop(take.take_id, None)
        if ahead is not None and ahead.take is not None and ahead.take.samples is take.samples \
                and ahead.take.sample_rate == take.sample_rate:
            # Same audio, sent ahead: only what the assignment adds (pitch, label) is new.
            buffer = replace(ahead, pitch_hz=take_pitch(take), label=label, take=take, prepared_at=now,
                             serial=self._serial, due=due)
        else:
            if ahead is not None:
                self.audio.unstage(ahead)
            buffer = replace(prepare_buffer(take, self.sample_rate_used, label, self.max_seconds, now=now,
                                            serial=self._serial, guarded=self.audio.guarded), due=due)
        previous, self.buffers[index] = self.buffers[index], buffer
        self._played.loaded(buffer.serial, take.take_id)
        try:
            self.audio.load(index, buffer)
        except SamplesNotShared:
            self.buffers[index] = previous
            raise
        status = {"slot": self.names[index], "label": label or "", "take": take.take_id, "swap_due": due,
                  **take.latency_status()}
        if self.audio.answers:  # told once the process has it (answers.settle)
            self._asked[buffer.serial] = Sent(None, False, False, status)
        else:
            try:
                self.report_status(**status)
            except Exception as error:  # the sound is in the slot: not to be taken for a take not loaded
                raise LoadedUntold(str(error)) from error

    def rollback(self, slot: str | int, steps: int = 1) -> str | None:
        """Load the take ``steps`` back in the slot's history (negative: forward); returns its take id. Raises
        :class:`.handoff.SamplesNotShared` where its samples could not be shared: the slot keeps its take."""
        index = self._slot_index(slot)
        untold: LoadedUntold | None = None
        with self._records_lock:
            record = self.records[index]
            position = record.position
            entry = record.step_back(steps)
            if entry is None:
                return None
            try:
                self._load(index, *entry)
            except SamplesNotShared:  # the slot keeps the take it had
                record.position = position
                raise
            except LoadedUntold as error:  # rolled back all the same: raised on, only the cause's text was told,
                untold = error  # read as a roll-back that failed
        if untold is not None:
            self.report_error(f"slot {record.name} rolled back to {entry[0].name}, but its status could not be told: "
                              f"{error_text(untold.__cause__ or untold)}")
        return entry[0].take_id

    def clear(self, slot: str | int) -> None:
        """Empty a slot (its history is kept)."""
        index = self._slot_index(slot)
        with self._records_lock:
            # Numbered as a take is (before, every clear was 0): the audio process's answer is matched to this clear,
            # and a take sent before it, answered late, is not taken for newer and put back in the slot.
            self._serial += 1
            cleared = replace(EMPTY, serial=self._serial)
            self.records[index].position = -1
            self.buffers[index] = cleared
            self.audio.load(index, cleared)

    # -- control ----------------------------------------------------------------------------------------------------

    def on_control(self, value: ControlValue) -> None:
        target, _, what = value.name.rpartition(".")
        what = what.lower()
        if target.lower() in ("master", "all", ""):
            if what == "gain":
                self.state.master[0] = max(0.0, min(4.0, value.value))
            elif what == "notes_off":
                with self._ring_lock:
                    self.state.ring.push(ALL_OFF, -1, 0, 0)  # every channel: every slot
            else:
                self._unknown_control(value.name, f"unknown control {value.name!r}: use master.gain or all.notes_off")
            return
        try:
            index = self._slot_index(target)
        except KeyError as error:
            self._unknown_control(value.name, f"control {value.name!r}: {error.args[0]}")
            return
        if what == "gain":
            self.state.gain[index] = max(0.0, min(4.0, value.value))
        elif what == "mute":
            self.state.mute[index] = value.value >= 0.5
        elif what == "lock":
            self.records[index].locked = value.value >= 0.5
        elif what == "rollback":
            self.rollback(index, int(value.value) or 1)
        else:
            self._unknown_control(value.name, f"unknown control {value.name!r}: use <slot>.gain, .mute, .lock or "
                                  ".rollback")
            return
        self.report_status(slot=self.names[index])

    def _unknown_control(self, name: str, text: str) -> None:
        """Say it once per name: one OSC controller often feeds a pattern node too (its tempo: a fader sends dozens
        a second), and every one of them was an error here."""
        if name not in self._unknown:
            self._unknown.add(name)
            self.report_error(text)

    # -- observers ----------------------------------------------------------------------------------------------------

    def slot_states(self) -> list[dict[str, Any]]:
        """Each slot: name, take id, take name (how to show it: ``Take.name``), label, pitch_hz, gain, locked,
        muted, history (take ids, oldest first), history_takes (the same takes told: take_id, name, source, label,
        recorded_at; the editor's history combo lists them so), position (index in history of the loaded take),
        level (peak of the last block), voices (sounding), notes (note-ons that reached the slot so far: MIDI
        activity), audition ((channel, note) of a MIDI note that plays the slot, or None) and overview (float32
        peaks)."""
        states = []
        for i, record in enumerate(self.records):
            buffer = self.buffers[i]
            states.append({
                "name": record.name,
                "take": buffer.take_id or None,
                "take_name": buffer.take.name if buffer.take is not None else None,
                "label": buffer.label,
                "pitch_hz": buffer.pitch_hz or None,
                "path": str(buffer.take.path) if buffer.take is not None and buffer.take.path else None,
                "gain": float(self.state.gain[i]),
                "locked": record.locked,
                "muted": bool(self.state.mute[i]),
                "history": [t.take_id for t, _ in record.history],
                "history_takes": [{"take_id": t.take_id, "name": t.name, "source": t.source, "label": label,
                                   "recorded_at": t.recorded_at} for t, label in record.history],
                "position": record.position,
                "level": float(self.state.levels[i]),
                "voices": int(self.state.voices_active[i]),
                "notes": int(self.state.notes_in[i]),
                "audition": self._audition[i],
                "overview": buffer.overview,
            })
        return states

    def sounding(self, slot: str | int) -> str | None:
        """The id of the take the audio callback now plays in ``slot`` (None before it has taken it up)."""
        index = self._slot_index(slot)
        buffer = self.buffers[index]
        if int(self.state.loaded_serial[index]) != buffer.serial:
            return None
        return buffer.take_id or None

    def played(self, limit: int = 4096) -> list[dict[str, Any]]:
        """What the audio callback has done since the last call, at the stream frame it did it: each MIDI event it
        applied (``type``, ``channel``, ``note``, ``velocity``, ``source``: ``midi`` for the node's input and
        :meth:`note_on`, ``port:<name>`` for its own MIDI ports; ``stamp``: when it was queued, on the
        ``time.perf_counter()`` clock; ``sender``, where it had one: its sender's tag), each take a slot took up
        (``type`` ``swap``, ``slot``, ``take_id``) and each gain, mute or master-gain change it applied from that
        block on (``type`` ``control``, ``name`` as a control's: ``HH.gain``, ``HH.mute``, ``master.gain``;
        ``value``). Each has the ``epoch`` of the audio process that did it (a restarted one counts its frames from
        0 again). Every :data:`.played.CLOCK_EVERY` s, the stream's clock (``type`` ``clock``: a block's ``frame``
        and its start, ``block_time``, filtered by the callback's block clock): where a replay places a restarted
        process's frames. Each xrun the stream reported (``type`` ``xrun``: ``count`` so far, ``frame`` of the block the
        callback saw it at).

        Read from a ring the callback fills without waiting (``state.played``): one reader only (the show log's
        thread). What a reader does not take in time is dropped there, never waited for (:mod:`.played`)."""
        return self._played.read(limit)

    def stats(self) -> dict[str, Any]:
        """Audio statistics: callbacks, xruns, notes started, voices stolen, callback time (median/max ms) over
        the recent callbacks, the stream's sample rate (0 until the audio process has said it: never waited for) and
        where the audio runs."""
        times = self.state.recent_callback_seconds()
        if times.size == 0:
            times = np.zeros(1)
        return {"callbacks": self.state.callbacks, "xruns": self.state.xruns,
                "notes": self.state.notes_started, "steals": self.state.steals, "late_events": self.state.late_events,
                "late_dropped": self.state.late_dropped, "unstarted_dropped": self.state.unstarted_dropped,
                "output_latency_ms": self.state.output_latency * 1000.0,
                "callback_ms_median": float(np.median(times) * 1000), "callback_ms_max": float(times.max() * 1000),
                "sample_rate": self.audio.sample_rate, "audio_process": self.core is None}

