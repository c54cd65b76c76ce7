"""How ``exsampling run`` stops on a signal (Ctrl+C, SIGTERM, a closed terminal: SIGHUP), and how its process ends.

- :class:`StopSignals`, the run's handler: the first signal stops the run cleanly, with its summary (``run.py`` waits
  on :attr:`StopSignals.stop`, a lock-free :class:`SignalFlag`); a second one, or any while the stop hangs, quits at
  once (:func:`quit_at_once`); the first one delivered twice (to the run and to its process group) is that one, not a
  second (:func:`same_signal_seconds`). After the summary a signal changes nothing, but a second one ends a run still
  stalled :data:`AFTER_SUMMARY_GRACE` later (:class:`ClosingWatch`).
- :func:`stopping_text`: the line a signal's stop begins with.
- :func:`watch_exit`: once the run has returned, the signals are ignored to the process's end (``cli.ignore_stops``):
  an exit handler that stalls then ends after :data:`EXIT_GRACE` (``cli.exit_at_once``), where only SIGKILL ended
  it, with the run's status, or :data:`EXIT_CUT_OFF` where that was 0 (:func:`cut_off_status`).
"""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sys
import threading
import time

#: A signal the same as the first within this is that one delivered twice, no performer's second Ctrl+C (who reads
#: "Ctrl+C again" first): `timeout -s INT 5 exsampling run` sends its one SIGINT to the run and to its process group,
#: and where the handler ran between the two (a loaded machine: 1 run in 8), the run quit at once, without summary.
SAME_SIGNAL_SECONDS = 1.0
#: For tests only: a wider window than SAME_SIGNAL_SECONDS, read as the run starts. A test that sends the second of a
#: pair once it has read the run's "stopping" line may send it past 1 s on a loaded machine.
SAME_SIGNAL_ENV = "EXSAMPLING_TEST_SAME_SIGNAL_SECONDS"


#: Once the run has returned, how long its exit handlers and last flush (``cli.exit_at_once``) may take before the
#: process ends without them (:func:`watch_exit`): milliseconds (killing the classifier's spare process), unless one
#: stalls (a plugin's atexit handler waiting on something gone, stdout on a stalled pipe).
EXIT_GRACE = 5.0
#: For tests only: another EXIT_GRACE, read as the exit begins.
EXIT_GRACE_ENV = "EXSAMPLING_TEST_EXIT_GRACE_SECONDS"
#: The exit status of a run that went well but whose exit handlers stalled and were cut off (:func:`watch_exit`):
#: EX_SOFTWARE of sysexits.h, none of the run's own (0, 1, 2 for a usage error, 128+N after a signal).
EXIT_CUT_OFF = 70


def same_signal_seconds() -> float:
    """SAME_SIGNAL_SECONDS, or a test's window from SAME_SIGNAL_ENV (where it is a positive number of seconds)."""
    return _seconds_from(SAME_SIGNAL_ENV, SAME_SIGNAL_SECONDS)


def _seconds_from(variable: str, default: float) -> float:
    """The positive number of seconds the environment's ``variable`` holds, else ``default``."""
    try:
        seconds = float(os.environ.get(variable, ""))
    except ValueError:
        return default
    return seconds if 0 < seconds < float("inf") else default


class SignalFlag:
    """A flag that a signal handler sets and the run's main thread waits on with a timeout, with no lock anywhere.

    Why not a threading.Event: its wait() holds the Event's lock (a plain Lock) for a few bytecodes around each
    wait, and set() takes that lock. The handler runs on the main thread, between two of its bytecodes: landing
    inside the start-up's wait (50 a second, longer under a loaded machine's GIL switches) it waited for the lock
    its own thread held, for good. A CI run hung so 60 s after Ctrl+C during start-up. A pipe wakes the waiter
    instead: set() writes a byte, wait() polls its read end; nothing is ever read, so once set it stays readable.
    poll, not select: select raises ValueError for a descriptor of 1024 or more (a process with many files open)."""

    def __init__(self) -> None:
        self._set = False
        self._read, self._write = os.pipe()
        os.set_blocking(self._write, False)  # a full pipe (never, one byte a signal) must not block the handler

    def set(self) -> None:
        self._set = True  # before the byte: a waiter woken by it reads True
        with contextlib.suppress(OSError):  # full: readable already
            os.write(self._write, b"\0")

    def is_set(self) -> bool:
        return self._set

    def wait(self, timeout: float | None = None) -> bool:
        """Whether the flag is set, waiting up to ``timeout`` seconds (None: until it is). A signal during the
        poll runs its handler, which writes the byte: the poll (retried by Python) then returns at once."""
        if not self._set:
            poller = select.poll()
            poller.register(self._read, select.POLLIN)
            poller.poll(None if timeout is None else max(0, round(timeout * 1000)))  # milliseconds
        return self._set

    def close(self) -> None:
        """Its pipe closed: only once no handler can set() it any more (a later byte would land in whatever file
        reuses the descriptor)."""
        for fd in (self._read, self._write):
            with contextlib.suppress(OSError):
                os.close(fd)


class StopSignals:
    """The run's handler of SIGINT, SIGTERM and SIGHUP (:meth:`install`): the first sets :attr:`stop` and is noted in
    :attr:`stopped_by`; a second, or any while :attr:`stopping` is set (the stop hangs), quits at once, unless the run
    has said its summary (:meth:`ended`): then a second is noted, and ends the process silently, with the first one's
    status, only where the run has not ended within :data:`AFTER_SUMMARY_GRACE` (:class:`ClosingWatch`)."""

    def __init__(self) -> None:
        self.stop = SignalFlag()  # set in the handler: no threading.Event (see SignalFlag)
        self.stopped_by: list[int] = []
        self.stopping = threading.Event()  # the stop has begun, after --for or a signal
        self._first_at: list[float] = []  # when the first signal came
        self._same_signal = same_signal_seconds()  # read here, not in the handler
        self._previous: dict[int, signal._HANDLER] = {}  # the handlers install() replaced
        self._ended = False  # the run has said its summary (see ended())
        self._late_first: tuple[int, float] | None = None  # a first signal after a --for run's summary, and when
        self._closing: ClosingWatch | None = None  # started by ended(): never a thread started in the handler

    def on_signal(self, signum: int, _frame: object) -> None:
        stopped_by = self.stopped_by
        if stopped_by and signum == stopped_by[0] and time.monotonic() - self._first_at[0] < self._same_signal:
            return  # the first one again: `timeout -s INT` sends it to the run, then to the run's process group
        if self._ended:  # the run returns now, with the status its summary says: see ended()
            self._after_summary(signum)
            return
        if stopped_by or self.stopping.is_set():  # the stop hangs (a node's stop() waiting on something gone): quit
            quit_at_once(signum)
        self._first_at.append(time.monotonic())  # before stopped_by: a signal between the two reads it
        stopped_by.append(signum)
        self.stop.set()  # never raise here: a KeyboardInterrupt could land in any library's code, or in a callback

    def ended(self) -> None:
        """The run has said its summary and only returns now: a signal from here on says nothing and changes no exit
        status. Before, a second one there said "quit at once" after the summary of a run already ending, and exited
        with its own status instead of the first signal's. Still, what is left (its last lines, the JSON line) may
        block on a stalled pipe or a frozen terminal (Ctrl+S): a second signal then ends the process, where ignoring
        every signal left only SIGKILL; but only after a grace (:class:`ClosingWatch`), as ending it at once lost
        the JSON line RunStopped and the exit handlers of a run that was not stalled at all (a supervisor's SIGINT
        then SIGTERM)."""
        self._closing = ClosingWatch()
        self._ended = True  # after the watch: a handler that reads True finds it

    def _after_summary(self, signum: int) -> None:
        """A signal after the summary: the second of the run is noted, and the process ended with the first one's
        status if the run is still not over after the grace (:class:`ClosingWatch`). The first one is the one that
        stopped the run, or one that comes after a --for run's summary: noted apart (the status the run tells stays
        its own), and, as any first, not taken twice when delivered twice."""
        closing = self._closing
        if closing is None:
            return
        if self.stopped_by:
            closing.second(128 + self.stopped_by[0])
            return
        late = self._late_first
        if late is None:
            self._late_first = (signum, time.monotonic())
        elif signum != late[0] or time.monotonic() - late[1] >= self._same_signal:
            closing.second(128 + late[0])

    def install(self) -> None:
        # SIGHUP: the terminal (or the ssh session) the show was started from closed: stop as cleanly as on Ctrl+C.
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._previous[sig] = signal.signal(sig, self.on_signal)

    def uninstall(self, ignore: bool = False) -> None:
        """The handlers install() replaced put back, then the stop's pipe closed: a run called in-process (tests call
        main(["run", ...]) 18 times) left two descriptors open each time. In that order: a signal between the two
        would otherwise write its byte into whatever file had reused the descriptor.

        ``ignore``: the process ends with the run (the command line's, see cli.ignore_stops): the signals are left
        ignored instead. Put back, a SIGINT before the run had returned was Python's KeyboardInterrupt, which main()
        told as one during start-up after the run's summary (exit 130); a SIGTERM the early handler's 143; a SIGHUP
        killed the process before its exit handlers."""
        for sig, previous in self._previous.items():
            # None: not set from Python
            signal.signal(sig, signal.SIG_IGN if ignore else previous if previous is not None else signal.SIG_DFL)
        self._previous.clear()
        self.stop.close()
        if self._closing is not None and not ignore:  # the process ends with the run: the watch covers its exit too
            self._closing.over()


#: After a second signal after the summary, how long the run may take still to end (its last lines, the JSON line, the
#: exit handlers) before the process is ended as it is: they take milliseconds unless a pipe or the terminal stalls.
AFTER_SUMMARY_GRACE = 3.0


class ClosingWatch:
    """A thread that ends the process (os._exit) where a second signal after the summary came and the run has not
    ended :data:`AFTER_SUMMARY_GRACE` later. A thread of its own: the handler only notes the signal (two lock-free
    :class:`SignalFlag` writes), and the run's main thread may be the one stalled, on a write that never returns."""

    def __init__(self) -> None:
        self._second, self._over = SignalFlag(), SignalFlag()
        self._status = 0
        self._thread = threading.Thread(target=self._watch, name="exsampling-closing-watch", daemon=True)
        self._thread.start()

    def second(self, status: int) -> None:
        """From the signal handler: a second signal, ``status`` the exit status should the run not end in time."""
        if not self._second.is_set():
            self._status = status  # before the flag: the watch reads it once woken
            self._second.set()

    def over(self) -> None:
        """The run is over (called in-process: the process goes on): the watch ends, its pipes closed."""
        self._over.set()
        self._second.set()  # wakes the watch
        self._thread.join()
        self._second.close()
        self._over.close()

    def _watch(self) -> None:
        self._second.wait()
        if not self._over.wait(AFTER_SUMMARY_GRACE):
            os._exit(self._status)


def watch_exit(status: int) -> None:
    """End the process with ``status`` (os._exit; :func:`cut_off_status`), saying so on stderr (or nowhere, without
    one), where it has not ended :data:`EXIT_GRACE` seconds from now: called as the command line's run exits
    (``cli.exit_at_once``), before its exit handlers. Every signal is ignored by then (``cli.ignore_stops``: one
    landing in an exit handler was a traceback there, and stopped that handler), so a stalled exit handler left the
    process hanging after its summary until SIGKILL. A thread of its own: the main thread is the one that may be
    stalled."""
    seconds = _seconds_from(EXIT_GRACE_ENV, EXIT_GRACE)
    threading.Thread(target=_end_after, args=(seconds, status), name="exsampling-exit-watch", daemon=True).start()


def _end_after(seconds: float, status: int) -> None:
    time.sleep(seconds)  # no wake-up needed: an exit in time ends this thread with the process
    ended = cut_off_status(status)
    told = (f"status {ended} (the run's own, 0, would say all went well)" if ended != status
            else f"the run's status {status}")
    line = (f"the exit did not end within {seconds:g} s (an exit handler stalled: a plugin's atexit handler, or "
            f"output nobody reads): ended without it, with {told}\n")
    try:
        _say_without_waiting(line.encode())
    finally:  # whatever the line met: this thread is all that ends a stalled exit
        os._exit(ended)


def cut_off_status(status: int) -> int:
    """The status a run whose exit handlers the exit watch cut off ends with: :data:`EXIT_CUT_OFF` where the run's own
    was 0 (a script read "all went well" of a run whose plugin's exit handler never finished), else the run's own (a
    failure, a signal's 128+N: what the run met says more than its exit)."""
    return EXIT_CUT_OFF if status == 0 else status


def stopping_text(signum: int) -> str:
    """The line a signal's stop begins with, for what came: it said "Ctrl+C again" after a SIGTERM (a service
    manager, `kill`) and after a closed terminal too, where no Ctrl+C can come. Any second signal quits at once."""
    stored = "the takes stored are passed on at the next start"
    if signum == signal.SIGTERM:
        return f"stopping on SIGTERM (a second SIGTERM, or Ctrl+C, quits at once; {stored})"
    if signum == signal.SIGHUP:
        return f"stopping: the terminal was closed (SIGHUP; a second signal quits at once; {stored})"
    return f"stopping (Ctrl+C again to quit at once; {stored})"


def quit_at_once(signum: int) -> None:
    """End the process now, from the signal handler: every take accepted is on disk already, and a source passes on
    at the next start what had not reached its end. Written straight to the terminal's descriptor: the console's
    lock may be held by the very thread this handler interrupted."""
    try:
        _say_without_waiting(b"quit at once: what was stopping was left as it was; the takes stored are passed on at "
                             b"the next start\n")
    finally:  # whatever the line met, the process ends
        os._exit(128 + signum)


def _say_without_waiting(line: bytes) -> None:
    """``line`` on stderr's descriptor where it goes at once, else nowhere: a blocking write to a full terminal (Ctrl+S,
    nobody reading) held the handler there for good, never reaching os._exit. Through a descriptor of its own, opened
    anew non-blocking: O_NONBLOCK set on stderr's (or a dup, which shares the flag) would be left on the terminal the
    shell goes on with. Appended: stderr may be a file (run.log). Where ``sys.stderr`` is None (a process started
    without one, or a plugin set it so) or has no descriptor, descriptor 2, if open: the AttributeError of None's
    fileno() ended the exit watch's thread before its os._exit, and a stalled exit hung as before."""
    with contextlib.suppress(OSError, ValueError):
        fd = os.open(f"/proc/self/fd/{_stderr_fd()}",
                     os.O_WRONLY | os.O_NONBLOCK | os.O_APPEND | os.O_NOCTTY | os.O_CLOEXEC)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def _stderr_fd() -> int:
    """``sys.stderr``'s descriptor, else 2, the one the process began with (for None, a stream of no descriptor, a
    closed one)."""
    try:
        return sys.stderr.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both OSError and ValueError
        return 2
