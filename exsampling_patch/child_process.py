"""Child processes: the classifier's and the sampler's audio process, started, spoken to and ended one way.

A child runs ``python -m exsampling_patch.child_process MODULE FD``: this module's :func:`main` imports
``MODULE`` (by its package name, so that the messages it sends unpickle in the parent) and calls its
``serve(connection)`` with FD, the child's end of a Unix socket pair, as a
:class:`multiprocessing.connection.Connection` (pickled messages; file descriptors follow a message with
:func:`send_handle`). The child ignores Ctrl+C: the terminal sends it to the whole process group, and the node
stops its child (:class:`Stop`, or the end of the connection) rather than the child dying with a traceback that
the node would take for a crash.

On the parent's side, :class:`Child` starts the process with its first message (the handshake: its
configuration, and descriptors passed along), sends and receives, and ends it (:meth:`Child.end`: the
connection closed, then killed if it has not ended within a timeout); starting it again after an end is
:meth:`Child.start` once more, with what the caller must send a new process.

Each protocol's messages are frozen dataclasses defined once, in a module both ends import
(:mod:`exsampling_patch.models.process`, :mod:`exsampling_patch.nodes.sampler.protocol`); :class:`Stop` is
common to both.
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.reduction import send_handle
from typing import Any


@dataclass(frozen=True)
class Stop:
    """To a child: end (after what it was doing)."""


@dataclass(frozen=True)
class Stopping:
    """From a child, at once when it gets :class:`Stop`: it is finishing (closing its stream). Its parent then waits
    for it, rather than taking it for hung (:meth:`Child.stop`)."""


#: How long :meth:`Child.stop` waits for the process to answer the Stop (:class:`Stopping`) before taking it for hung
#: and terminating it; one that answered may take longer to finish. The microphone's input process answers from its
#: loop that checks its stream every 0.25 s, the sampler's audio process from its loop that polls every 0.1 s.
STOP_ANSWER_SECONDS = 2.0

#: How long :meth:`Child.stop` waits for a process it terminated, after the reader's wait, before it kills it.
TERMINATED_SECONDS = 1.0


def hung_at_stop(what: str, grace: float) -> str:
    """The warning told when :meth:`Child.stop` found the process ``what`` hung."""
    return f"{what} did not answer the stop in {grace:g} s (hung): it was terminated"


class Child:
    """One child process running ``module``'s ``serve`` (see the module's docstring); not thread-safe: the
    caller holds its own lock around sends that must not interleave."""

    def __init__(self, module: str, pass_fds: Sequence[int] = ()) -> None:
        self.module = module
        self.pass_fds = tuple(pass_fds)
        self.process: subprocess.Popen[bytes] | None = None
        self.connection: Connection | None = None
        #: Set by the caller's reader once the process now running answers a Stop (:class:`Stopping`) or its
        #: connection ends; cleared at each start. See :meth:`stop`.
        self.answered = threading.Event()

    @property
    def pid(self) -> int | None:
        """The process's id (None when not started, or ended)."""
        return self.process.pid if self.process is not None else None

    def start(self, first: Any, handles: Sequence[int] = ()) -> None:
        """Start the process and send it ``first`` then each descriptor of ``handles``. A process that dies at
        once is not an error here: the caller finds it out at its first receive (EOFError or OSError)."""
        self.spawn()
        self.greet(first, handles)

    def spawn(self) -> None:
        """Start the process without its first message, which it waits for (:meth:`greet`): see
        :func:`start_spare`."""
        self.answered.clear()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        fd = theirs.fileno()
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", __name__, self.module, str(fd)], pass_fds=(fd, *self.pass_fds),
                stdin=subprocess.DEVNULL,
                process_group=0)  # out of the terminal's group: Ctrl+C stops the node, which stops this process
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self.connection = Connection(ours.detach())

    def greet(self, first: Any, handles: Sequence[int] = ()) -> None:
        """Send a process :meth:`spawn` started ``first`` then each descriptor of ``handles``, as :meth:`start`
        does."""
        with contextlib.suppress(OSError):
            self.send(first)
            for handle in handles:
                self.send_handle(handle)

    def send(self, message: Any) -> None:
        """Send one message (OSError when the process has gone)."""
        if self.connection is None:
            raise OSError("the child process is not running")
        self.connection.send(message)

    def send_handle(self, fd: int) -> None:
        """Pass a file descriptor to the process (it receives it with :func:`recv_handle`)."""
        if self.connection is None or self.process is None:
            raise OSError("the child process is not running")
        send_handle(self.connection, fd, self.process.pid)

    def ask_to_stop(self) -> None:
        """Send :class:`Stop`, if the process can still be told."""
        with contextlib.suppress(OSError):
            self.send(Stop())

    def stop(self, lock: AbstractContextManager[object], reader: threading.Thread | None,
             grace: float | None = None, timeout: float = 3.0) -> bool:
        """Ask the process to stop, let ``reader`` (the thread reading its messages) see its last ones, then
        :meth:`end` it. ``lock`` is the caller's lock around sending to the process: held for the Stop and the
        end, not while the reader is waited for. A reader that starts the process again (the sampler's, the
        microphone's) asks whether it is stopping under ``lock`` too, with the end and the start: a stop landing
        after its wait would otherwise send its Stop to the process gone, and the new one would run on.

        ``grace``: for a process that answers a Stop (:class:`Stopping`), whose reader sets :attr:`answered`; with no
        ``reader`` (the classifier's, whose caller reads each answer as it waits for it, and holds none when it
        stops), this reads the process's messages itself, up to the Stopping. One that has not answered within
        ``grace`` seconds is hung (it never came back to reading its messages): it is terminated at once rather than
        waited for (the reader's 5 s, then ``timeout`` before a kill), and False returned (the caller tells
        :func:`hung_at_stop`). One that answered has the reader's 5 s to finish (closing its stream, which ends the
        process by itself where the close hangs: :func:`~exsampling_patch.devices.ended_if_close_hangs`); one still
        running then is terminated, and killed after :data:`TERMINATED_SECONDS`. True otherwise;
        None: the process is not asked to answer."""
        with lock:
            self.ask_to_stop()
            process, connection = self.process, self.connection
        if grace is None or process is None:
            in_time = True
        elif reader is None and connection is not None:
            in_time = _answered(connection, grace)
        else:
            in_time = self.answered.wait(grace)
        if not in_time and process is not None:
            with contextlib.suppress(OSError):
                process.terminate()
        if reader is not None:
            reader.join(timeout=5.0)  # the reader ends once the process has (it waits for its exit)
            if process is not None and process.poll() is None:
                # Told to end 5 s ago (answered, or terminated) and still running: waiting ``timeout`` more before
                # the kill held the stop 3 s longer for nothing, as the end of the connection tells it nothing new.
                with contextlib.suppress(OSError):
                    process.terminate()
                timeout = min(timeout, TERMINATED_SECONDS)
        with lock:
            self.end(timeout=timeout)
        return in_time

    def end(self, timeout: float = 1.0) -> int | None:
        """Close the connection (the process sees its end), wait up to ``timeout`` seconds for the process to
        end, then kill it; its exit status (None if it was not running)."""
        if self.connection is not None:
            with contextlib.suppress(OSError):
                self.connection.close()
            self.connection = None
        process, self.process = self.process, None
        return wait_or_kill(process, timeout) if process is not None else None


#: Processes started ahead of the node that will ask for one (:func:`start_spare`), by module.
_spares: dict[str, Child] = {}
_spares_lock = threading.Lock()


def start_spare(module: str) -> None:
    """Start a process for ``module`` now, which the first :func:`take_spare` of it takes, its first message still
    to send. ``exsampling run`` starts the classifier's before it loads the patch: the process imports what needs
    nothing of its first message (torch, 2-3 s of the default patch's start-up floor) while the patch loads. One that
    nobody takes is killed at exit (it holds nothing yet)."""
    with _spares_lock:
        if module in _spares:
            return
        if not _spares:
            atexit.register(end_spares)
        child = Child(module)
        child.spawn()
        _spares[module] = child


def take_spare(module: str) -> Child | None:
    """The process :func:`start_spare` started for ``module``, once; None where there is none."""
    with _spares_lock:
        return _spares.pop(module, None)


def end_spares() -> None:
    """Kill the processes :func:`start_spare` started that nobody took."""
    with _spares_lock:
        spares = list(_spares.values())
        _spares.clear()
    for child in spares:
        child.end(0.0)


def _answered(connection: Connection, grace: float) -> bool:
    """Whether the process answers a Stop (:class:`Stopping`, or the connection's end) within ``grace`` seconds;
    what it said before that is dropped (nobody waits for it any more)."""
    deadline = time.monotonic() + grace
    try:
        while connection.poll(max(0.0, deadline - time.monotonic())):
            if isinstance(connection.recv(), Stopping):
                return True
    except (EOFError, OSError):  # it has ended, or is ending: nothing is left to terminate
        return True
    return False


class QuickReturns:
    """The wait before starting again a child that asked for it (the sampler's audio process and the microphone's
    input process exit with status 75 once their JACK server is back, which only a new process finds).

    One that ran a while is started again at once. One that asks again soon after its start, time after time, waits
    ``first`` seconds, doubled at each quick return in a row, up to ``longest``: a process whose PortAudio never
    finds a JACK server that its own probe reaches would otherwise be started about once a second, for ever. The
    ``tell_after``-th quick return in a row is the one to report (:attr:`to_report`), once for the run of them.
    """

    def __init__(self, quick_seconds: float = 5.0, first: float = 0.25, longest: float = 4.0,
                 tell_after: int = 3) -> None:
        self.quick_seconds, self.first, self.longest, self.tell_after = quick_seconds, first, longest, tell_after
        self.in_a_row = 0  # quick returns since the last child that ran a while
        self._started = time.monotonic()

    def started(self) -> None:
        """A child has just been started."""
        self._started = time.monotonic()

    def returned(self) -> float:
        """The child asked to be started again: the seconds to wait first (0.0: at once)."""
        if time.monotonic() - self._started >= self.quick_seconds:
            self.in_a_row = 0
            return 0.0
        self.in_a_row += 1
        return min(self.longest, self.first * 2.0 ** (self.in_a_row - 1))

    @property
    def to_report(self) -> bool:
        """Whether the latest return is the one to report: the ``tell_after``-th quick one in a row."""
        return self.in_a_row == self.tell_after


def run_command(args: Sequence[str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run ``exsampling ARGS`` once in a fresh interpreter and return what it printed (text), for listings that
    must not load their libraries into this process (PortAudio's device list goes stale in a long-lived one)."""
    return subprocess.run([sys.executable, "-m", "exsampling_patch", *args], capture_output=True, text=True,
                          timeout=timeout, check=False)


def wait_or_kill(process: subprocess.Popen[bytes], timeout: float = 1.0) -> int:
    """Wait up to ``timeout`` s for ``process`` to end, then kill it; its exit status."""
    try:
        return process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        return process.wait()


def main(argv: list[str]) -> int:
    """The child's side: ``MODULE FD``; runs ``MODULE.serve(Connection(FD))`` and exits with what it returns.
    A module with ``FAST_EXIT = True`` skips the interpreter's teardown (over a second with torch loaded, which
    the node's stop and a Ctrl+C would wait for)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    module = importlib.import_module(argv[1])
    code = int(module.serve(Connection(int(argv[2]))))
    if getattr(module, "FAST_EXIT", False):
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv))
