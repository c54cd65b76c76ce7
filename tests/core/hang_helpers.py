"""What the tests of hung handlers share: waiting, within a loaded host's deadline, for what a handler's return does."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(done: Callable[[], object], seconds: float = 10) -> bool:
    """Whether ``done()`` came true within ``seconds`` (a loaded host's deadline)."""
    deadline = time.monotonic() + seconds
    while not done():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
