"""A MIDI input read by a Python thread of ours, never by Python on rtmidi's MIDI thread.

With a callback set, rtmidi's MIDI thread (under JACK, JACK's realtime process thread) took the GIL for every message:
any thread holding the GIL longer than a JACK period (a full garbage collection, 22-84 ms with 55,000 objects; torch
work) made JACK drop the MIDI of the cycles it missed (notes lost, a note off lost and its note hung), and deleting the
client while that thread waited for the GIL hung the process. Here no callback is ever set: rtmidi queues each message
in C, with its delta time measured on the MIDI thread, and :class:`PolledInput`'s thread takes them from that queue.
mido opens no input here: its ``Input`` always sets a callback, and cannot size rtmidi's queue.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

import mido

#: rtmidi's queue, in messages (python-rtmidi's ``queue_size_limit``; its default is 1024). A MIDI cable carries at
#: most ~1,000 messages a second: this holds 8 s of it while the GIL is held elsewhere; past that, rtmidi drops (and
#: says so on stderr), and the reader anchors the arrival times again once it has caught up (``PolledInput._read``).
QUEUE_SIZE = 8192
#: How long the reader sleeps when rtmidi's queue is empty: what it adds to a message's delivery, at most.
POLL_SECONDS = 0.001
#: Active sensing (a status byte alone, every 300 ms from most hardware): timed, then dropped (see ``_read``).
ACTIVE_SENSING = 0xFE
#: How much faster the monotonic clock may run than rtmidi's (per second) before an arrival time drifts: 200 ppm.
#: JACK's clock (CLOCK_MONOTONIC_RAW) and perf_counter were measured 0.02 ppm apart here, with no NTP slew; a slew
#: may reach 500 ppm, but is rare and short. The allowance is also how late a message read while the GIL is held
#: may be stamped after a silence (it lets the offset rise meanwhile): 1000 ppm put a note after a minute's silence
#: up to 60 ms late, 200 ppm at most 12 ms.
DRIFT = 2e-4


class ArrivalClock:
    """``time.perf_counter()`` arrival times of the messages of one input, from rtmidi's delta times.

    Each delta was measured on the MIDI thread as the message came; the reader sees it later, by its poll and by
    however long another thread held the GIL. Their running sum is the arrivals on rtmidi's clock; its offset to ours
    is at most what any look saw (``now - sum``: nothing is seen before it arrives), so the least of those is kept. A
    burst read after a held GIL keeps its spacing, and the poll's jitter is no tempo jitter."""

    def __init__(self) -> None:
        self._sum = 0.0
        self._offset: float | None = None
        self._seen = 0.0  # when the offset was last looked at

    def arrival(self, delta: float, now: float) -> float:
        """When the message with rtmidi's ``delta`` (seconds since the one before), read at ``now``, arrived."""
        self._sum += delta
        bound = now - self._sum
        if self._offset is None:
            self._offset = bound
        else:  # let it rise as far as the clocks may drift apart meanwhile, never past what this look saw
            self._offset = min(self._offset + DRIFT * (now - self._seen), bound)
        self._seen = now
        return self._sum + self._offset

    def anchor_again(self) -> None:
        """Forget the offset: the next look sets it again. For after rtmidi dropped messages (its queue full): each
        delta counts from the message before it, dropped or not, so the sum lost their time for good, and the offset
        rose back only by DRIFT a second: arrivals stayed early by that gap."""
        self._offset = None


class ArrivedMessage(mido.Message):
    """A mido message with when it arrived (``arrived``, on ``time.perf_counter()``): see :func:`arrival_of`. It
    equals the same message without: the time says when it came, not what it is."""

    __slots__ = ("arrived",)

    def __reduce__(self) -> tuple[Any, ...]:  # mido's __setattr__ refuses the slot a plain unpickling would set
        return _rebuilt, (arrival_of(self), dict(vars(self)))


def _rebuilt(arrived: float | None, fields: dict[str, Any]) -> Any:
    fields = dict(fields)
    message = ArrivedMessage(fields.pop("type"), **fields)
    object.__setattr__(message, "arrived", arrived)
    return message


def arrival_of(message: Any) -> float | None:
    """When ``message`` arrived at a MIDI input (``time.perf_counter()``), or None where it is not known."""
    arrived = getattr(message, "arrived", None)
    return arrived if isinstance(arrived, float) else None


class PolledInput:
    """An rtmidi input whose messages a thread of its own hands on, in order, to ``on_message`` (as
    :class:`ArrivedMessage`); what ``on_message`` raises goes to ``on_error`` (what that raises to stderr) and the
    next message comes."""

    def __init__(self, rt: Any, name: str, on_message: Callable[[Any], object] | None,
                 on_error: Callable[[BaseException], None]) -> None:
        self.name = name
        self.closed = False
        self._rt: Any = rt
        self._on_message, self._on_error = on_message, on_error
        self._lock = threading.Lock()  # rt is deleted by a close while the reader may be reading it
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read, name=f"midi-read-{name}", daemon=True)
        self._thread.start()

    def close(self, until: float | None = None) -> None:
        """Delete the client at once (no callback runs on its thread: nothing to wait for), then wait, until ``until``
        (a monotonic time; else 2 s), for a message being handed on to be done."""
        self._stop.set()
        with self._lock:
            rt, self._rt = self._rt, None
        if rt is not None:
            rt.close_port()
            rt.delete()
        self.closed = True
        if threading.current_thread() is not self._thread:
            self._thread.join(max(0.0, (time.monotonic() + 2.0 if until is None else until) - time.monotonic()))

    def _take(self) -> tuple[list[int], float] | None:
        with self._lock:
            return None if self._rt is None else self._rt.get_message()

    def _read(self) -> None:
        clock = ArrivalClock()
        run = 0  # messages taken since the queue was last seen empty
        while not self._stop.is_set():
            taken = self._take()
            if taken is None:
                if run >= QUEUE_SIZE - 1:  # the queue may have been full (rtmidi said so on stderr): a gap in the sum
                    clock.anchor_again()
                run = 0
                time.sleep(POLL_SECONDS)
                continue
            now = time.perf_counter()
            run += 1
            data, delta = taken
            # Every message taken is timed, those dropped below too: rtmidi's delta counts from the message before,
            # whatever it was, and a message left out of the sum took its time from every arrival after it (active
            # sensing every 300 ms had a 150 BPM master read as 155, then taken as stopped while it played).
            arrived = clock.arrival(delta, now)
            message = _parsed(data)
            if message is not None:
                object.__setattr__(message, "arrived", arrived)
                self._hand_on(message)

    def _hand_on(self, message: Any) -> None:
        if self._on_message is None:
            return
        try:
            self._on_message(message)
        except BaseException as error:
            # Whatever it raises, SystemExit and KeyboardInterrupt too: raised on this thread they would end only
            # this thread (neither reaches the process's main thread), and the input went deaf with no word said.
            # One message's failure stops no later one.
            self._report(error)

    def _report(self, error: BaseException) -> None:
        try:
            self._on_error(error)
        except BaseException:  # the reporter failing must not end the reader either: said here
            print(f"MIDI input {self.name!r}: a message was not taken ({error!r}), and reporting it failed:",
                  file=sys.stderr)
            traceback.print_exc(file=sys.stderr)


def _parsed(data: list[int]) -> ArrivedMessage | None:
    """The message in ``data``, or None for active sensing (a link check, no music: nothing here uses it) and for what
    is not a MIDI message (as mido's own input drops it)."""
    if data and data[0] == ACTIVE_SENSING:
        return None
    try:
        return ArrivedMessage.from_bytes(data)
    except ValueError:
        return None


def open_polled(api: str | None, name: str, client_name: str, on_message: Callable[[Any], object] | None,
                on_error: Callable[[BaseException], None]) -> PolledInput:
    """An input of rtmidi ``api`` (None: rtmidi's choice) named ``name``, in JACK client (or ALSA client)
    ``client_name``, read by a thread of its own.

    A port of its own named ``name``, as mido opens any port given a client name: the port keeper links it to the
    port ``name`` (:func:`exsampling_patch.midi_ports.jack_link`)."""
    import rtmidi

    rtapi = getattr(rtmidi, f"API_{api}") if api else rtmidi.API_UNSPECIFIED
    rt = rtmidi.MidiIn(rtapi=rtapi, name=client_name, queue_size_limit=QUEUE_SIZE)
    try:
        # Before the port opens: rtmidi ignores clock by default, and ticks that came before this were lost. Nothing
        # ignored: rtmidi's JACK input stamps each event's time before its ignore check, so the delta of the message
        # after an ignored one counted from that one, and its time was lost to the arrivals (see _read).
        rt.ignore_types(sysex=False, timing=False, active_sense=False)
        rt.open_virtual_port(name)
    except BaseException:
        rt.delete()
        raise
    return PolledInput(rt, name, on_message, on_error)
