"""The microphone's input stream, in a process of its own, so that it comes back when its JACK server does.

PortAudio looks for audio hosts once, as it starts: once its JACK client has died with the server, nothing in that
process reaches a JACK server again, and ``Pa_Terminate`` there aborts the process (see
:func:`~exsampling_patch.devices.abandon_stream`). A new process's PortAudio finds the server again. So the stream
runs in a child process (:mod:`exsampling_patch.child_process`, running :func:`serve`) that, once its JACK client
has died, says so, asks every :data:`JACK_POLL_SECONDS` whether a server answers (a libjack client of its own, off
the audio thread) and then exits with :data:`JACK_BACK_EXIT`; :class:`InputProcess`, on the node's side, starts a
new one at once (after a growing wait when they keep ending just after they start: see
:class:`~exsampling_patch.child_process.QuickReturns`), whose opening it reports as the node's ``device`` status
(which ends the node's error).

The callback copies each block into a ring of frames in shared memory (:class:`InputRing`) and then advances the
frame count kept there: one producer (the callback of whichever process runs now), one consumer (the node's take
assembly), no lock. The count is in the shared memory too, so that a new process goes on where the last one ended.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from exsampling_patch.child_process import STOP_ANSWER_SECONDS, Child, QuickReturns, Stopping, hung_at_stop
from exsampling_patch.shared_memory import anonymous_file, map_shared

#: The process's exit status once a JACK server that went away under it answers again: only a new process finds it.
JACK_BACK_EXIT = 75
#: The process's exit status when its stream would not open or stopped by itself (it told why): tried again later.
STREAM_FAILED_EXIT = 3
START_SECONDS = 20.0  # the longest a first start waits for the stream to open
CHECK_SECONDS = 0.25  # how often the process asks whether its stream is still running
JACK_POLL_SECONDS = 0.5  # after the JACK server went away, how often the process asks whether it is back
RETRY_SECONDS = 2.0  # before a new process, after one whose stream failed or that died
#: The longest wait before a new process after the same failure again and again (a JACK-only device the server has
#: not: a client of it not back): the wait doubles from RETRY_SECONDS up to it.
RETRY_LONGEST_SECONDS = 8.0
JACK_GONE = "the JACK server went away (stopped or restarted): nothing is recorded until it is back"
_HEADER = 64  # bytes before the frames: the frame count (int64), on a line of its own


class InputNotOpened(RuntimeError):
    """The input process did not open its sound device: the message, written for the performer, says why and what
    to do (told without the class's name, as the product's own errors are)."""


class InputRing:
    """``frames`` x ``channels`` float32 frames and the count of frames written, in an anonymous shared file
    (:meth:`create`; another process maps it with :meth:`attach`). Written by the stream's callback only."""

    def __init__(self, frames: int, channels: int, fd: int) -> None:
        self.fd = fd
        self._closed = False
        self._mapping = map_shared(fd, self.nbytes(frames, channels))
        memory = np.frombuffer(self._mapping, np.uint8)
        #: [0]: frames written in all, advanced by the callback after it has copied them; [1]: input overflows, the
        #: blocks PortAudio said came after input it had dropped (the process held up): counted before [0] moves on
        self.counts = memory[:_HEADER].view(np.int64)
        self.samples = memory[_HEADER:].view(np.float32).reshape(frames, channels)

    @staticmethod
    def nbytes(frames: int, channels: int) -> int:
        return _HEADER + frames * channels * 4

    @classmethod
    def create(cls, frames: int, channels: int) -> InputRing:
        return cls(frames, channels, anonymous_file(cls.nbytes(frames, channels), "exsampling-microphone"))

    @classmethod
    def attach(cls, frames: int, channels: int, fd: int) -> InputRing:
        return cls(frames, channels, fd)

    @property
    def written(self) -> int:
        return int(self.counts[0])

    @property
    def overflows(self) -> int:
        """How many times the stream dropped input (a gap the frames written do not show)."""
        return int(self.counts[1])

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called (set before anything is closed): a reader that finds it False after
        reading the ring read it whole. The mapping itself goes once no view of it is left."""
        return self._closed

    def close(self) -> None:
        """Close the file descriptor and unmap the ring: its every page is held until then (without this, until
        the garbage collector came to the arrays). Afterwards the ring reads as empty. A view of it still held
        elsewhere (a thread not yet ended) keeps the mapping, which then goes with that view."""
        self._closed = True
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        channels = self.samples.shape[1]
        self.counts = np.zeros(_HEADER // 8, np.int64)
        self.samples = np.zeros((0, channels), np.float32)
        with contextlib.suppress(BufferError):  # "cannot close exported pointers exist": a view lives on
            self._mapping.close()


# -- messages -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """To the process, first: the stream to open, and the ring (its descriptor is passed with the process).
    ``jack_only``: the stream ran through JACK before; a process whose PortAudio found no JACK host opens nothing
    else (a card through another host, the default device), and waits for the server instead; one whose server has
    no such device says so, naming the server's devices (:func:`~exsampling_patch.devices.not_on_jack_text`)."""

    device: str
    channels: int
    sample_rate: int
    blocksize: int
    frames: int
    ring_fd: int
    jack_only: bool = False


@dataclass(frozen=True)
class Opened:
    """From the process: its stream is open and started."""

    device: str
    sample_rate: float
    jack_client: str | None  # None for a stream through another host, even where PortAudio has a JACK client


@dataclass(frozen=True)
class Failed:
    """From the process: what went wrong (the node's error)."""

    text: str


# -- the process --------------------------------------------------------------------------------------------------


def serve(connection: Connection) -> int:
    """Run the stream the node describes until it says stop or goes away; the exit status."""
    from exsampling_patch.devices import (
        JACK_HOST_API,
        abandon_stream,
        close_at_exit,
        ended_if_close_hangs,
        jack_client_died,
        missing_device_text,
        name_jack_client,
        not_on_jack_text,
        parse_device,
        through_jack,
    )

    # Before sounddevice starts PortAudio: a client named "PortAudio", opening as one of that name opens on another
    # JACK server, could leave this process without JACK (see name_jack_client).
    name_jack_client("microphone")
    import sounddevice as sd

    setup: Setup = connection.recv()
    ring = InputRing.attach(setup.frames, setup.channels, setup.ring_fd)

    def send(message: Opened | Failed | Stopping) -> None:
        with contextlib.suppress(OSError):  # the node has gone: the loop below notices it and ends
            connection.send(message)

    if setup.jack_only and JACK_HOST_API not in {api["name"] for api in sd.query_hostapis()}:
        # The server went away again before this process's PortAudio looked for it: wait for it once more.
        return JACK_BACK_EXIT if _wait_for_jack(connection) else 0
    device = parse_device(setup.device)
    if setup.jack_only and not through_jack(device, "input"):
        # The server answers but has no such input (a client of it, not back), or the name now matches another
        # host's device first: opened, it would record from there (a card jackd held, ALSA's default) for good.
        send(Failed(not_on_jack_text(setup.device, "input")))
        return STREAM_FAILED_EXIT
    samples, counts, length = ring.samples, ring.counts, len(ring.samples)

    def callback(indata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        # Real-time: copy into the preallocated shared ring, count a gap before it, then publish the new count.
        written = int(counts[0])
        pos = written % length
        first = min(frames, length - pos)
        np.copyto(samples[pos:pos + first], indata[:first])
        if first < frames:
            np.copyto(samples[: frames - first], indata[first:])
        if status.input_overflow:  # audio was dropped before this block: take assembly tells it
            counts[1] += 1
        counts[0] = written + frames

    try:
        stream = sd.InputStream(device=device, channels=setup.channels, samplerate=setup.sample_rate,
                                dtype="float32", blocksize=setup.blocksize, callback=callback)
        stream.start()
    except Exception as error:
        send(Failed(missing_device_text(setup.device, "input", error)))
        return STREAM_FAILED_EXIT
    from exsampling_patch.devices import jack_client_name

    info = sd.query_devices(stream.device)
    # PortAudio has a JACK client wherever a server ran as it started, whatever host the stream took: told only for
    # a stream through JACK, as the node makes its next processes wait for JACK then (Setup.jack_only).
    jack = through_jack(stream.device, "input")
    send(Opened(str(info["name"]), float(stream.samplerate), jack_client_name() if jack else None))
    try:
        while not connection.poll(CHECK_SECONDS):  # a message is Stop; the node's end reads as one too
            if jack_client_died(stream):  # stopping or closing it would wait 10 minutes, then SIGABRT
                abandon_stream(stream)
                send(Failed(JACK_GONE))
                return JACK_BACK_EXIT if _wait_for_jack(connection) else 0
            if not stream.active:
                send(Failed(f"the input stream on {stream.device} stopped; opening it again"))
                # a JACK server that stopped answering may show up so: its close would hold the process for good,
                # and the node, waiting for its end, would never open the input again
                with ended_if_close_hangs(lambda text: send(Failed(text)), STREAM_FAILED_EXIT, "the input process"):
                    stream.close(ignore_errors=True)
                return STREAM_FAILED_EXIT
    except (EOFError, OSError):
        pass
    send(Stopping())
    # The server may have gone since the last check (a patch stopped with its server): stopping the stream would
    # then wait 10 minutes for JACK's process thread, and the node would kill this process after 8 s. It may also go
    # while the stream closes, later than any check: close_at_exit ends the process then, rather than PortAudio's
    # assertion. A server that answers nothing any more holds the close for good: ended_if_close_hangs ends it then.
    with ended_if_close_hangs(lambda text: send(Failed(text)), 0, "the input process"):
        if jack_client_died(stream):
            abandon_stream(stream)
        else:
            close_at_exit(stream)
    return 0


def _wait_for_jack(connection: Connection) -> bool:
    """Wait until a JACK server answers; False if the node says stop (or goes away) first."""
    from exsampling_patch.devices import jack_server_answers

    while True:
        try:
            if connection.poll(JACK_POLL_SECONDS):
                return False
        except (EOFError, OSError):
            return False
        if jack_server_answers():  # a probe of a name of its own (devices.probe_name)
            return True


# -- the node's side ------------------------------------------------------------------------------------------------


class InputProcess:
    """The process running the stream: started by :meth:`start`, which waits for its stream to open; started again
    when it ends (at once when its JACK server is back, but see :class:`QuickReturns`; after :data:`RETRY_SECONDS`
    otherwise, for JACK only doubled at each process in a row that failed as the last did, up to
    :data:`RETRY_LONGEST_SECONDS`) until :meth:`stop`.
    Each opening is reported as a status with ``device``; each problem as an error, once until the next opening."""

    def __init__(self, setup: Setup, ring: InputRing, report_error: Callable[[str], None],
                 report_status: Callable[..., None], node_id: str = "microphone") -> None:
        self.setup, self.ring = setup, ring
        self.report_error, self.report_status = report_error, report_status
        self.node_id = node_id
        self.child = Child(__name__, pass_fds=(ring.fd,))
        self.opened = threading.Event()
        self.jack_client: str | None = None  # the PortAudio JACK client of the process now running, if any
        self._lock = threading.Lock()  # the child is started, ended and told to stop under it
        self._stopping = threading.Event()
        self._reader: threading.Thread | None = None
        self._last_error = ""
        self._jack_back = QuickReturns()  # processes ending for a JACK server back just after they started
        self.retry_seconds, self.retry_longest = RETRY_SECONDS, RETRY_LONGEST_SECONDS
        self._failure = ""  # what the process now running said failed, if it did
        self._failed_as, self._failed_alike = "", 0  # the last failure, and how many processes in a row said it

    def start(self, timeout: float = START_SECONDS) -> Opened:
        """Start the process and wait for its stream; what opened. One that ends for a JACK server that is back
        (:data:`JACK_BACK_EXIT`) before it opened is started again, as a later one is (after a growing wait, told at
        the third in a row), for up to ``timeout`` in all. RuntimeError saying why when none opened."""
        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                self.child.start(self.setup)
                self._jack_back.started()
                connection = self.child.connection
            first: Any = None
            try:
                if connection is not None and connection.poll(max(0.0, deadline - time.monotonic())):
                    first = connection.recv()
                else:
                    first = Failed(f"the input process did not open the sound device in {timeout:.0f} s")
            except (EOFError, OSError):
                pass
            if isinstance(first, Opened):
                break
            with self._lock:
                code = self.child.end()
            if code == JACK_BACK_EXIT and first is None:
                wait = self._jack_back.returned()
                self._tell_quick_returns(code)
                if time.monotonic() + wait < deadline and not self._stopping.wait(wait):
                    continue
            raise InputNotOpened(first.text if isinstance(first, Failed) else
                                 f"the input process ended as it started (exit status {code})")
        self._handle(first)
        # Once through JACK, a new process opens nothing but JACK (see Setup.jack_only).
        self.setup = dataclasses.replace(self.setup, jack_only=bool(first.jack_client))
        self._reader = threading.Thread(target=self._read, name=f"{self.node_id}-input", daemon=True)
        self._reader.start()
        return first

    def stop(self) -> None:
        """Stop the process: a process that does not answer the Stop within :data:`STOP_ANSWER_SECONDS` (hung, for
        a reason other than its JACK server going away) is terminated, and a warning told."""
        self._stopping.set()
        if not self.child.stop(self._lock, self._reader, STOP_ANSWER_SECONDS):
            self.report_status(warning=hung_at_stop("the input process", STOP_ANSWER_SECONDS))
        self.opened.clear()

    def _read(self) -> None:
        while True:
            connection, process = self.child.connection, self.child.process
            if connection is None or process is None:
                return
            try:
                while True:
                    self._handle(connection.recv())
            except (EOFError, OSError):
                pass
            self.child.answered.set()  # it has ended, or is ending: nothing is left to terminate
            code = process.wait()
            self.opened.clear()
            self.jack_client = None
            if self._stopping.is_set():
                return
            if code == JACK_BACK_EXIT:
                wait = self._jack_back.returned()
                self._tell_quick_returns(code)
                if self._stopping.wait(wait):
                    return
            else:
                if code != STREAM_FAILED_EXIT:  # it died without a word (killed, crashed)
                    self._error(f"the input process ended (exit status {code}); starting it again")
                if self._stopping.wait(self._retry_wait(code)):
                    return
            while not self._spawn():
                if self._stopping.wait(self.retry_seconds):
                    return

    def _retry_wait(self, code: int) -> float:
        """Seconds before a new process after one that failed or died. The same failure again of a process for JACK
        only (a device the server has not: a client of it not back, told once) waits twice as long each time, up to
        :attr:`retry_longest`: each try is a new process, which loads PortAudio and asks every host for its devices,
        where the sampler asks again in its running process. Through another host (a USB microphone unplugged) the
        wait stays :attr:`retry_seconds`: one plugged back in is heard again within it, not up to 8 s later."""
        failure, self._failure = self._failure, ""
        if code != STREAM_FAILED_EXIT or not failure or not self.setup.jack_only:
            self._failed_alike, self._failed_as = 0, ""
        elif failure == self._failed_as:
            self._failed_alike += 1
        else:
            self._failed_alike, self._failed_as = 1, failure
        return min(self.retry_longest, self.retry_seconds * 2.0 ** max(0, self._failed_alike - 1))

    def _spawn(self) -> bool:
        """Start a new process in place of the one that ended; whether it started (True when stopping: no more)."""
        with self._lock:
            if self._stopping.is_set():
                return True
            self.child.end()
            try:
                self.child.start(self.setup)
                self._jack_back.started()
            except OSError as error:
                self._error(f"cannot start the input process: {error}")
                return False
        return True

    def _tell_quick_returns(self, code: int) -> None:
        if self._jack_back.to_report:
            self._error(f"the input process ended {self._jack_back.in_a_row} times in a row just after it started, for "
                        "a JACK server that answers but that its PortAudio does not find (exit status "
                        f"{code}): nothing is recorded; starting it again after a wait of up to "
                        f"{self._jack_back.longest:g} s")

    def _handle(self, message: Opened | Failed | Stopping) -> None:
        if isinstance(message, Stopping):
            self.child.answered.set()
        elif isinstance(message, Opened):
            self.jack_client = message.jack_client
            self._last_error = ""
            self._failed_as, self._failed_alike = "", 0
            self.opened.set()
            rate = message.sample_rate
            self.report_status(device=message.device, sample_rate=rate, level=0.0, label=f"listening at {rate:g} Hz")
        elif isinstance(message, Failed):  # its stream is not running (any more)
            self.opened.clear()
            self._failure = message.text
            self._error(message.text)

    def _error(self, text: str) -> None:
        if text != self._last_error:  # a device that keeps failing to open is told once, until it opens
            self._last_error = text
            self.report_error(text)
