"""JACK's own clock, read through libjack (ctypes), to map recorded frames onto ``time.perf_counter()``.

A JACK client opened here (never activated: it reads the server's frame timer and port latencies, and takes no
part in the graph) answers, from inside any client's process callback, which cycle is being processed:
:meth:`JackClock.cycle` gives the cycle's first frame on JACK's frame counter and its start in microseconds on
JACK's clock, both from the server's delay-locked loop over the driver's wake-ups (``jack_get_cycle_times``),
so the jitter of the calling client's own wake-up is not in them. JACK2 on Linux keeps that clock with
``CLOCK_MONOTONIC_RAW`` (as Link does), not ``CLOCK_MONOTONIC`` (``time.perf_counter()``): the two differ by
the NTP corrections since boot (275 ms on this VM) and run apart by a few ppm at most, so
:meth:`JackClock.offset`, read once before a recording, maps one onto the other (a few µs over a minute).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import time


class LatencyRange(ctypes.Structure):
    _fields_ = [("min", ctypes.c_uint32), ("max", ctypes.c_uint32)]


CAPTURE_LATENCY, PLAYBACK_LATENCY = 0, 1
NO_START_SERVER = 0x01


class JackClock:
    """A passive JACK client: cycle times, port latencies, the server's time."""

    def __init__(self, name: str = "exs-clock") -> None:
        path = ctypes.util.find_library("jack") or "libjack.so.0"
        lib = ctypes.CDLL(path)
        lib.jack_client_open.restype = ctypes.c_void_p
        lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        lib.jack_client_close.argtypes = [ctypes.c_void_p]
        lib.jack_get_cycle_times.restype = ctypes.c_int
        lib.jack_get_cycle_times.argtypes = [
            ctypes.c_void_p, ctypes.POINTER(ctypes.c_uint32), ctypes.POINTER(ctypes.c_uint64),
            ctypes.POINTER(ctypes.c_uint64), ctypes.POINTER(ctypes.c_float)]
        lib.jack_get_time.restype = ctypes.c_uint64
        lib.jack_get_sample_rate.restype = ctypes.c_uint32
        lib.jack_get_sample_rate.argtypes = [ctypes.c_void_p]
        lib.jack_get_buffer_size.restype = ctypes.c_uint32
        lib.jack_get_buffer_size.argtypes = [ctypes.c_void_p]
        lib.jack_port_by_name.restype = ctypes.c_void_p
        lib.jack_port_by_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.jack_port_get_latency_range.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(LatencyRange)]
        status = ctypes.c_int(0)
        client = lib.jack_client_open(name.encode(), NO_START_SERVER, ctypes.byref(status))
        if not client:
            raise RuntimeError(f"jack_client_open failed (status {status.value:#x})")
        self.lib, self.client = lib, client
        self.rate = int(lib.jack_get_sample_rate(client))
        self.period = int(lib.jack_get_buffer_size(client))
        self._frames, self._usecs = ctypes.c_uint32(0), ctypes.c_uint64(0)
        self._next, self._period_usecs = ctypes.c_uint64(0), ctypes.c_float(0.0)
        self._args = (client, ctypes.byref(self._frames), ctypes.byref(self._usecs), ctypes.byref(self._next),
                      ctypes.byref(self._period_usecs))

    def cycle(self) -> tuple[int, float]:
        """(first frame, start in seconds on JACK's clock) of the cycle being processed now."""
        self.lib.jack_get_cycle_times(*self._args)
        return int(self._frames.value), self._usecs.value / 1e6

    def now(self) -> float:
        """JACK's clock now, seconds."""
        return int(self.lib.jack_get_time()) / 1e6

    def offset(self, reads: int = 50) -> float:
        """perf_counter - JACK's clock (seconds), read together (the closest of ``reads`` pairs)."""
        best = (float("inf"), 0.0)
        for _ in range(reads):
            before = time.perf_counter()
            jack = self.now()
            after = time.perf_counter()
            best = min(best, (after - before, (before + after) / 2.0 - jack))
        return best[1]

    def latency(self, port: str, mode: int = PLAYBACK_LATENCY) -> tuple[int, int]:
        """A port's (min, max) latency in frames, playback (to the sound card) or capture (from it)."""
        handle = self.lib.jack_port_by_name(self.client, port.encode())
        if not handle:
            raise KeyError(port)
        span = LatencyRange()
        self.lib.jack_port_get_latency_range(handle, mode, ctypes.byref(span))
        return int(span.min), int(span.max)

    def close(self) -> None:
        if self.client:
            self.lib.jack_client_close(self.client)
            self.client = None
