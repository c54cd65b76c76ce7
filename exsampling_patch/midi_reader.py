"""A MIDI input read by a Python thread of ours, never by Python on rtmidi's MIDI thread.

With a callback set, rtmidi's MIDI thread (under JACK, JACK's realtime process thread) took the GIL for every message:
any thread holding the GIL longer than a JACK period (a full garbage collection, 22-84 ms with 55,000 objects; torch
work) made JACK drop the MIDI of the cycles it missed (notes lost, a note off lost and its note hung), and deleting the
client while that thread waited for the GIL hung the process. Here no callback is ever set: rtmidi queues each message
in C, with its delta time measured on the MIDI thread, and :class:`PolledInput`'s thread takes them from that queue.
mido opens no input here: its ``Input`` always sets a callback, and cannot size rtmidi's queue.

rtmidi's JACK input stamps each message with ``jack_get_time()`` in the process callback, and hands on the difference
to the message before (the first message's delta is 0: it counts from nothing, not from the port's open). So the
reader looks at JACK's clock too (the libjack rtmidi itself loaded: CLOCK_MONOTONIC_RAW in JACK2), maps it onto
``time.perf_counter()`` (CLOCK_MONOTONIC, NTP-slewed) with a pair of reads at each look, and sends its own port an
anchor as it opens, for the first message to have a place.
"""

from __future__ import annotations

import ctypes
import os
import re
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
#: How far the offset may rise a second. Looks are on rtmidi's own clock (JACK's, or for ALSA its queue's, kept by the
#: kernel as CLOCK_MONOTONIC is): the two never run apart; this covers float sums only. 1000 ppm (an NTP slew between
#: CLOCK_MONOTONIC_RAW and ours, assumed) let a note read during a held GIL after a minute's silence be stamped 60 ms
#: late; measured here, JACK's clock and ours ran 0.02 ppm apart (adjtimex: no slew).
DRIFT = 1e-5
#: What the reader sends its own port as it opens (a SysEx of the non-commercial ID 0x7D), then drops: rtmidi's first
#: delta counts from nothing, so without it the first messages read while the GIL was held were stamped when read.
ANCHOR = [0xF0, 0x7D, 0x65, 0x78, 0x73, 0xF7]
#: How long after its send the anchor may come at the latest: the next JACK cycle (a 1024-frame period at 48 kHz,
#: 21 ms) and a late wake-up. Read late, the anchor is placed there, not when read.
ANCHOR_SLACK = 0.025
#: How long the anchor's sender is kept if its anchor never comes back (its JACK client is closed then).
ANCHOR_WAIT = 2.0


class ArrivalClock:
    """``time.perf_counter()`` arrival times of the messages of one input, from rtmidi's delta times.

    Each delta was measured on the MIDI thread as the message came; the reader sees it later, by its poll and by
    however long another thread held the GIL. Their running sum is the arrivals on rtmidi's clock; its offset to ours
    is at most what any look saw (``now - sum``: nothing is seen before it arrives), so the least of those is kept. A
    burst read after a held GIL keeps its spacing, and the poll's jitter is no tempo jitter. ``now`` is on rtmidi's
    clock (see :func:`_looks`): the offset does not drift, and stays right through any silence."""

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

    def place(self, earliest: float, latest: float) -> None:
        """The message last timed came between ``earliest`` and ``latest`` (rtmidi's clock): the reader's anchor, sent
        then. Kept over the looks: a first look read during a held GIL said only when it was read."""
        assert self._offset is not None
        self._offset = min(max(self._offset, earliest - self._sum), latest - self._sum)

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
                 on_error: Callable[[BaseException], None], jack: Anchor | None = None) -> None:
        self.name = name
        self.closed = False
        #: Set once the anchor came back (or none was sent: not JACK, or it failed)
        self.anchored = threading.Event()
        self._rt: Any = rt
        self._jack = jack
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
        look = _looks(self._jack.clock if self._jack else None)
        sent = self._jack.send() if self._jack else None  # (earliest, latest) on JACK's clock
        if sent is None:
            self.anchored.set()
        run = 0  # messages taken since the queue was last seen empty
        last = float("-inf")
        while not self._stop.is_set():
            taken = self._take()
            if taken is None:
                if run >= QUEUE_SIZE - 1:  # the queue may have been full (rtmidi said so on stderr): a gap in the sum
                    clock.anchor_again()
                run = 0
                if sent is not None and self._jack is not None and self._jack.expired():
                    sent = None
                    self.anchored.set()
                    self._jack.close()
                time.sleep(POLL_SECONDS)
                continue
            now, ours = look()
            run += 1
            data, delta = taken
            # Every message taken is timed, those dropped below too: rtmidi's delta counts from the message before,
            # whatever it was, and a message left out of the sum took its time from every arrival after it (active
            # sensing every 300 ms had a 150 BPM master read as 155, then taken as stopped while it played).
            # Never before the one before: rtmidi's order is the arrival order, and the map onto ours moves by JACK's
            # microsecond at each look while messages of one cycle come a microsecond or less apart.
            arrived = last = max(clock.arrival(delta, now) + ours, last)
            if sent is not None and data == ANCHOR:
                clock.place(sent[0], sent[1] + ANCHOR_SLACK)
                sent = None
                self.anchored.set()
                if self._jack is not None:
                    self._jack.close()
                continue
            message = _parsed(data)
            if message is not None:
                object.__setattr__(message, "arrived", arrived)
                self._hand_on(message)
        if self._jack is not None:
            self._jack.close()

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


class Anchor:
    """JACK's clock, and a JACK client of the reader's own that sends its input ``ANCHOR`` once, for rtmidi's first
    delta (0, from nothing) to have a known place: with it, a message read late is placed as it came, the first too."""

    def __init__(self, rtapi: int, client_name: str, port_name: str) -> None:
        self.clock = _jack_clock()
        self._rtapi, self._client, self._port = rtapi, client_name, port_name
        self._out: Any = None
        self._until = 0.0

    def send(self) -> tuple[float, float] | None:
        """Send the anchor: when (earliest, latest on JACK's clock), or None where it could not be sent."""
        import rtmidi

        try:
            self._out = rtmidi.MidiOut(rtapi=self._rtapi, name=f"{self._client}-anchor")
            # Ours, or ours with jack2's suffix (name-01) where the client name was taken
            ours = re.compile(re.escape(self._client) + r"(-\d\d)?:" + re.escape(self._port))
            index = next((i for i, port in enumerate(self._out.get_ports()) if ours.fullmatch(port)), None)
            if index is None:
                self.close()
                return None
            self._out.open_port(index, "anchor")  # rtmidi connects it to our input
            earliest = self.clock()
            self._out.send_message(ANCHOR)
            latest = self.clock()
        except Exception:  # rtmidi's errors: no anchor; the looks alone place the arrivals, as they did
            self.close()
            return None
        self._until = time.monotonic() + ANCHOR_WAIT
        return earliest, latest

    def expired(self) -> bool:
        return time.monotonic() > self._until

    def close(self) -> None:
        out, self._out = self._out, None
        if out is not None:
            out.close_port()
            out.delete()


def _jack_clock() -> Callable[[], float]:
    """``jack_get_time()`` in seconds, of the libjack rtmidi loaded (python-rtmidi's wheel carries its own: another
    copy's clock is unset until a client of its own opens). A PyDLL: the GIL is kept over the call, so no other
    thread comes between it and a ``perf_counter()`` read beside it. OSError, IndexError where there is none."""
    import rtmidi

    home = os.path.dirname(os.path.dirname(os.path.abspath(rtmidi.__file__)))
    with open("/proc/self/maps", encoding="utf-8") as maps:
        paths = {line.split()[-1] for line in maps if re.match(r"libjack[-.]", line.rsplit("/", 1)[-1])}
    lib = ctypes.PyDLL(sorted(paths, key=lambda path: not path.startswith(home))[0])
    get = lib.jack_get_time
    get.restype, get.argtypes = ctypes.c_uint64, []
    return lambda: int(get()) * 1e-6


#: A look's two reads of ours around one of rtmidi's clock: taken again if further apart (another thread came between).
PAIR_SECONDS = 1e-4


def _looks(clock: Callable[[], float] | None) -> Callable[[], tuple[float, float]]:
    """A look: (now on rtmidi's clock, ours minus it). Without JACK's clock (ALSA), rtmidi's is the kernel's monotonic
    one, ours."""
    if clock is None:
        return lambda: (time.perf_counter(), 0.0)

    def look() -> tuple[float, float]:
        best = (float("inf"), 0.0, 0.0)
        for _ in range(3):
            before = time.perf_counter()
            now = clock()
            after = time.perf_counter()
            best = min(best, (after - before, now, (before + after) / 2.0 - now))
            if best[0] < PAIR_SECONDS:
                break
        return best[1], best[2]

    return look


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
    jack = None
    if rt.get_current_api() == rtmidi.API_UNIX_JACK:
        try:
            jack = Anchor(rtmidi.API_UNIX_JACK, client_name, name)
        except (OSError, IndexError, AttributeError):  # no libjack found: the looks are on ours (drift unmeasured)
            jack = None
    return PolledInput(rt, name, on_message, on_error, jack)
