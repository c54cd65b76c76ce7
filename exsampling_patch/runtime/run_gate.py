"""What a run's nodes do on the engine (an emit, an error, a status, a take's end) against the engine starting again.

A node's context checks "my run is the engine's" and then acts: start() running between the two let a node of the
ended run act on the new one (its take's end told to the new run's source, its error counted on the new run's node).
ec93313d closed it for emits with a lock held by start() and by every emit: each hop then waited for that lock
(bench_core, 2 workers: 6.2-7.5 us a hop went to 9.8-10.7), and a closed cell's callback or a hop's observer that
took a node's lock under it deadlocked against that node emitting.

Here an act takes no lock. Its thread writes down the run it acts for, then checks that run; start() bumps the run,
then waits for every thread written down to leave. Under the interpreter lock the two orders are the only ones: the
act was written down before the bump (start() waits for it, so it ends before the new run's state is put in), or it
checks after the bump (and sees its run has ended). Acts are mostly short, but a take's end runs its observers and
its source's take_ended in one: start() gives up waiting after :data:`WAIT_SECONDS` rather than hang on one that never
returns, and then starts nothing (EngineNotReady): gone on, that act went on in the new run's cells and ledger.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

log = logging.getLogger(__name__)

#: How long start() waits for the acts of the ended run in hand (a few microseconds each, unless one hangs).
WAIT_SECONDS = 5.0


class RunGate:
    """Which threads are acting for a run now (see the module's docstring)."""

    def __init__(self) -> None:
        self._acting: dict[int, int] = {}  # thread ident -> the run its outermost act is for
        #: True while a :meth:`wait_out` waits for an act (a test waits on it to let that act go on).
        self.waiting = False
        #: One event per :meth:`wait_out` under way, each set by every :meth:`leave`: it sleeps on its own instead of
        #: polling. Per waiter, not one flag and one event: with two wait_out calls at once, the first one's end turned
        #: the wake-ups off (or its clear() swallowed one) and the second slept its whole deadline.
        self._waiters: set[threading.Event] = set()

    def inside(self) -> bool:
        """Whether this thread acts already (an observer of a hop that emits): the outer act's entry then stands for
        both, and the inner one neither enters nor leaves."""
        return threading.get_ident() in self._acting

    def enter(self, run: int) -> None:
        """This thread acts for ``run`` from now, until :meth:`leave`. Called inside the ``try`` whose ``finally``
        leaves: an exception landing between the two (a KeyboardInterrupt) left the entry behind for good, and every
        later start() waited :data:`WAIT_SECONDS` for a thread that acted no more."""
        self._acting[threading.get_ident()] = run  # one dict store: atomic under the interpreter lock, no lock needed

    def leave(self) -> None:
        """This thread's act is over; nothing to do where the exception came before :meth:`enter` stored it."""
        self._acting.pop(threading.get_ident(), None)
        # After the pop, read with no lock: wait_out adds its event before it looks, so either it sees this act gone,
        # or this sees its event and wakes it. Only then an Event's lock: an emit's leave costs one read. tuple() of a
        # set is one C call: no wait_out adding or dropping its event lands midway.
        if self._waiters:
            for left in tuple(self._waiters):
                left.set()

    @contextlib.contextmanager
    def acting(self, run: int) -> Iterator[None]:
        """:meth:`enter` and :meth:`leave` around a context's act off the hot path (an error, a status, a take's
        end): its check of the run and what it does on it are one act."""
        outer = self.inside()
        try:
            if not outer:
                self.enter(run)
            yield
        finally:
            if not outer:
                self.leave()

    def wait_out(self, run: int) -> bool:
        """Wait until no other thread acts for a run before ``run`` (just bumped to); False after
        :data:`WAIT_SECONDS` with one still acting (logged; start() then starts nothing). This thread's own act, if
        it is in one (a take's end that starts the engine again), is not waited for: it could never end. Woken by each
        :meth:`leave` rather than polling: it slept 0.5 ms a round, up to 10000 rounds, beside the workers it waits
        for."""
        me = threading.get_ident()
        deadline = time.monotonic() + WAIT_SECONDS
        left = threading.Event()
        self._waiters.add(left)  # before the first look: a leave() after it wakes the wait below
        try:
            while True:
                left.clear()  # before the look: a leave() between the two leaves it set, the wait returns
                others = [ident for ident, of in dict(self._acting).items() if of < run and ident != me]
                if not others:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    log.warning("start: %d thread(s) of the last run still telling the engine after %.0f s; not "
                                "started", len(others), WAIT_SECONDS)
                    return False
                self.waiting = True
                left.wait(remaining)
        finally:
            self._waiters.discard(left)
            self.waiting = bool(self._waiters)  # another wait_out may still wait
