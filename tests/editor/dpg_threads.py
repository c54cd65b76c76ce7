"""Waiting for a test's thread that calls Dear PyGui, before the test's context is destroyed.

A thread still running then calls Dear PyGui without a context, and dearpygui 2.3.1 segfaults on any call without
one: the worker died in a later test, blamed on it, the hung thread's test passed or failed quietly. A thread that
outlives its guard ends the process here instead, its stack on stderr, as pytest-timeout's own "thread" method ends a
hung test's (pytest-xdist names this test as the one its worker crashed in)."""

from __future__ import annotations

import faulthandler
import os
import sys
import threading

#: The longest a test waits for such a thread: a guard against a hang, not a time the test expects. Below pytest's
#: own timeout (300 s), whose exception would unwind the test and destroy the context under the thread.
HANG_GUARD_SECONDS = 120.0
#: The exit status of a process ended by :func:`joined_or_ended` (EX_SOFTWARE).
HUNG_EXIT = 70


def joined_or_ended(thread: threading.Thread, what: str, seconds: float = HANG_GUARD_SECONDS) -> None:
    """Wait for ``thread`` (``what`` it does, for the message) up to ``seconds``; end the process if it runs on."""
    thread.join(max(seconds, 0.0))
    if not thread.is_alive():
        return
    sys.stdout.flush()
    sys.stderr.write(f"\n{what} ({thread.name}) still runs after {seconds:g} s: ending the process before its "
                     f"Dear PyGui context is destroyed under it (dearpygui segfaults on a call without one)\n")
    sys.stderr.flush()
    faulthandler.dump_traceback(all_threads=True)
    os._exit(HUNG_EXIT)
