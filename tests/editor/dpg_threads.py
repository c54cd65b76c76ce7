"""Waiting for a test's thread that calls Dear PyGui, before the test's context is destroyed.

A thread still running then calls Dear PyGui without a context, and dearpygui 2.3.1 segfaults on any call without
one: the worker died in a later test, blamed on it, the hung thread's test passed or failed quietly. A thread that
outlives its guard ends the process here instead, its stack on stderr, as pytest-timeout's own "thread" method ends a
hung test's (pytest-xdist names this test as the one its worker crashed in)."""

from __future__ import annotations

import contextlib
import faulthandler
import os
import sys
import threading
import time

#: The longest a test waits for such a thread: a guard against a hang, not a time the test expects. Below pytest's
#: own timeout (300 s), whose exception would unwind the test and destroy the context under the thread.
HANG_GUARD_SECONDS = 120.0
#: The exit status of a process ended by :func:`joined_or_ended`: not 70 (EX_SOFTWARE), which ``exsampling run`` ends
#: with when its exit handlers were cut off, nor any other status of a run (0-3, 128+N) or of pytest (0-5): a worker
#: that ended with it in a log is a test's hung thread, not a run's exit.
HUNG_EXIT = 97
#: The least a thread's join is given out of a guard that other waits used up first: with none left (a frame loop
#: that ran to the guard's end on a loaded machine) the join was 0 s and the process ended though the thread was
#: about to. A guard still: the loop's guard and this one stay below pytest's timeout together.
JOIN_AT_LEAST_SECONDS = 30.0


def guard_left(deadline: float) -> float:
    """Seconds for a join out of a guard ending at ``deadline`` (time.monotonic()), never below
    :data:`JOIN_AT_LEAST_SECONDS`."""
    return max(deadline - time.monotonic(), JOIN_AT_LEAST_SECONDS)


def joined_or_ended(thread: threading.Thread, what: str, seconds: float = HANG_GUARD_SECONDS) -> None:
    """Wait for ``thread`` (``what`` it does, for the message) up to ``seconds``; end the process if it runs on."""
    thread.join(max(seconds, 0.0))
    if not thread.is_alive():
        return
    try:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.write(f"\n{what} ({thread.name}) still runs after {seconds:g} s: ending the process before its "
                             f"Dear PyGui context is destroyed under it (dearpygui segfaults on a call without one)\n")
            sys.stderr.flush()
        # Straight to descriptor 2: sys.stderr may have no descriptor (pytest --capture=sys), and dump_traceback's
        # UnsupportedOperation then skipped the exit, the test unwinding into the context's destruction.
        with contextlib.suppress(Exception):
            faulthandler.dump_traceback(file=2, all_threads=True)
    finally:
        os._exit(HUNG_EXIT)
