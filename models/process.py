"""The classifier in a process of its own, so that it does not share a GIL with the rest of the patch.

In the patch's process the classifier's Python steps (the mel front end, the calls around the
int8 trunk) each wait for the GIL that the other nodes' threads hold, so a busy Python thread beside it (as
the editor's drawing can be) slows every take (docs/performance.md has the figures). In a process of its
own it has an interpreter to itself, the patch's process never loads torch (the
:class:`~.prediction.Prediction` it receives needs none), and a crash in native code ends only this process.
Handing a take over costs two wake-ups across processes, a copy of the samples and the answer's unpickling.

:class:`ClassifierProcess` offers :meth:`Classifier.predict`'s call and answer. It starts this module's
:func:`serve` as a child process (:mod:`exsampling_patch.child_process`; ``exsampling run`` starts it before
it loads the patch: :func:`start_early`), which loads the model and answers over a Unix socket; the take's
samples go through shared memory (a ``memfd`` both map), which only grows when a take does not fit. A model that
carries YAMNet is loaded and run there as here (:func:`~.classifier.load_classifier`). A process
that dies is started again (:mod:`.process_restart`), on the model file as it was at the start, and the take it
was scoring is sent once more.

The messages, both ways, are the dataclasses below: :class:`Setup` first (the buffer's descriptor follows),
then :class:`Predict` for samples at the start of the buffer, :class:`NewBuffer` (its descriptor follows) and
:class:`~exsampling_patch.child_process.Stop`. From the process: :class:`Ready` or :class:`Failed` at start,
then :class:`Answer`, :class:`Rejected` for arguments :meth:`Classifier.predict` refuses (raised here as
ValueError), :class:`Failed` for anything else it raised, and
:class:`~exsampling_patch.child_process.Stopping` at once in answer to a Stop (one that does not answer is hung: see
:meth:`ClassifierProcess.stop`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import mmap
import os
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.child_process import STOP_ANSWER_SECONDS, Child, Stop, Stopping, start_spare, take_spare
from exsampling_patch.shared_memory import anonymous_file, map_shared

from .error_words import model_failed, take_failed
from .missing_package import MissingPackage, missing_package
from .prediction import Packed, Prediction, packed, unpacked
from .process_restart import Backoff, ModelCopy, lock_unless, private_copy, wait_for_end
from .warm_up import warm_up

__all__ = ["ClassifierProcess", "ClassifierProcessError", "MissingPackage", "missing_package"]

INITIAL_BUFFER_BYTES = 16 << 20  # 40 s of 48 kHz stereo float32; grows (doubling) for longer takes
STOP_POLL = 0.05  # seconds between looks at a stop() while the model loads
START_TIMEOUT = 60.0  # seconds to import torch and load the model in a fresh process: generous, for slow disks
ANSWER_TIMEOUT = 30.0  # seconds for one take: far above what the longest take scored whole needs
FAST_EXIT = True  # the process skips the interpreter's teardown: nothing is left to write (child_process.main)


# -- the messages, to the process --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """The first message: what to load; the take buffer's descriptor follows, then with ``model_copy`` that of
    the model file's bytes as the show started (:func:`.process_restart.private_copy`), which it loads."""

    model: str | None
    threads: int | None
    int8: bool
    warm_up: dict[str, Any] | None
    buffer_bytes: int
    model_copy: bool = False


@dataclass(frozen=True)
class Predict:
    """Classify the samples at the start of the buffer, on ``cpus`` (the waiting thread's)."""

    dtype: str
    shape: tuple[int, ...]
    sample_rate: int
    options: dict[str, Any]
    cpus: list[int]


@dataclass(frozen=True)
class NewBuffer:
    """Takes come in a new, larger buffer from now on; its descriptor follows."""

    nbytes: int


# -- and from it -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ready:
    labels: tuple[str, ...]
    path: str
    meta: dict[str, Any]


@dataclass(frozen=True)
class Failed:
    """The model could not be loaded, or a take failed: why."""

    text: str


@dataclass(frozen=True)
class Rejected:
    """Arguments the classifier refuses (a ValueError or TypeError there)."""

    text: str


@dataclass(frozen=True)
class Answer:
    """The take's :class:`~.prediction.Prediction`, :func:`~.prediction.packed` (its labels are :class:`Ready`'s)."""

    prediction: Packed


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

    The constructor starts the process (or takes the one :func:`start_early` started, which has imported torch
    meanwhile) and returns at once: the process imports torch, loads the model and makes its first inference
    (which sets up torch's kernels) while the caller goes on. :meth:`wait_ready` waits for that; :meth:`predict`
    does too.

    Args:
        model: a model file (``None``: the shipped model). It is read at once, and every process loads what it
            held then: a retrain written into it during the show changes nothing until the next start.
        threads: torch threads in the process (``None``: 1, as :func:`~.classifier.load_classifier` takes it).
        int8: use the model's int8 trunk where this CPU runs it.
        warm_up: :meth:`predict`'s options for the first inference, made on 10 s of noise at 48 kHz (the kind of
            take a show brings) before the process says it is ready; ``None``: none.
        on_restart: called with a line of text when the process had ended and was started again.
        answer_timeout: seconds to wait for one take's answer; a process that takes longer is taken for hung,
            ended and started again (that take gets a :class:`ClassifierProcessError`).
    """

    #: The module the process runs (its ``serve``): this one; a test puts a stand-in in its place.
    child_module = __name__

    def __init__(self, model: str | Path | None = None, threads: int | None = None, int8: bool = True,
                 warm_up: dict[str, Any] | None = None, on_restart: Callable[[str], None] | None = None,
                 answer_timeout: float = ANSWER_TIMEOUT) -> None:
        self.answer_timeout = answer_timeout
        self._config = (str(model) if model is not None else None, threads, int8, warm_up)
        self._model: ModelCopy | None = private_copy(self._config[0])
        self._on_restart = on_restart
        self._lock = threading.Lock()
        self._buffer = _Buffer(INITIAL_BUFFER_BYTES)
        self._child = Child(self.child_module)
        self._ready = False
        self._stopping = threading.Event()  # stop() called: a load still under way is cut short, not waited for
        self._failure = ""  # why the process could not start, said again to every later call
        self.labels: tuple[str, ...] = ()
        self.path: Path | None = None
        self.meta: dict[str, Any] = {}
        self.restarts = 0
        self._ready_at = 0.0  # monotonic time of the last Ready
        self._backoff = Backoff()
        self._spawned = threading.Event()  # set by each start of a process: the watch looks at the new one
        self._spawn()
        threading.Thread(target=self._watch, name="classifier-process-watch", daemon=True).start()

    @property
    def pid(self) -> int | None:
        """The process's id (None once stopped)."""
        return self._child.pid

    def _spawn(self) -> None:
        # a process that died at once is found out by wait_ready
        setup = Setup(*self._config, self._buffer.nbytes, self._model is not None)
        handles = (self._buffer.fd,) if self._model is None else (self._buffer.fd, self._model.fd)
        spare = take_spare(self.child_module) if self.restarts == 0 else None  # started by `exsampling run`
        if spare is not None:
            self._child = spare
            self._child.greet(setup, handles=handles)
        else:
            self._child.start(setup, handles=handles)
        self._ready = False
        self._spawned.set()

    def _watch(self) -> None:
        """Start a process that ended between takes again at once, its model loaded before the next take.

        Why: the end was found only by the next take, which then waited for a new process to import torch and load
        the model (seconds), the show's first hit after it late. The watch waits for the lock: a take, a start or a
        stop holding it may find the end itself (or made it), and the watch then goes on with the process started
        next. Ends in a row soon after the model loaded are started again later and later (:class:`.Backoff`)."""
        done: subprocess.Popen[bytes] | None = None  # the process last seen ended
        while not self._stopping.is_set():
            self._spawned.clear()
            process = self._child.process
            if process is None or process is done:
                self._spawned.wait(STOP_POLL * 10)
                continue
            if not wait_for_end(process, self._stopping):
                continue
            done = process
            delay = self._backoff.delay(self._ready, self._ready_at)  # a take meanwhile starts one itself
            replaced = functools.partial(self._replaced, process)
            if self._stopping.wait(delay) or not lock_unless(self._lock, self._stopping, replaced, STOP_POLL):
                continue
            try:
                if self._stopping.is_set() or self._child.process is not process or not self._ready:
                    continue  # stopped, already started again, or ended while it started: its start tells
                self._restart("ended between takes", after=self._backoff.after(delay))
                self._wait_ready()
            except ClassifierProcessError:
                pass  # why is said again to the next take
            finally:
                self._lock.release()

    def _replaced(self, process: subprocess.Popen[bytes]) -> bool:
        return self._child.process is not process

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the process has loaded the model.

        Raises:
            ClassifierProcessError: when it could not (the message says why: the model file's problem, or
                the process's end), or did not within ``timeout`` seconds.
        """
        with self._lock:
            self._wait_ready(timeout)

    def _wait_ready(self, timeout: float = START_TIMEOUT, again: bool = False) -> None:
        if self._ready:
            return
        connection, process = self._child.connection, self._child.process
        if connection is None or process is None:
            raise ClassifierProcessError(self._failure or "the classifier's process is stopped")
        reply: Ready | Failed
        deadline = time.monotonic() + timeout
        try:
            # In slices: a stop() while the model loads (Ctrl+C during start-up) must not wait for the load.
            while not connection.poll(max(0.0, min(STOP_POLL, deadline - time.monotonic()))):
                if self._stopping.is_set():
                    raise ClassifierProcessError("the classifier's process was stopped while it loaded its model")
                if time.monotonic() >= deadline:
                    reply = Failed(f"the classifier's process did not load its model in {timeout:.0f} s")
                    break
            else:
                reply = connection.recv()
        except (OSError, EOFError):
            code = self._child.end()
            if code is not None and code < 0 and self.restarts == 0 and not self._stopping.is_set():
                # Killed as it loaded (by the OOM killer as the patch's other processes start, or by hand): the
                # show's first start tries once more, or the whole show went on without a classifier. Not one that
                # exited by itself (status > 0: its Python failed before it could say why), which would again.
                self.restarts += 1
                self._spawn()
                if self._on_restart is not None:
                    self._on_restart(f"the classifier's process ended while starting (exit status {code}); started "
                                     "again")
                return self._wait_ready(timeout, again=True)
            reply = Failed(f"the classifier's process ended while starting{', twice' if again else ''} (exit status "
                           f"{code})" + ("; the rest of the patch runs without it: stop the run and start it again"
                                         if again else ""))
        if not isinstance(reply, Ready):
            self._close()
            self._failure = reply.text
            raise ClassifierProcessError(self._failure)
        self.labels, self.path, self.meta = tuple(reply.labels), Path(reply.path), dict(reply.meta)
        self._ready, self._ready_at = True, time.monotonic()

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
                    self._restart(f"{waited} and was ended", hung=True)
                    raise ClassifierProcessError(f"the classifier's process {waited}; started again") from None
                except (OSError, EOFError):
                    code = self._restart("ended")
                    if attempt == 1:
                        raise ClassifierProcessError(
                            f"the classifier's process ended twice on this take (exit status {code})") from None
            raise AssertionError("unreachable")

    def _restart(self, what: str, hung: bool = False, after: str = "") -> int | None:
        code = self._close(hung=hung)
        if self._stopping.is_set():  # ended by stop() under the take (see stop): no new process
            raise ClassifierProcessError("the classifier's process was stopped while it scored a take")
        self.restarts += 1
        self._spawn()
        if self._on_restart is not None:
            changed = self._model.changed() if self._model is not None else ""
            self._on_restart(f"the classifier's process {what} (exit status {code}); started again{after}{changed}")
        return code

    def _ask(self, samples: np.ndarray, sample_rate: int, options: dict[str, Any]) -> Prediction:
        connection = self._child.connection
        assert connection is not None
        if samples.nbytes > self._buffer.nbytes:
            size = self._buffer.nbytes
            while size < samples.nbytes:
                size *= 2
            self._buffer.close()
            self._buffer = _Buffer(size)
            self._child.send(NewBuffer(size))
            self._child.send_handle(self._buffer.fd)
        self._buffer.write(samples)
        cpus = sorted(os.sched_getaffinity(0))  # the calling thread's: it waits, the process works there
        self._child.send(Predict(samples.dtype.str, samples.shape, sample_rate, options, cpus))
        if not connection.poll(self.answer_timeout):
            raise TimeoutError
        reply: Answer | Rejected | Failed = connection.recv()
        if isinstance(reply, Answer):
            return unpacked(reply.prediction, self.labels)
        if isinstance(reply, Rejected):
            raise ValueError(reply.text)
        raise ClassifierProcessError(reply.text)

    def _close(self, timeout: float = 1.0, hung: bool = False) -> int | None:
        """Close the connection and end the process; its exit status. One that answers is given ``timeout`` seconds
        to end by itself; one ``hung`` (it stopped answering) is killed at once: waited for, it would not end, and
        the classifier started again in its place would only come that much later."""
        self._ready = False
        process = self._child.process
        if hung and process is not None:
            with contextlib.suppress(OSError):
                process.kill()
        return self._child.end(timeout)

    def stop(self, timeout: float = 3.0) -> bool:
        """End the process (killed if it does not stop within ``timeout`` seconds; at once while it still loads
        its model: it holds no take then, and a load takes seconds). False when it did not answer the Stop
        (:class:`~exsampling_patch.child_process.Stopping`) within
        :data:`~exsampling_patch.child_process.STOP_ANSWER_SECONDS`: hung, it was terminated then, and the caller
        tells :func:`~exsampling_patch.child_process.hung_at_stop`.

        A take still in hand after that grace (the engine has waited for the takes in flight before it stops this
        node) is one the process is hung on: it is terminated then, rather than waited for until
        ``answer_timeout``, and :meth:`predict` raises :class:`ClassifierProcessError` (the take is the stop's)."""
        self._stopping.set()
        in_time = self._lock.acquire(timeout=STOP_ANSWER_SECONDS)
        if not in_time:
            process = self._child.process
            if process is not None:  # predict() reads the end of its connection, and starts no new one (_restart)
                with contextlib.suppress(OSError):
                    process.terminate()
                if not self._lock.acquire(timeout=timeout):
                    with contextlib.suppress(OSError):
                        process.kill()
                    self._lock.acquire()
            else:
                self._lock.acquire()
        try:
            if self._ready:  # no take is in flight (this lock): nothing but the answer to the Stop is left to read
                self._ready = False
                in_time = self._child.stop(contextlib.nullcontext(), None, STOP_ANSWER_SECONDS, timeout) and in_time
            self._close(0.0)
            self._buffer.close()
            if self._model is not None:
                self._model.close()
        finally:
            self._lock.release()
        return in_time


# -- the process's side --------------------------------------------------------------------------------------------


def start_early(patch_path: str) -> None:
    """Start the classifier's process now (:func:`~exsampling_patch.child_process.start_spare`) where the patch
    at ``patch_path`` has a classifier node classifying in a process of its own: ``exsampling run`` calls it
    before it loads the patch, and the node's :class:`ClassifierProcess` takes that process. Anything else (no such
    node, a patch that cannot be read: loading it says why) starts nothing."""
    from exsampling_patch.patchfile import read_patch

    parsed = read_patch(patch_path)
    if parsed.readable and any(spec.type == "classifier" and spec.params.get("own_process", True) is not False
                               for spec in parsed.patch.nodes.values()):
        start_spare(ClassifierProcess.child_module)


def serve(connection: Connection) -> int:
    """Load the model the node names and classify takes until told to stop or the node goes away."""
    # What needs nothing of the Setup first: torch, and scipy.fft for the front end. A process started ahead of its
    # node (start_early) imports them while the patch loads; told nothing (the run ended first), it ends quietly.
    try:
        from .classifier import load_classifier

        importlib.import_module("scipy.fft")
    except Exception as error:  # told to the node once it sends its Setup
        failed_import: Exception | None = missing_package(error)
    else:
        failed_import = None
    try:
        setup: Setup = connection.recv()
    except (EOFError, OSError):
        return 0
    buffer = _map(recv_handle(connection), setup.buffer_bytes)
    # the file's bytes as the show started, which a process started again mid-show loads too (not the file's path)
    source = f"/proc/self/fd/{recv_handle(connection)}" if setup.model_copy else setup.model
    loaded = False
    try:
        if failed_import is not None:
            raise failed_import
        classifier = load_classifier(source, threads=setup.threads, int8=setup.int8)
        loaded = True
        if setup.warm_up is not None:
            warm_up(classifier, setup.warm_up)
    except Exception as error:  # the model file's problem, or the options', told to the node
        text = model_failed(error, loaded)
        with contextlib.suppress(OSError):
            connection.send(Failed(text.replace(source, setup.model) if source and setup.model else text))
        return 1
    try:
        connection.send(Ready(tuple(classifier.labels), setup.model or str(classifier.path), classifier.meta))
    except OSError:  # the node stopped (or went away) while the model loaded: nobody to classify for
        return 0
    on_cpus: list[int] = []
    while True:
        try:
            message: Predict | NewBuffer | Stop = connection.recv()
        except (EOFError, OSError):
            return 0
        if isinstance(message, Stop):
            with contextlib.suppress(OSError):  # at once: the node then waits for its end rather than take it for hung
                connection.send(Stopping())
            return 0
        if isinstance(message, NewBuffer):
            buffer = _map(recv_handle(connection), message.nbytes)
            continue
        if message.cpus != on_cpus:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, message.cpus)
            on_cpus = message.cpus
        samples = np.ndarray(tuple(message.shape), np.dtype(message.dtype), buffer=buffer)
        try:
            reply: Answer | Rejected | Failed = Answer(packed(classifier.predict(samples, message.sample_rate,
                                                                                 **message.options)))
        except (ValueError, TypeError) as error:
            reply = Rejected(str(error))
        except Exception as error:
            reply = Failed(take_failed(error))
        connection.send(reply)


def _map(fd: int, nbytes: int) -> mmap.mmap:
    try:
        return map_shared(fd, nbytes, read_only=True, populate=False)
    finally:
        os.close(fd)
