"""The sound card side: a sounddevice output stream whose callback renders a :class:`SamplerCore`.

A device that fails to open (or dies during the show) is reported and retried on a thread; the sampler
keeps taking assignments meanwhile. sounddevice is imported here, inside functions, never at node import.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import re
import threading
import time
from collections.abc import Callable
from typing import Any

from exsampling_patch.devices import (
    JACK_HOST_API,
    abandon_stream,
    close_at_exit,
    jack_client_died,
    jack_server_answers,
    not_on_jack_text,
    parse_device,
    probe_name,
    through_jack,
)
from exsampling_patch.nodes.sampler.core import SamplerCore
from exsampling_patch.nodes.sampler.shared import (
    BLOCK_FRAME,
    BLOCK_FRAMES,
    BLOCK_TIME,
    OUTPUT_LATENCY,
    XRUN_SLOTS,
    XRUNS,
)

FIRST_BLOCK_WAIT = 0.5  # seconds to wait for the first callback, which tells the block size the host chose
JACK_POLL_SECONDS = 0.5  # after the JACK server went away, how often the keeper asks whether it is back
STOP_WAIT_SECONDS = 3.0  # how long a stop waits for the keeper's thread (one opening a stream may take longer)
#: Told by a process started for a JACK server that was back, when that server has gone again: each new process of
#: the outage says it, and the node tells it once (:class:`~exsampling_patch.nodes.sampler.host.AudioProcess`).
JACK_GONE_AGAIN = ("the JACK server went away again before the sampler's audio restarted: the sampler is silent until "
                   "it is back")
_JACK_PORT_IS_OUTPUT, _JACK_PLAYBACK_LATENCY, _JACK_NO_START_SERVER = 0x2, 1, 0x01


class _LatencyRange(ctypes.Structure):
    _fields_ = [("min", ctypes.c_uint32), ("max", ctypes.c_uint32)]


class JackGraph:
    """A passive JACK client through libjack (ctypes; never activated: it only reads the graph the server shares):
    a client's output ports and the playback latency of the ports they feed. Raises OSError without libjack or
    a server.

    Why the sampler asks JACK rather than PortAudio: PortAudio's JACK host computes a stream's output latency
    when it opens, before it connects the stream's ports, from its own buffering only: one period (512 frames at
    ``-p 512``). The server's account of a playback port (jack2 ``JackAudioDriver::UpdateLatencies``) is the
    driver's systemic latency (``-O``, what ``jack_iodelay`` measures on a real card) plus one period, plus a
    second one in the default asynchronous mode (all but ``-S``): there the driver writes out the buffers the
    clients filled in the *previous* cycle (``JackAudioDriver::ProcessAsync``), so a frame written in cycle N
    leaves in cycle N+1. That holds for the ALSA driver and a real card as for the dummy driver (the same code
    path; the dummy has no card behind it, so no systemic part): 1024 frames at ``-p 512``, as ``jack_lsp -l``
    shows. JACK clients that place sound in time read it so (``jack_port_get_latency_range``, playback, max)."""

    def __init__(self, name: str | None = None) -> None:
        lib = ctypes.CDLL(ctypes.util.find_library("jack") or "libjack.so.0")
        lib.jack_client_open.restype = ctypes.c_void_p
        lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        lib.jack_client_close.argtypes = [ctypes.c_void_p]
        lib.jack_get_ports.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.jack_get_ports.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong]
        lib.jack_port_by_name.restype = ctypes.c_void_p
        lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_port_get_all_connections.restype = ctypes.POINTER(ctypes.c_char_p)
        lib.jack_port_get_all_connections.argtypes = [ctypes.c_void_p, ctypes.c_void_p]
        lib.jack_port_get_latency_range.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(_LatencyRange)]
        lib.jack_free.argtypes = [ctypes.c_void_p]
        status = ctypes.c_int(0)
        # a name of its own (probe_name), not a fixed one: fixed ones clash across JACK servers (see probe_name)
        name = name or probe_name("exs-latency")
        client = lib.jack_client_open(name.encode(), _JACK_NO_START_SERVER, ctypes.byref(status))
        if not client:
            raise OSError(f"jack_client_open failed (status {status.value:#x})")
        self.lib, self.client = lib, client

    def _names(self, array: Any) -> list[str]:
        found: list[str] = []
        if array:
            while array[len(found)]:
                found.append(array[len(found)].decode())
            self.lib.jack_free(ctypes.cast(array, ctypes.c_void_p))
        return found

    def output_ports(self, client_name: str) -> set[str]:
        """A client's output ports."""
        pattern = f"^{re.escape(client_name)}:".encode()
        return set(self._names(self.lib.jack_get_ports(self.client, pattern, None, _JACK_PORT_IS_OUTPUT)))

    def playback_latency(self, port: str) -> int:
        """A port's playback latency, frames (the range's max; 0 for a port that is gone)."""
        handle = self.lib.jack_port_by_name(self.client, port.encode())
        if not handle:
            return 0
        span = _LatencyRange()
        self.lib.jack_port_get_latency_range(handle, _JACK_PLAYBACK_LATENCY, ctypes.byref(span))
        return int(span.max)

    def connections(self, port: str) -> list[str]:
        handle = self.lib.jack_port_by_name(self.client, port.encode())
        return self._names(self.lib.jack_port_get_all_connections(self.client, handle)) if handle else []

    def fed_latency(self, ports: set[str]) -> int:
        """The largest playback latency (frames) of the ports that ``ports`` are connected to (0: none)."""
        return max((self.playback_latency(theirs) for port in ports for theirs in self.connections(port)),
                   default=0)

    def close(self) -> None:
        if self.client:
            self.lib.jack_client_close(self.client)
            self.client = None


def device_rate(device: str, fallback: int = 48000) -> int:
    """The output device's default sample rate (``fallback`` when it cannot be asked)."""
    try:
        import sounddevice as sd

        info: Any = sd.query_devices(parse_device(device), "output")
        return int(info["default_samplerate"]) or fallback
    except Exception:
        return fallback


def _close_stream(stream: Any, at_exit: bool = False) -> None:
    """Close a sounddevice stream, whatever became of its JACK server."""
    if jack_client_died(stream):  # closing it would wait 10 minutes, and end in SIGABRT at exit
        abandon_stream(stream)
        return
    if at_exit:
        # The server may go while the stream closes (a patch stopped with its server), later than the check
        # above: PortAudio's JACK host then asserts (pa_jack.c CleanUpStream, or Pa_Terminate at exit) and the
        # process died of SIGABRT. close_at_exit ends it then instead. Not mid-run: it terminates PortAudio,
        # and in the node's process (LocalAudio) an abort would end the patch.
        close_at_exit(stream)
        return
    with contextlib.suppress(Exception):
        stream.close(ignore_errors=True)


def _pa_jack_client() -> str | None:
    from exsampling_patch.devices import jack_client_name

    return jack_client_name()


class AudioOutput:
    """Plays ``core`` on a device; re-opens the stream when it fails, reporting each new problem once."""

    def __init__(
        self,
        core: SamplerCore,
        device: str = "",
        blocksize: int = 0,
        channels: int = 2,
        latency: str = "low",
        report_error: Callable[[str], None] = lambda text: None,
        report_status: Callable[..., None] = lambda **values: None,
        retry_seconds: float = 2.0,
        on_opened: Callable[[str | None], None] = lambda jack_client: None,
        on_jack_back: Callable[[], None] | None = None,
        jack_only: bool = False,
    ) -> None:
        self.core, self.device, self.blocksize, self.channels, self.latency = core, device, blocksize, channels, latency
        self.report_error, self.report_status, self.retry_seconds = report_error, report_status, retry_seconds
        # Told the PortAudio JACK client's name for a stream through JACK, None for one through another host:
        # PortAudio has a JACK client wherever a JACK server ran as it started, whatever host the stream took.
        self.on_opened = on_opened
        # Called once a JACK server that went away answers again (None: nobody can restart PortAudio, the
        # sampler stays silent). Only a fresh process gets a live JACK host: see _keep_open.
        self.on_jack_back = on_jack_back
        # This process was started for a JACK server that answered again: its stream opens there or nowhere. A
        # server gone again before this process's PortAudio looked for it left it no JACK host: it would try the
        # device through another host (the default: ALSA, a card jackd held), forever, never through JACK again.
        self.jack_only = jack_only and on_jack_back is not None
        self.stream: Any = None
        self.callback_failed = ""
        self._stop = threading.Event()
        # The last stop's ``at_exit``, set before its flag: a stream the keeper opens after that stop is closed as
        # that stop would have closed it (_keep)
        self._stopped_at_exit = False
        # Taken where the keeper assigns a stream and where one is taken away to be closed: see _keep
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._last_error = ""
        self._xruns_reported = 0
        self._dropped_reported = 0
        self.jack_latency_frames = 0  # the server's playback latency of the ports the stream feeds (JACK only)
        self.opened = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._keep_open, name="sampler-audio", daemon=True)
        self._thread.start()

    def stop(self, at_exit: bool = False) -> None:
        """Stop keeping the stream open, and close it. ``at_exit``: in a process about to end (the audio process's
        last stop), whose JACK server may go away during the close (see :func:`_close_stream`). A keeper still opening
        a stream once the wait is spent closes that stream itself as it opens (:meth:`_keep`). At exit the wait is
        to the keeper's end, its caller's close watch bounding it (``ended_if_close_hangs``, which ends the process):
        a stream the keeper opened late was closed on its thread after this returned, close_at_exit there (fd 2
        redirected, SIGABRT made _exit, PortAudio terminated) racing the process's own exit and sounddevice's
        Pa_Terminate at exit. Unreachable while CLOSE_SECONDS (2 s) < STOP_WAIT_SECONDS (3 s); now by design."""
        self._stopped_at_exit = at_exit
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=None if at_exit else STOP_WAIT_SECONDS)
        self._close(at_exit)

    def _callback(self, outdata: Any, frames: int, time_info: Any, status: Any) -> None:
        core = self.core
        if status.output_underflow:
            counters = core.counters
            core.state.xrun_at[counters[XRUNS] % XRUN_SLOTS] = time.monotonic()
            counters[XRUNS] += 1
        try:
            core.render(outdata)
        except Exception as error:  # never let the stream die from inside: go silent and tell the keeper
            outdata.fill(0)
            if not self.callback_failed:
                self.callback_failed = f"{type(error).__name__}: {error}"

    def _open(self) -> None:
        import sounddevice as sd

        device = parse_device(self.device)
        jack = self._jack_graph() if through_jack(device, "output") else None
        client = _pa_jack_client() if jack is not None else None
        before = jack.output_ports(client) if jack is not None and client else set()
        stream = sd.OutputStream(
            samplerate=self.core.sample_rate, blocksize=self.blocksize, device=device,
            channels=self.channels, dtype="float32", latency=self.latency, callback=self._callback,
        )
        # Timed notes are placed so that they are heard at their time: the core subtracts this latency.
        clock = self.core.state.clock
        clock[OUTPUT_LATENCY] = float(stream.latency)
        clock[BLOCK_FRAMES] = 0.0  # the callback sets it: with blocksize 0 only the first block tells
        self.core.stream_starts()  # what was queued while no stream played is not stacked in its first block
        try:
            stream.start()  # PortAudio's JACK host connects the stream's ports here
            if jack is not None and client:
                # under JACK the server's playback latency of the ports ours feed, where larger: see JackGraph
                self.jack_latency_frames = jack.fed_latency(jack.output_ports(client) - before)
                clock[OUTPUT_LATENCY] = max(float(stream.latency), self.jack_latency_frames / stream.samplerate)
        except BaseException:
            _close_stream(stream, self._closing_at_exit())  # opened, never kept: nobody else would close it
            raise
        finally:
            if jack is not None:
                jack.close()
        if not self._keep(stream):
            return
        self._last_error = ""
        self.opened.set()
        deadline = time.monotonic() + FIRST_BLOCK_WAIT
        while not clock[BLOCK_FRAMES] and time.monotonic() < deadline and stream.active:
            time.sleep(0.002)
        # The block size, rate and latency the stream runs at: the show log keeps them, so that a replay renders
        # the same blocks (an untimed note starts at a block's first frame).
        try:  # the console names it by it: "sound device 0" was PortAudio's index alone
            name = str(sd.query_devices(stream.device)["name"])
        except Exception:  # a device PortAudio no longer lists: its index says as much as before
            name = ""
        self.report_status(device=str(stream.device), device_name=name, sample_rate=stream.samplerate,
                           blocksize=int(clock[BLOCK_FRAMES]) or int(stream.blocksize),
                           output_latency_ms=round(float(clock[OUTPUT_LATENCY]) * 1000.0, 2),
                           portaudio_latency_ms=round(stream.latency * 1000.0, 2),
                           block_time=float(clock[BLOCK_TIME]), block_frame=int(clock[BLOCK_FRAME]))
        self.on_opened(_pa_jack_client() if through_jack(stream.device, "output") else None)

    def _keep(self, stream: Any) -> bool:
        """Make ``stream`` the one played, unless a stop came meanwhile: then close it (False).

        Why: a stop whose wait for this thread ran out (a slow open) found no stream to close; a stream assigned
        after it ran on, and in the node's process its callback, freed once the stream was collected, was still
        called by PortAudio: a crash. A stop sets its flag before it waits, and takes the stream under this lock:
        one of the two closes it, as that stop would have (at its process's exit: :func:`_close_stream`)."""
        with self._lock:
            stopped = self._stop.is_set()
            if not stopped:
                self.stream = stream
        if stopped:
            _close_stream(stream, self._closing_at_exit())
        return not stopped

    def _closing_at_exit(self) -> bool:
        """Whether a stream closed now is closed for a process about to end: a stop with ``at_exit`` came. Only then:
        :func:`close_at_exit` terminates PortAudio, which a process that goes on still needs."""
        return self._stop.is_set() and self._stopped_at_exit

    @staticmethod
    def _jack_graph() -> JackGraph | None:
        try:
            return JackGraph()
        except OSError:
            return None

    def _close(self, at_exit: bool = False) -> None:
        with self._lock:
            stream, self.stream = self.stream, None
        self.opened.clear()
        if stream is not None:
            _close_stream(stream, at_exit)

    def _keep_open(self) -> None:
        while not self._stop.is_set():
            if self.callback_failed:
                self._error(f"audio callback failed: {self.callback_failed}")
                self.callback_failed = ""
            # read once: a stop whose wait ran out may take it away meanwhile (closed, it reads as inactive)
            stream = self.stream
            if stream is not None and jack_client_died(stream):
                self._close()
                # PortAudio looked for audio hosts once, at its start: its JACK host, dead, is all it has of JACK.
                # Only a new process's PortAudio finds the server again; whoever started this one restarts it.
                until = "the patch is started again" if self.on_jack_back is None else "it is back"
                gone = f"the JACK server went away (stopped or restarted): the sampler is silent until {until}"
                self._error(gone)
                self.report_status(audio=gone)
                if self.on_jack_back is not None and self._wait_for_jack():
                    self.on_jack_back()
                return
            if stream is not None and not stream.active:
                if self._stop.is_set():  # a stop whose wait ran out closed it mid-round: nothing to re-open, nor tell
                    return
                self._error("the audio stream stopped; re-opening it")
                self._close()
            if self.stream is None and self.jack_only and self._jack_unreachable():
                self._error(JACK_GONE_AGAIN)
                self.report_status(audio=JACK_GONE_AGAIN)
                if self.on_jack_back is not None and self._wait_for_jack():
                    self.on_jack_back()
                return
            if self.stream is None and self.jack_only and not through_jack(parse_device(self.device), "output"):
                # The server answers but has no such device (a client of it, not back): a missing device, as at a
                # first start. Waiting for the server would end at once, and the node's new process do the same.
                self._error(not_on_jack_text(self.device, "output"))
            elif self.stream is None and self._last_error and self._jack_came():
                # The device failed to open for want of a JACK server, which runs now: this PortAudio looked for
                # audio hosts once, without it, and never finds it. Only a new process's does (whoever started this
                # one restarts it), so starting JACK is enough. Before, the MIDI port came back through JACK and the
                # console said "sampler is back", the sampler silent until the patch was started again.
                assert self.on_jack_back is not None
                self.on_jack_back()
                return
            elif self.stream is None:
                try:
                    self._open()
                except Exception as error:
                    self._close()
                    from exsampling_patch.devices import missing_device_text

                    # On the default device, a JACK server started from now on is played through (_jack_came).
                    jack_later = self.on_jack_back is not None and parse_device(self.device) is None
                    self._error(missing_device_text(self.device, "output", error, jack_later=jack_later))
            self._report_dropouts()
            self._stop.wait(self.retry_seconds if self.stream is None else 0.25)

    @staticmethod
    def _jack_unreachable() -> bool:
        """Whether this process's PortAudio cannot play through the JACK server: it found no JACK host as it
        started (the server had gone again), or the server answers no more (its JACK host died with it)."""
        import sounddevice as sd

        return JACK_HOST_API not in {api["name"] for api in sd.query_hostapis()} or not jack_server_answers()

    def _jack_came(self) -> bool:
        """Whether a JACK server answers that this process's PortAudio has no host for (none ran as it started),
        where a new process may be started (``on_jack_back``). A device parameter that names a device is left to
        its own host: one of ALSA's that failed may come back there, and JACK would not have it."""
        import sounddevice as sd

        if self.on_jack_back is None or parse_device(self.device) is not None:
            return False
        return JACK_HOST_API not in {api["name"] for api in sd.query_hostapis()} and jack_server_answers()

    def _wait_for_jack(self) -> bool:
        """Wait until a JACK server answers again (a client of our own opens: the same server name, from the
        environment); False if stopped first. Opening a client where no server runs fails at once, quietly."""
        while not self._stop.wait(JACK_POLL_SECONDS):
            if jack_server_answers():
                return True
        return False

    def _report_dropouts(self) -> None:
        """Put the stream's xrun count on the node's status when it grows: each is a dropout the audience heard,
        and the performer should see them add up (a machine that cannot keep up wants a larger block). The same
        for notes the callback dropped unplayed (``dropped_notes``: too late to play, or come while no audio
        process ran), counted in shared memory by the callback and only read here, off the audio thread."""
        state = self.core.state
        xruns = state.xruns
        if xruns != self._xruns_reported:
            self._xruns_reported = xruns
            self.report_status(xruns=xruns)
        dropped = state.late_dropped + state.unstarted_dropped
        if dropped != self._dropped_reported:
            self._dropped_reported = dropped
            self.report_status(dropped_notes=dropped)

    def _error(self, text: str) -> None:
        if text != self._last_error:
            self._last_error = text
            self.report_error(text)
