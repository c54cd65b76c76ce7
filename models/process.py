"""The classifier in a process of its own, so that it does not share a GIL with the rest of the patch.

In the patch's process the classifier's Python steps (the mel front end, the calls around the
int8 trunk) each wait for the GIL that the other nodes' threads hold, so a busy Python thread beside it (as
the editor's drawing can be) slows every take (docs/performance.md has the figures). In a process of its
own it has an interpreter to itself, the patch's process never loads torch (the
:class:`~.prediction.Prediction` it receives needs none), and a crash in native code ends only this process.
Handing a take over costs two wake-ups across processes, a copy of the samples and the answer's unpickling.

:class:`ClassifierProcess` offers :meth:`Classifier.predict`'s call and answer. It starts
``python -m exsampling_patch.models.process CONNECTION_FD``, which loads the model and answers over a Unix
socket (:class:`multiprocessing.connection.Connection`); the take's samples go through shared memory
(a ``memfd`` both map), which only grows when a take does not fit. A process that dies is started again,
and the take it was scoring is sent once more.

Messages to the process: ``(model_path, threads, int8, warm_up, buffer_bytes)`` first (the buffer's
descriptor follows), then ``("predict", dtype, shape, sample_rate, options, cpus)`` for samples at the start of
the buffer (``cpus``: those of the thread that waits, which the process moves to),
``("buffer", nbytes)`` followed by a new buffer's descriptor, and ``("stop",)``. Messages from it:
``("ready", labels, path, meta)`` or ``("failed", text)`` at start, then ``("prediction", Prediction)``,
``("rejected", text)`` for arguments :meth:`Classifier.predict` refuses (raised here as ValueError) and
``("failed", text)`` for anything else it raised.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle, send_handle
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from exsampling_patch.shared_memory import anonymous_file, map_shared

if TYPE_CHECKING:
    from .prediction import Prediction

__all__ = ["ClassifierProcess", "ClassifierProcessError", "warm_up_take"]

INITIAL_BUFFER_BYTES = 16 << 20  # 40 s of 48 kHz stereo float32; grows (doubling) for longer takes
START_TIMEOUT = 60.0  # seconds to import torch and load the model in a fresh process: generous, for slow disks
ANSWER_TIMEOUT = 30.0  # seconds for one take: far above what the longest take scored whole needs
WARM_UP_SECONDS, WARM_UP_RATE = 10, 48000  # the first inference's take: like those of a show


def warm_up_take() -> np.ndarray:
    """Noise like a show's takes (10 s at 48 kHz) for a classifier's first inference.

    The first inference initialises torch's kernels (over a second) and the front end's filters, and the first
    of each size of input sizes its buffers: better done at start-up than on the first take.
    """
    return np.random.default_rng(0).standard_normal(WARM_UP_SECONDS * WARM_UP_RATE).astype(np.float32) * 0.1


class ClassifierProcessError(RuntimeError):
    """The classifier's process could not start, or failed on a take."""


class _Buffer:
    """Shared memory the node writes takes into and the process reads them from."""

    def __init__(self, nbytes: int) -> None:
        self.nbytes = nbytes
        self.fd = anonymous_file(nbytes, "exsampling-classifier-take")
        self.mapping = map_shared(self.fd, nbytes)

    def write(self, samples: np.ndarray) -> None:
        view = np.ndarray(samples.shape, samples.dtype, buffer=self.mapping)
        np.copyto(view, samples)

    def close(self) -> None:
        with contextlib.suppress(BufferError, ValueError):
            self.mapping.close()
        with contextlib.suppress(OSError):
            os.close(self.fd)


class ClassifierProcess:
    """A :class:`~.classifier.Classifier` running in a child process; :meth:`predict` is thread-safe.

    The constructor starts the process and returns at once: the process imports torch, loads the model and
    makes its first inference (which sets up torch's kernels) while the caller goes on. :meth:`wait_ready`
    waits for that; :meth:`predict` does too.

    Args:
        model: a model file (``None``: the shipped model).
        threads: torch threads in the process (``None``: torch's default).
        int8: use the model's int8 trunk where this CPU runs it.
        warm_up: :meth:`predict`'s options for the first inference, made on 10 s of noise at 48 kHz (the kind of
            take a show brings) before the process says it is ready; ``None``: none.
        on_restart: called with a line of text when the process had ended and was started again.
        answer_timeout: seconds to wait for one take's answer; a process that takes longer is taken for hung,
            ended and started again (that take gets a :class:`ClassifierProcessError`).
    """

    def __init__(self, model: str | Path | None = None, threads: int | None = None, int8: bool = True,
                 warm_up: dict[str, Any] | None = None, on_restart: Callable[[str], None] | None = None,
                 answer_timeout: float = ANSWER_TIMEOUT) -> None:
        self.answer_timeout = answer_timeout
        self._config = (str(model) if model is not None else None, threads, int8, warm_up)
        self._on_restart = on_restart
        self._lock = threading.Lock()
        self._buffer = _Buffer(INITIAL_BUFFER_BYTES)
        self._process: subprocess.Popen[bytes] | None = None
        self._connection: Connection | None = None
        self._ready = False
        self._failure = ""  # why the process could not start, said again to every later call
        self.labels: tuple[str, ...] = ()
        self.path: Path | None = None
        self.meta: dict[str, Any] = {}
        self.restarts = 0
        self._spawn()

    @property
    def pid(self) -> int | None:
        """The process's id (None once stopped)."""
        return self._process.pid if self._process is not None else None

    def _spawn(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        fd = theirs.fileno()
        self._process = subprocess.Popen([sys.executable, "-m", "exsampling_patch.models.process", str(fd)],
                                         pass_fds=(fd,), stdin=subprocess.DEVNULL,
                                         process_group=0)  # Ctrl+C stops the node, which stops this process
        theirs.close()
        self._connection = Connection(ours.detach())
        self._ready = False
        with contextlib.suppress(OSError):  # a process that died at once is found out by wait_ready
            self._connection.send((*self._config, self._buffer.nbytes))
            send_handle(self._connection, self._buffer.fd, self._process.pid)

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the process has loaded the model.

        Raises:
            ClassifierProcessError: when it could not (the message says why: the model file's problem, or
                the process's end), or did not within ``timeout`` seconds.
        """
        with self._lock:
            self._wait_ready(timeout)

    def _wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        if self._ready:
            return
        if self._connection is None or self._process is None:
            raise ClassifierProcessError(self._failure or "the classifier's process is stopped")
        reply: tuple[Any, ...]
        try:
            if not self._connection.poll(timeout):
                reply = ("failed", f"the classifier's process did not load its model in {timeout:.0f} s")
            else:
                reply = self._connection.recv()
        except (OSError, EOFError):
            reply = ("failed", f"the classifier's process ended while starting (exit status {_end(self._process)})")
        if reply[0] != "ready":
            self._close()
            self._failure = str(reply[1])
            raise ClassifierProcessError(self._failure)
        _, labels, path, meta = reply
        self.labels, self.path, self.meta = tuple(labels), Path(path), dict(meta)
        self._ready = True

    def predict(self, samples: np.ndarray, sample_rate: int, **options: Any) -> Prediction:
        """Classify one take in the process: the arguments and answer of :meth:`.Classifier.predict`.

        Raises:
            ValueError: for arguments the classifier refuses.
            ClassifierProcessError: when the process could not start, failed on this take, or ended twice
                while scoring it.
        """
        array = np.ascontiguousarray(samples)
        with self._lock:
            for attempt in range(2):
                self._wait_ready()
                try:
                    return self._ask(array, int(sample_rate), options)
                except TimeoutError:  # hung: another try could hang as long again
                    waited = f"did not answer in {self.answer_timeout:g} s"
                    self._restart(f"{waited} and was ended")
                    raise ClassifierProcessError(f"the classifier's process {waited}; started again") from None
                except (OSError, EOFError):
                    code = self._restart("ended")
                    if attempt == 1:
                        raise ClassifierProcessError(
                            f"the classifier's process ended twice on this take (exit status {code})") from None
            raise AssertionError("unreachable")

    def _restart(self, what: str) -> int | None:
        code = self._close()
        self.restarts += 1
        self._spawn()
        if self._on_restart is not None:
            self._on_restart(f"the classifier's process {what} (exit status {code}); started again")
        return code

    def _ask(self, samples: np.ndarray, sample_rate: int, options: dict[str, Any]) -> Prediction:
        assert self._connection is not None and self._process is not None
        if samples.nbytes > self._buffer.nbytes:
            size = self._buffer.nbytes
            while size < samples.nbytes:
                size *= 2
            self._buffer.close()
            self._buffer = _Buffer(size)
            self._connection.send(("buffer", size))
            send_handle(self._connection, self._buffer.fd, self._process.pid)
        self._buffer.write(samples)
        cpus = sorted(os.sched_getaffinity(0))  # the calling thread's: it waits, the process works there
        self._connection.send(("predict", samples.dtype.str, samples.shape, sample_rate, options, cpus))
        if not self._connection.poll(self.answer_timeout):
            raise TimeoutError
        kind, answer = self._connection.recv()
        if kind == "prediction":
            return answer
        if kind == "rejected":
            raise ValueError(answer)
        raise ClassifierProcessError(answer)

    def _close(self, timeout: float = 1.0) -> int | None:
        """Close the connection and end the process; its exit status."""
        code = None
        if self._connection is not None:
            with contextlib.suppress(OSError):
                self._connection.close()
            self._connection = None
        if self._process is not None:
            code = _end(self._process, timeout)
            self._process = None
        self._ready = False
        return code

    def stop(self, timeout: float = 3.0) -> None:
        """End the process (killed if it does not stop within ``timeout`` seconds)."""
        with self._lock:
            if self._connection is not None:
                with contextlib.suppress(OSError):
                    self._connection.send(("stop",))
            self._close(timeout)
            self._buffer.close()


def _end(process: subprocess.Popen[bytes], timeout: float = 1.0) -> int:
    """Wait up to ``timeout`` s for ``process`` to end, then kill it; its exit status."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


# -- the process's side --------------------------------------------------------------------------------------------


def serve(connection: Connection) -> int:
    """Load the model the node names and classify takes until told to stop or the node goes away."""
    model, threads, int8, warm_up, nbytes = connection.recv()
    buffer = _map(recv_handle(connection), nbytes)
    try:
        from .classifier import load_classifier

        classifier = load_classifier(model, threads=threads, int8=int8)
        if warm_up is not None:
            classifier.predict(warm_up_take(), WARM_UP_RATE, **warm_up)
    except Exception as error:  # the model file's problem, or the options', told to the node
        connection.send(("failed", str(error) or type(error).__name__))
        return 1
    connection.send(("ready", list(classifier.labels), str(classifier.path), classifier.meta))
    on_cpus: list[int] = []
    while True:
        try:
            message = connection.recv()
        except (EOFError, OSError):
            return 0
        kind = message[0]
        if kind == "stop":
            return 0
        if kind == "buffer":
            buffer = _map(recv_handle(connection), message[1])
            continue
        _, dtype, shape, sample_rate, options, cpus = message
        if cpus != on_cpus:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, cpus)
            on_cpus = cpus
        samples = np.ndarray(tuple(shape), np.dtype(dtype), buffer=buffer)
        try:
            reply: tuple[str, Any] = ("prediction", classifier.predict(samples, sample_rate, **options))
        except (ValueError, TypeError) as error:
            reply = ("rejected", str(error))
        except Exception as error:
            reply = ("failed", f"{type(error).__name__}: {error}")
        connection.send(reply)


def _map(fd: int, nbytes: int) -> mmap.mmap:
    try:
        return map_shared(fd, nbytes, read_only=True, populate=False)
    finally:
        os.close(fd)


if __name__ == "__main__":
    # Ctrl+C in a terminal reaches the whole process group: the node stops this process ("stop", or the end of
    # its connection), never a KeyboardInterrupt here (a traceback, and the node taking it for a crash).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = serve(Connection(int(sys.argv[1])))
    # Nothing is left to write: skip the interpreter's teardown, over a second with torch loaded, which the
    # node's stop (and a Ctrl+C) would wait for.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
