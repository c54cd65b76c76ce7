"""The run's stop signal handler, run where Python runs it: on the waiting thread, between two of its bytecodes. A
handler landing inside the run's wait for the stop must set it, not wait for a lock that very wait holds (a CI run
hung 60 s after a Ctrl+C during start-up, whose wait polls 50 times a second). A trace function stands in for the
signal: it calls the handler at each line the wait runs in turn, the exact places a real signal cannot be aimed at."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType
from typing import Any

from exsampling_patch.commands.run_signals import StopSignals


def handled_at(line: int) -> tuple[bool, bool]:
    """Wait for the stop on a thread of its own, the handler run at the ``line``-th line event of the wait; whether
    the wait ended within a generous deadline, and whether the handler ran in it."""
    signals = StopSignals()
    ran: list[bool] = []

    def trace(_frame: FrameType, event: str, _arg: Any) -> Any:
        if event == "line" and not ran:
            handled_at.count += 1  # type: ignore[attr-defined]
            if handled_at.count == line:  # type: ignore[attr-defined]
                ran.append(True)
                signals.on_signal(signal.SIGINT, None)
        return trace

    def waiting() -> None:
        sys.settrace(trace)  # this thread's only
        try:
            signals.stop.wait(0.05)
        finally:
            sys.settrace(None)

    handled_at.count = 0  # type: ignore[attr-defined]
    waiter = threading.Thread(target=waiting, daemon=True)  # left blocked for good where the handler deadlocks
    waiter.start()
    waiter.join(10.0)
    ended = not waiter.is_alive()
    if ended and ran:
        assert signals.stop.is_set() and signals.stop.wait(0), f"the handler ran at line {line}; the stop is not set"
    return ended, bool(ran)


def test_a_stop_signal_landing_anywhere_in_the_wait_for_it_is_taken() -> None:
    for line in range(1, 40):
        ended, ran = handled_at(line)
        assert ended, f"the stop's handler, run at line event {line} of the wait, waits for good (a lock it holds)"
        if not ran:  # the wait has fewer lines than that: each of them was tried
            break
    else:
        raise AssertionError("the wait ran 40 lines or more: try each of them")
    assert line > 1, "the handler never ran inside the wait"
