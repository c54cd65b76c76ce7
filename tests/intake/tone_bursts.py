"""Tone bursts played into the JACK dummy server by a sounddevice output stream, for the microphone's tests (what
is played loops back into the microphone's input), and the rig those tests share: a microphone node cutting takes of
them, a context whose emit fails, two bursts within a second of each other."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.devices import jack_client_name
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from tests.jack_tools import jack_command

RATE = 48000
# a take of each burst: cut 0.1 s after it, no pre-roll
MIC_PARAMS = {"threshold_db": -20.0, "pre_roll": 0.0, "hang": 0.1, "min_length": 0.1, "blocksize": 256}


class BurstPlayer:
    """An output callback playing ``seconds`` of silence with a 330 Hz tone at half scale in each ``(start, length)``
    of ``bursts`` (seconds), then silence; :attr:`done` once all of it has been played.

    It plays from its start only once :attr:`connected` is set (silence until then): the stream runs before its port
    is connected to the microphone, and on a loaded machine the connecting commands can outlast the first burst.

    Once it :meth:`follow`s the listener's count of frames taken, each callback plays from where the listener will
    take next. Counted by its own callbacks, a burst slipped against the listener's stream on a loaded machine:
    JACK drops the cycle of a client held up past its timeout (a callback waiting for the GIL), this stream's or the
    listener's, while the other's goes on: enough to move a take or change its length."""

    def __init__(self, bursts: Sequence[tuple[float, float]], seconds: float, rate: int) -> None:
        t = np.arange(int(seconds * rate)) / rate
        self.played = np.zeros(len(t), np.float32)
        for start, length in bursts:
            span = (t >= start) & (t < start + length)
            self.played[span] = 0.5 * np.sin(2 * np.pi * 330 * t[span])
        self.position = 0
        self.connected = False
        self._heard: Callable[[], int] | None = None
        self._heard_from = 0

    def follow(self, heard: Callable[[], int]) -> None:
        """From now on, :attr:`position` is the frames ``heard()`` (the listener's count) has taken since this call,
        as long as that count does not go back (a closed ring reads 0): then the callbacks' own frames again. The
        stream's callbacks must each be one JACK cycle (``blocksize=0``): the listener's count moves between cycles."""
        self._heard_from = heard()
        self._heard = heard

    @property
    def done(self) -> bool:
        return self.position >= len(self.played)

    def __call__(self, outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        if not self.connected:
            outdata.fill(0.0)
            return
        heard = self._heard() - self._heard_from if self._heard is not None else -1
        if heard >= 0:
            self.position = heard
        chunk = self.played[self.position:self.position + frames]
        outdata[: len(chunk), 0] = chunk
        outdata[len(chunk):, 0] = 0.0
        if heard < 0:
            self.position += frames


@contextlib.contextmanager
def playing_into(client: str | None, play: BurstPlayer, rate: int,
                 heard: Callable[[], int] | None = None) -> Iterator[None]:
    """``play`` played, for the time of the block, by an output stream of this process connected to the first input
    of the JACK client ``client`` (a microphone's: ``Microphone.jack_client``), following ``heard`` (that client's
    count of frames taken: :func:`frames_heard`) where given."""
    import sounddevice as sd

    assert client, "PortAudio did not register a JACK client"
    # blocksize 0: a callback a JACK cycle, as BurstPlayer.follow needs
    with sd.OutputStream(samplerate=rate, channels=1, dtype="float32", blocksize=0, callback=play):
        ports = jack_command("jack_lsp").stdout.split()
        inputs = [p for p in ports if p.startswith(f"{client}:in")]
        outputs = [p for p in ports if p.startswith(f"{jack_client_name()}:out")]  # this process's
        assert inputs and outputs, ports
        jack_command("jack_connect", outputs[0], inputs[0]).check_returncode()
        if heard is not None:
            play.follow(heard)
        play.connected = True
        yield


def two_bursts() -> BurstPlayer:
    """Two bursts of 0.3 s, at 0.6 s and 1.2 s: the second within a second of the first's end (take assembly, failed,
    is run again a second later), then silence up to 2.2 s."""
    return BurstPlayer([(0.6, 0.3), (1.2, 0.3)], 2.2, RATE)


def frames_heard(mic: Microphone) -> Callable[[], int]:
    """The count of frames ``mic``'s input stream has taken (its ring's), for :meth:`BurstPlayer.follow`."""
    return lambda: mic._ring.written


def microphone(context: NodeContext, folder: Path) -> Microphone:
    """A microphone node ``mic`` (not started) cutting a take of each burst into ``folder``."""
    return Microphone("mic", {**MIC_PARAMS, "folder": str(folder)}, context)


@contextlib.contextmanager
def recording(mic: Microphone, play: BurstPlayer, before: Callable[[], object] | None = None) -> Iterator[None]:
    """``mic`` started, ``before`` called (what the test breaks once the start has read its folder), then ``play``
    played into it for the time of the block; ``mic`` stopped after, come what may."""
    mic.start()
    try:
        if before is not None:
            before()
        with playing_into(mic.jack_client, play, RATE, frames_heard(mic)):
            yield
    finally:
        mic.stop()


class FailingEmit(NodeContext):
    """Each emit raises once it is noted (a journal line that could not be written raised so, before it was told
    per take): an error out of take assembly, which is run again; the first emit only where :attr:`only_first`."""

    only_first = False

    def emit(self, node_id: str, port: str, message: Any) -> None:
        super().emit(node_id, port, message)
        if not self.only_first or len(self.emitted) == 1:
            raise RuntimeError(f"emit of {message.take_id} failed")


class FirstEmitFails(FailingEmit):
    """The first emit raises once it is noted: take assembly waits a second to run again."""

    only_first = True
