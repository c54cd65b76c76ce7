"""Waiting in a test for the sampler's audio process to open its stream: until it has, or a problem is told.

The process imports for a good part of a second of CPU before it says anything, at the normal priority; under the
load of a shared test machine its stream opened 1-1.5 s after the start alone, up to 7 s beside other tests and busy
loops on 2 cores, and past the 10 s the tests waited under CI's load (the process still starting, no error told). A
process that cannot start, ends, or whose stream has not opened within its own ``AudioConfig.open_notice`` once
started tells an error: that is what a test waits for besides the stream, not a start-up time.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.waiting import wait_for

#: The longest a test waits for a sampler's audio process to open its stream or say why not: a guard against a hang,
#: not a start-up time the test expects. Below pytest's own timeout (300 s).
HANG_GUARD_SECONDS = 120.0


def opened_or_told(audio: Any, told: Callable[[], object]) -> bool:
    """Whether the audio process ``audio`` (a sampler's ``audio``) opened its stream, waited for until it has or a
    problem is told (``told``: the node's errors, the engine's, or those a test collects), however long its start-up
    takes."""
    wait_for(lambda: audio.opened.is_set() or bool(told()), HANG_GUARD_SECONDS)
    return bool(audio.opened.is_set())
