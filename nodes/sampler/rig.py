"""What plays: the audio core, its output stream and its MIDI input ports, built from one config.

The same :class:`AudioRig` runs in the node's process (:class:`.local.LocalAudio`) or in an audio
process of its own (:mod:`.server`, driven by :class:`.host.AudioProcess`). sounddevice and mido are
imported only when the stream or a port opens.
"""

from __future__ import annotations

import collections
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from exsampling_patch.nodes.sampler.core import SamplerCore
from exsampling_patch.nodes.sampler.prepare import SlotBuffer
from exsampling_patch.nodes.sampler.ring import ALL_OFF, NOTE_OFF, NOTE_ON, EventRing
from exsampling_patch.nodes.sampler.shared import SharedState

KEEP_BUFFERS = 4  # buffers the loader keeps per slot, so that the callback never frees one
#: GIL hand-over interval (seconds) in a process that runs the callback: the runtime's own (0.5 ms; Python's
#: default is 5 ms, a whole block), so that another thread gives the callback the GIL within it. Written here rather
#: than imported from exsampling_patch.runtime.engine: the audio process would import the whole runtime (most of its
#: start-up, before it can go realtime); tests/outputs/test_sampler_switch.py keeps the two equal.
SWITCH_INTERVAL = 0.0005


@dataclass
class MidiInput:
    """A MIDI input port the rig opens: an existing ``port`` (by name) or a ``virtual`` one."""

    port: str = ""
    virtual: str = ""
    api: str = "auto"
    client_name: str = "exsampling-sampler"


@dataclass
class AudioConfig:
    """Everything the rig needs, picklable (it travels to the audio process)."""

    slots: int
    sample_rate: int
    note_slot: np.ndarray
    polyphony: int = 8
    max_frames: int = 4096
    root_note: int = 60
    velocity_curve: float = 1.0
    attack_ms: float = 1.0
    release_ms: float = 30.0
    crossfade_ms: float = 10.0
    one_shot: bool = False
    device: str = ""  # "none": no stream (the core is rendered by whoever calls render)
    blocksize: int = 0
    channels: int = 2
    latency: str = "low"
    midi_inputs: list[MidiInput] = field(default_factory=list)
    #: The stream played through a JACK server that went away and answers again: open it there or nowhere (see
    #: .stream.AudioOutput); set by the node for the audio process it starts once the server is back.
    jack_only: bool = False
    #: Seconds from the audio process's start until a stream neither opened nor failed is told (see .server).
    open_notice: float = 5.0


#: A timed message's time may lie this far in the past (it then plays at once) or in the future; any other
#: ``time`` (mido's delta times in a file, 0 from a port) means "now".
DUE_PAST, DUE_FUTURE = 1.0, 10.0


def message_due(message: Any, now: float) -> float:
    """When a timed MIDI message should be heard (its ``time``: a ``time.perf_counter()``, as the ``pattern`` node
    stamps them), or 0 for a message to play at once."""
    due = getattr(message, "time", 0)
    if isinstance(due, float) and now - DUE_PAST < due < now + DUE_FUTURE:
        return due
    return 0.0


def push_midi(ring: EventRing, message: Any) -> None:
    """Queue a mido message's note on/off (or all-notes-off CC 120/123) on ``ring``, time-stamped with when it arrived
    at its MIDI input (now, for one that came otherwise: OSC, a file), with the time it should be heard when it has
    one (:func:`message_due`) and its sender's tag (see nodes/midi_sender.py)."""
    # here, not at the top: midi_reader imports mido, which the audio process imports only once a port opens
    from exsampling_patch.midi_reader import arrival_of

    kind = getattr(message, "type", "")
    arrived = arrival_of(message)
    # Not when it is handed on: the notes queued while another thread held the GIL came together, stamped as a chord
    # (the show log, the played ring and note_wait had them shifted and bunched by up to the hold, 0.1-0.2 s).
    now = time.perf_counter() if arrived is None else arrived
    sender = int(getattr(message, "sender", 0))  # as midi_sender.sender_of, without importing mido here
    if kind == "note_on":
        ring.push(NOTE_ON, message.channel, message.note, message.velocity, now, message_due(message, now), sender)
    elif kind == "note_off":
        ring.push(NOTE_OFF, message.channel, message.note, 0, now, message_due(message, now), sender)
    elif kind == "control_change" and message.control in (120, 123):
        ring.push(ALL_OFF, message.channel, 0, 0, now, message_due(message, now), sender)


class AudioRig:
    """The core, playing on a stream, with its MIDI input ports; reports through the callbacks given."""

    def __init__(
        self,
        config: AudioConfig,
        state: SharedState,
        report_error: Callable[[str], None],
        report_status: Callable[..., None],
        on_opened: Callable[[str | None], None] = lambda jack_client: None,
        pool: np.ndarray | None = None,
        on_jack_back: Callable[[], None] | None = None,
        report_about: Callable[[str, str], None] | None = None,
    ) -> None:
        self.config = config
        self.report_error, self.report_status, self.on_opened = report_error, report_status, on_opened
        #: ``(text, about)``: an error told with the device it is about (Node.report_error's ``about``), so that it
        #: stands until that one opens again; without it, errors go to ``report_error`` alone.
        self.report_about = report_about
        self.on_jack_back = on_jack_back  # see AudioOutput: a JACK server that went away answers again
        self.port_rings = [EventRing() for _ in config.midi_inputs]
        self.core = SamplerCore(
            config.slots, config.sample_rate, polyphony=config.polyphony, max_frames=config.max_frames,
            note_slot=config.note_slot, root_note=config.root_note, velocity_curve=config.velocity_curve,
            attack_ms=config.attack_ms, release_ms=config.release_ms, crossfade_ms=config.crossfade_ms,
            one_shot=config.one_shot, rings=self.port_rings, state=state, pool=pool,
        )
        self.recent: list[collections.deque[SlotBuffer]] = [
            collections.deque(maxlen=KEEP_BUFFERS) for _ in range(config.slots)
        ]
        self.output: Any = None
        self.keepers: list[Any] = []

    def start(self) -> None:
        from exsampling_patch.midi_ports import PortKeeper
        from exsampling_patch.nodes.sampler.stream import AudioOutput

        c = self.config
        if c.device != "none":
            self.output = AudioOutput(self.core, c.device, c.blocksize, c.channels, c.latency,
                                      report_error=self._about("device"), report_status=self.report_status,
                                      on_opened=self.on_opened, on_jack_back=self.on_jack_back,
                                      jack_only=c.jack_only)
            self.output.start()
        for ring, midi in zip(self.port_rings, c.midi_inputs, strict=True):
            keeper = PortKeeper("input", port=midi.port, virtual=midi.virtual, client_name=midi.client_name,
                                api=midi.api, on_message=functools.partial(push_midi, ring),
                                report_error=self._about("midi_port"), report_status=self.report_status)
            keeper.start()
            self.keepers.append(keeper)

    def _about(self, key: str) -> Callable[[str], None]:
        """How the part whose opening its status tells with ``key`` reports its errors."""
        about = self.report_about
        return self.report_error if about is None else lambda text: about(text, key)

    def load(self, slot: int, buffer: SlotBuffer, retain: bool = True) -> None:
        """Hand ``buffer`` to the callback for ``slot``. With ``retain`` the last few buffers stay referenced
        here, so the callback never drops the last reference to one (freeing megabytes there would cost a
        syscall); a buffer that only looks into shared memory owned elsewhere needs no keeping."""
        if retain:
            self.recent[slot].append(buffer)
        self.core.load(slot, buffer)

    def midi_open(self) -> list[str]:
        """The name of each MIDI input port now open ('' where it is not)."""
        return [keeper.opened_name if keeper.opened is not None else "" for keeper in self.keepers]

    def stop(self, at_exit: bool = False) -> None:
        """Stop the MIDI inputs and the stream. ``at_exit``: in an audio process about to end (see
        :meth:`.stream.AudioOutput.stop`)."""
        from exsampling_patch.midi_ports import stop_keepers

        stop_keepers(self.keepers)  # together, bounded in all: one after another, N inputs took N closes' waits
        if self.output is not None:
            self.output.stop(at_exit)
