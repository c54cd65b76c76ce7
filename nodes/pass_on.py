"""The rule of sources that store each take before it flows on (``microphone``, ``web_recorder``): once the node has
stopped, a take is not passed on; it stays on disk, not done, and the next start passes it on."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["PassOnGate"]


class PassOnGate:
    """Whether a take stored by a source may still flow on (told, emitted, its end reported).

    :meth:`~exsampling_patch.node.Node.stop` joins a source's threads for 2 s only: a thread that outlives the join (a
    take stored on a slow disk, a stored take read again, an upload still arriving) would tell and emit its take into
    an engine that has stopped: its end never told, or, without a runtime, written down as done though nothing heard
    it. A take stored but not done is listed by the next start, which passes it on and tells its end. The node's stop
    closes the gate after its join (:meth:`close`), its start opens it (:meth:`open`).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stopped = False

    def open(self) -> None:
        """The node has started: takes flow on."""
        with self._lock:
            self._stopped = False

    def close(self) -> None:
        """The node has stopped. A take passing on now (:meth:`passing`) is the engine's still: this waits for it; any
        later one is kept on disk for the next start."""
        with self._lock:
            self._stopped = True

    @contextmanager
    def passing(self) -> Iterator[bool]:
        """Held while a take is told and emitted: yields False once the node has stopped (the take is then left on
        disk, not done, for the next start), True otherwise; a stop waits until the block is over."""
        with self._lock:
            yield not self._stopped
