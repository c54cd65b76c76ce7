"""Tone bursts played into the JACK dummy server by a sounddevice output stream, for the microphone's tests (what
is played loops back into the microphone's input)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from exsampling_patch.devices import jack_client_name
from tests.jack_tools import jack_command


class BurstPlayer:
    """An output callback playing ``seconds`` of silence with a 330 Hz tone at half scale in each ``(start, length)``
    of ``bursts`` (seconds), then silence; :attr:`done` once all of it has been played."""

    def __init__(self, bursts: Sequence[tuple[float, float]], seconds: float, rate: int) -> None:
        t = np.arange(int(seconds * rate)) / rate
        self.played = np.zeros(len(t), np.float32)
        for start, length in bursts:
            span = (t >= start) & (t < start + length)
            self.played[span] = 0.5 * np.sin(2 * np.pi * 330 * t[span])
        self.position = 0

    @property
    def done(self) -> bool:
        return self.position >= len(self.played)

    def __call__(self, outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        chunk = self.played[self.position:self.position + frames]
        outdata[: len(chunk), 0] = chunk
        outdata[len(chunk):, 0] = 0.0
        self.position += frames


@contextlib.contextmanager
def playing_into(client: str | None, play: BurstPlayer, rate: int) -> Iterator[None]:
    """``play`` played, for the time of the block, by an output stream of this process connected to the first input
    of the JACK client ``client`` (a microphone's: ``Microphone.jack_client``)."""
    import sounddevice as sd

    assert client, "PortAudio did not register a JACK client"
    with sd.OutputStream(samplerate=rate, channels=1, dtype="float32", blocksize=256, callback=play):
        ports = jack_command("jack_lsp").stdout.split()
        inputs = [p for p in ports if p.startswith(f"{client}:in")]
        outputs = [p for p in ports if p.startswith(f"{jack_client_name()}:out")]  # this process's
        assert inputs and outputs, ports
        jack_command("jack_connect", outputs[0], inputs[0]).check_returncode()
        yield
