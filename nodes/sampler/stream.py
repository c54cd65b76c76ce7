"""The sound card side: a sounddevice output stream whose callback renders a :class:`SamplerCore`.

A device that fails to open (or dies during the show) is reported and retried on a thread; the sampler
keeps taking assignments meanwhile. sounddevice is imported here, inside functions, never at node import.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from typing import Any

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


def parse_device(device: str) -> int | str | None:
    """``""`` is the default device, digits an index, anything else a (part of a) device name."""
    device = device.strip()
    if not device:
        return None
    return int(device) if device.isdigit() else device


def device_rate(device: str, fallback: int = 48000) -> int:
    """The output device's default sample rate (``fallback`` when it cannot be asked)."""
    try:
        import sounddevice as sd

        info: Any = sd.query_devices(parse_device(device), "output")
        return int(info["default_samplerate"]) or fallback
    except Exception:
        return fallback


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
        on_opened: Callable[[], None] = lambda: None,
    ) -> None:
        self.core, self.device, self.blocksize, self.channels, self.latency = core, device, blocksize, channels, latency
        self.report_error, self.report_status, self.retry_seconds = report_error, report_status, retry_seconds
        self.on_opened = on_opened
        self.stream: Any = None
        self.callback_failed = ""
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_error = ""
        self._xruns_reported = 0
        self.opened = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._keep_open, name="sampler-audio", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=3.0)
        self._close()

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

        stream = sd.OutputStream(
            samplerate=self.core.sample_rate, blocksize=self.blocksize, device=parse_device(self.device),
            channels=self.channels, dtype="float32", latency=self.latency, callback=self._callback,
        )
        # Timed notes are placed so that they are heard at their time: the core subtracts this latency.
        clock = self.core.state.clock
        clock[OUTPUT_LATENCY] = float(stream.latency)
        clock[BLOCK_FRAMES] = 0.0  # the callback sets it: with blocksize 0 only the first block tells
        stream.start()
        self.stream = stream
        self._last_error = ""
        self.opened.set()
        deadline = time.monotonic() + FIRST_BLOCK_WAIT
        while not clock[BLOCK_FRAMES] and time.monotonic() < deadline and stream.active:
            time.sleep(0.002)
        # The block size, rate and latency the stream runs at: the show log keeps them, so that a replay renders
        # the same blocks (an untimed note starts at a block's first frame).
        self.report_status(device=str(stream.device), sample_rate=stream.samplerate,
                           blocksize=int(clock[BLOCK_FRAMES]) or int(stream.blocksize),
                           output_latency_ms=round(stream.latency * 1000.0, 2),
                           block_time=float(clock[BLOCK_TIME]), block_frame=int(clock[BLOCK_FRAME]))
        self.on_opened()

    def _close(self) -> None:
        stream, self.stream = self.stream, None
        self.opened.clear()
        if stream is not None:
            with contextlib.suppress(Exception):
                stream.close(ignore_errors=True)

    def _keep_open(self) -> None:
        while not self._stop.is_set():
            if self.callback_failed:
                self._error(f"audio callback failed: {self.callback_failed}")
                self.callback_failed = ""
            if self.stream is not None and not self.stream.active:
                self._error("the audio stream stopped; re-opening it")
                self._close()
            if self.stream is None:
                try:
                    self._open()
                except Exception as error:
                    self._close()
                    from exsampling_patch.devices import missing_device_text

                    self._error(missing_device_text(self.device, "output", error))
            self._report_xruns()
            self._stop.wait(self.retry_seconds if self.stream is None else 0.25)

    def _report_xruns(self) -> None:
        """Put the stream's xrun count on the node's status when it grows: each is a dropout the audience heard,
        and the performer should see them add up (a machine that cannot keep up wants a larger block)."""
        xruns = self.core.state.xruns
        if xruns != self._xruns_reported:
            self._xruns_reported = xruns
            self.report_status(xruns=xruns)

    def _error(self, text: str) -> None:
        if text != self._last_error:
            self._last_error = text
            self.report_error(text)
