"""MIDI in and out (mido over python-rtmidi): drive the sampler from a keyboard, or tell any DAW about takes.

A named port that disappears is reported and re-opened when it comes back; a virtual port is the node's
own (other programs connect to it). See :mod:`exsampling_patch.midi_ports`.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Mapping
from typing import Any

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.midi_ports import API_CHOICES, PortKeeper, stop_keepers
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.nodes.midi_sender import sender_of
from exsampling_patch.ports import CONTROL, MIDI, SLOT

DEFAULT_SLOTS = ["HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus"]
#: What a ``midi_clock`` sends a slave: held for after a timed stop, it is void (the slave stopped there).
REALTIME = ("clock", "start", "continue", "songpos")


def unused_port(params: Mapping[str, Any], default: object, listens: str) -> dict[tuple[str, ...], str]:
    """A warning on ``port`` where ``virtual_port`` is not '': the node opens that one and never looks for ``port``.
    A performer who wrote ``port: 'scratchmaster'`` alone got the virtual port, and only a missing MIDI clock
    five seconds into the run told that something was wrong."""
    port, virtual = params.get("port"), params.get("virtual_port", default)
    if not port or not virtual:
        return {}
    whose = "virtual_port's default" if virtual == default else "virtual_port"
    return {("port",): f"not used: the node opens a port of its own, {virtual!r} ({whose}), for other programs to "
                       f"connect to, and does not {listens} {port!r}; set virtual_port: '' to {listens} {port!r}"}


class MidiIn(Node):
    """Emit the MIDI messages arriving on a port (a virtual port it opens, or an existing one by name)."""

    type_name = "midi_in"
    family = "sources"

    midi = Output(MIDI, "every message received (filtered by channel)")

    virtual_port = Param(str, "exsampling in", "MIDI input port the node opens ('' for none: then it listens to port)")
    port = Param(str, "", "existing MIDI output to listen to, by (part of its) name; only with virtual_port: ''")
    channel = Param(int, 0, "only this channel (1-16); 0: all", minimum=0, maximum=16)
    api = Param(str, "auto", "rtmidi API (auto: MIDO_BACKEND, else ALSA, or JACK without ALSA)", choices=API_CHOICES)

    @classmethod
    def check_warnings(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        return unused_port(params, cls.virtual_port.default, "listen to")

    def start(self) -> None:
        self.received = 0
        self.keeper = PortKeeper("input", port=self.port, virtual=self.virtual_port, client_name=self.node_id,
                                 api=self.api, on_message=self._on_message, report_error=self.report_error,
                                 report_status=self.report_status)
        self.keeper.start()

    def stop(self) -> None:
        keeper = getattr(self, "keeper", None)  # none when start() failed before it
        if keeper is not None:
            # Its thread and its close within one wait (keeper.stop() waited for each in turn: 4 s for a stuck one)
            stop_keepers([keeper])
        super().stop()

    def _on_message(self, message: Any) -> None:
        if self.channel and getattr(message, "channel", self.channel - 1) != self.channel - 1:
            return
        self.received += 1
        self.emit("midi", message)


class MidiOut(Node):
    """Send a note or a control change for each slot assignment, and pass MIDI and controls to a port.

    A MIDI message with a time to be heard (a ``pattern`` node's, sent ahead) is held until then."""

    type_name = "midi_out"
    family = "outputs"

    assignment = Input(SLOT, "each assignment sends a note (or CC)", multiple=True)
    midi = Input(MIDI, "MIDI messages sent as they are", multiple=True)
    control = Input(CONTROL, "control values sent as CC 'cc' scaled 0..1 -> 0..127", multiple=True)

    virtual_port = Param(str, "exsampling out", "MIDI output port the node opens ('' for none: then it sends to port)")
    port = Param(str, "", "existing MIDI input to send to, by (part of its) name; only with virtual_port: ''")
    mode = Param(str, "note", "what an assignment sends: a note, or a control change", choices=("note", "cc"))
    channel = Param(int, 0, "channel 1-16; 0: the slot's position in 'slots' (channel N for slot N)",
                    minimum=0, maximum=16)
    slots = Param(list, DEFAULT_SLOTS, "slot names in channel order (for channel 0)")
    note = Param(int, 60, "note sent (mode note)", minimum=0, maximum=127)
    velocity = Param(int, 100, "note velocity; 0: the assignment's confidence x 127", minimum=0, maximum=127)
    length_ms = Param(float, 100.0, "time until the note off", minimum=1.0, maximum=60000.0, unit="ms")
    cc = Param(int, 20, "controller number (mode cc and control values)", minimum=0, maximum=127)
    api = Param(str, "auto", "rtmidi API (auto: MIDO_BACKEND, else ALSA, or JACK without ALSA)", choices=API_CHOICES)

    @classmethod
    def check_warnings(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        return unused_port(params, cls.virtual_port.default, "send to")

    def start(self) -> None:
        # Messages held for later, by when they go out on the perf_counter clock: the clock of a timed message's
        # time, so it is kept as it came. Converted to another clock message by message, two messages stamped
        # microseconds apart (a step's note off and the next note on) went out in either order when the thread was
        # preempted between the two clock reads.
        self._offs: list[tuple[float, int, Any]] = []
        self._serial = 0
        self._wake = threading.Condition()
        self.keeper = PortKeeper("output", port=self.port, virtual=self.virtual_port, client_name=self.node_id,
                                 api=self.api, report_error=self.report_error, report_status=self.report_status)
        self.keeper.start()
        self.run_thread(self._note_offs, name=f"{self.node_id}-offs")

    def stop(self) -> None:
        self.stop_event.set()
        wake = getattr(self, "_wake", None)  # what start() made before it failed, if it did
        if wake is not None:
            with wake:
                wake.notify()
        super().stop()
        keeper = getattr(self, "keeper", None)
        if keeper is None:
            return
        for _, _, message in self._offs:  # never leave a note hanging (nor start one, or a clock, held for later)
            if message.type not in ("note_on", "clock", "start", "continue", "songpos"):
                keeper.send(message)
        stop_keepers([keeper])  # its thread and its close within one wait, as midi_in's

    def _channel_for(self, slot: str) -> int:
        if self.channel:
            return self.channel - 1
        lowered = [str(s).lower() for s in self.slots]
        if slot.lower() not in lowered:
            raise KeyError(f"slot {slot!r} is not in midi_out's slots ({', '.join(map(str, self.slots))})")
        return lowered.index(slot.lower()) % 16

    def on_assignment(self, assignment: SlotAssignment) -> None:
        import mido

        channel = self._channel_for(assignment.slot)
        if self.mode == "cc":
            value = max(0, min(127, round(assignment.confidence * 127)))
            self._send(mido.Message("control_change", channel=channel, control=self.cc, value=value))
            return
        velocity = self.velocity or max(1, min(127, round(assignment.confidence * 127)))
        self._send(mido.Message("note_on", channel=channel, note=self.note, velocity=velocity))
        off = mido.Message("note_off", channel=channel, note=self.note)
        with self._wake:
            self._serial += 1
            heapq.heappush(self._offs, (time.perf_counter() + self.length_ms / 1000.0, self._serial, off))
            self._wake.notify()

    def on_midi(self, message: Any) -> None:
        from exsampling_patch.nodes.sampler.rig import message_due

        now = time.perf_counter()
        due = message_due(message, now)
        if due and message.type == "control_change" and message.control in (120, 123):
            self._cancel(message.channel, due, sender_of(message))
            if sender_of(message):
                # its sender's notes end with their own note-offs at its time: sent on, it ended every note of the
                # channel at the synth, those of a keyboard played through this node too
                return
        if due and message.type == "stop":  # a slave stops where the groove did: what a midi_clock sent ahead is void
            with self._wake:
                self._offs = [held for held in self._offs if held[0] <= due or held[2].type not in REALTIME]
                heapq.heapify(self._offs)
        if due <= now:
            self._send(message)
            return
        # A timed message (a pattern node's, sent ahead): held until its time, so a DAW hears it then.
        with self._wake:
            self._serial += 1
            heapq.heappush(self._offs, (due, self._serial, message.copy(time=0)))
            self._wake.notify()

    def _cancel(self, channel: int, due: float, sender: int = 0) -> None:
        """A timed all-notes-off voids what was sent ahead of it for after its time (a pattern stopped, or its master
        started again: see the sampler's core): the held note-ons of its channel due after it go, their note-offs go
        out at its time, before it (a synth may ignore all-notes-off); at once when that has come, so that they
        precede the notes sent from it on. With a ``sender`` tag, only that sender's: another pattern's hits sent
        ahead on the channel went too."""
        now = time.perf_counter()
        with self._wake:
            kept: list[tuple[float, int, Any]] = []
            offs: list[tuple[float, int, Any]] = []
            for at, serial, message in self._offs:
                if at > due and message.type in ("note_on", "note_off") and message.channel == channel \
                        and (sender == 0 or sender_of(message) == sender):
                    if message.type == "note_off" or message.velocity == 0:
                        (offs if due <= now else kept).append((due, serial, message))
                    continue
                kept.append((at, serial, message))
            heapq.heapify(kept)
            self._offs = kept
        for _, _, message in offs:
            self.keeper.send(message)

    def on_control(self, value: ControlValue) -> None:
        import mido

        channel = max(0, self.channel - 1)
        level = max(0, min(127, round(value.value * 127)))
        self._send(mido.Message("control_change", channel=channel, control=self.cc, value=level))

    def _send(self, message: Any) -> None:
        if self.keeper.send(message):
            self.report_status(sent=str(message))
        else:
            self.report_error(f"MIDI out not open: {message} not sent")

    def _note_offs(self) -> None:
        while not self.stop_event.is_set():
            with self._wake:
                if not self._offs:
                    self._wake.wait(0.5)
                    continue
                due = self._offs[0][0] - time.perf_counter()
                if due > 0:
                    self._wake.wait(due)
                    continue
                _, _, message = heapq.heappop(self._offs)
            self.keeper.send(message)
