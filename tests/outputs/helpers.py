"""Signals, measurements and waits shared by the output tests."""

from __future__ import annotations

import contextlib
import fcntl
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import mido
import numpy as np

from exsampling_patch.messages import Location, Take
from exsampling_patch.node import Node
from exsampling_patch.nodes.osc_outbox import Outbox
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.takes import write_take


def sine_take(freq: float, seconds: float = 2.0, rate: int = 44100, amplitude: float = 0.5, phase: float = 0.0,
              pitch: float | None = None, **fields: object) -> Take:
    """A sine take; ``meta["pitch_hz"]`` is ``pitch`` (default ``freq``; 0 leaves it out)."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (amplitude * np.sin(2 * np.pi * freq * t + phase)).astype(np.float32)
    meta = {} if pitch == 0 else {"pitch_hz": float(pitch or freq)}
    return Take(samples, rate, meta=meta, **fields)  # type: ignore[arg-type]


def dominant_hz(signal: np.ndarray, rate: int) -> float:
    """The strongest frequency of ``signal`` (Hann window, parabolic interpolation between bins)."""
    x = signal - signal.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    k = int(np.argmax(spectrum[1:])) + 1
    if 1 <= k < spectrum.size - 1:
        a, b, c = np.log(spectrum[k - 1 : k + 2] + 1e-12)
        k = k + 0.5 * (a - c) / (a - 2 * b + c)
    return float(k * rate / x.size)


def peak(signal: np.ndarray) -> float:
    return float(np.max(np.abs(signal))) if signal.size else 0.0


LOCATION = Location(35.6586, 139.7454)


class RecordedWaits(threading.Event):
    """A MIDI port keeper's stop event, recording each wait it asks for between its looks, and waiting 10 ms at
    most (the test stays quick; the waits asked for are what it checks)."""

    def __init__(self) -> None:
        super().__init__()
        self.waits: list[float] = []

    def wait(self, timeout: float | None = None) -> bool:
        if timeout is not None:
            self.waits.append(timeout)
            timeout = min(timeout, 0.01)
        return super().wait(timeout)


def receive_all(receiver: socket.socket, quiet: float = 0.5, first: float | None = None) -> list[bytes]:
    """Datagrams until none has come for ``quiet`` seconds (for the first, ``first`` seconds if given)."""
    receiver.settimeout(quiet if first is None else first)
    got = []
    try:
        while True:
            got.append(receiver.recv(65536))
            receiver.settimeout(quiet)
    except TimeoutError:
        return got


def wait_for(done: Callable[[], bool], tick: Callable[[], None] = lambda: None, timeout: float = 60.0) -> None:
    """Wait until ``done()``, calling ``tick`` meanwhile (a Live stand-in's display timer, which answers the node),
    for ``timeout`` seconds at most; assert it came."""
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        tick()
        time.sleep(0.01)
    assert done()


def play_master(follows: Node, bpm: float, ticks: int, cues: dict[int, list[mido.Message]], *nodes: Node) -> None:
    """A MIDI clock master, as midi_in hands its messages to the sync input of ``follows``, from a thread of its own:
    ``ticks`` ticks at ``bpm`` (its clock runs while it is stopped too), before tick n the messages ``cues[n]``, then
    stop. Then 0.2 s for what is sent after it, and ``nodes`` stopped in that order, the master done or not."""
    tick = 60.0 / bpm / 24

    def master() -> None:
        at = time.perf_counter()
        for n in range(ticks):
            for message in cues.get(n, []):
                follows.handle("sync", message)
            time.sleep(max(0.0, at + n * tick - time.perf_counter()))
            follows.handle("sync", mido.Message("clock"))
        follows.handle("sync", mido.Message("stop"))

    thread = threading.Thread(target=master)
    try:
        thread.start()
        thread.join()
        time.sleep(0.2)
    finally:
        for node in nodes:
            node.stop()


def done_with_all(outbox: Outbox) -> None:
    """Wait until the sender has said it is done with each bundle (sent and logged): killed before, it could have
    sent one that it had not said so of, which the next sender is handed again (sent twice where it has no key)."""
    deadline = time.monotonic() + 10
    while outbox._unsent and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not outbox._unsent


@contextlib.contextmanager
def live_device() -> Iterator[socket.socket]:
    """A UDP socket on a free local port, standing in for Live's device; closed after the block."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    try:
        yield receiver
    finally:
        receiver.close()


def live_settings(receiver: socket.socket, tmp_path: Path) -> tuple[dict[str, object], Path]:
    """ableton_max's settings sending to ``receiver`` with the folder ``tmp_path/live`` (made), and its sent log."""
    live = tmp_path / "live"
    live.mkdir()
    return {"port": receiver.getsockname()[1], "folder": str(live)}, live / ".sent-live.txt"


def live_beside(receiver: socket.socket, tmp_path: Path, node: type[Node],
                node_id: str) -> tuple[Registry, Patch, Path]:
    """A registry knowing ``node``, a patch of ableton_max ``live`` (:func:`live_settings`) and ``node`` as
    ``node_id``, unlinked (the test hands each the take), and Live's sent log."""
    registry = Registry.default(entry_points=False)
    registry.register(node, "test")
    settings, log = live_settings(receiver, tmp_path)
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", settings))
    patch.add_node(NodeSpec(node_id, node.type_name))
    return registry, patch, log


def short_take(tmp_path: Path) -> Take:
    """A 0.1 s sine take written to ``tmp_path/t.wav`` (the outputs hand on takes stored on disk)."""
    return write_take(sine_take(440.0, seconds=0.1), tmp_path / "t.wav")


@contextlib.contextmanager
def folder_held_by_another_run(log: Path) -> Iterator[IO[str]]:
    """The lock of the sent log ``log`` held, as another run's sender holds it: this run's sender cannot send until
    the block ends or the block unlocks the yielded file."""
    with open(log.with_name(log.name + ".lock"), "a") as other_run:
        fcntl.flock(other_run, fcntl.LOCK_EX)
        yield other_run
