"""JACK's command-line tools (``jack_lsp``, ``jack_connect``), asked again when they fail.

Why again: jack2 names a client's socket ``/dev/shm/jack_<client>_<uid>_0`` after the client alone, not its server.
Where several JACK servers run at once (a test run's own, another's; a second show on one machine), a tool's client
can fail to open while a client of the same name (another ``jack_lsp``) opens on another server at that moment:
one failure then left a MIDI port unconnected or said no server runs, where the next try answers. The tests' own
calls go through the same function (tests/jack_tools.py).
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping

__all__ = ["ATTEMPTS", "jack_tool", "named_server"]

ATTEMPTS = 3
RETRY_PAUSE = 0.1
"""Seconds between tries: the clashing client is open for milliseconds."""


def jack_tool(*args: str, timeout: float = 5.0, env: Mapping[str, str] | None = None
              ) -> subprocess.CompletedProcess[str]:
    """Run the JACK tool ``args`` (output captured as text), up to :data:`ATTEMPTS` times while it exits with a
    failure; returns the last run, its exit status for the caller to judge (``jack_lsp`` fails where no server
    runs, ``jack_connect`` for ports already connected too).

    Raises:
        OSError: the tool is not there. subprocess.TimeoutExpired: a try took over ``timeout`` seconds (a server
            that hangs is not asked again).
    """
    for _ in range(ATTEMPTS - 1):
        done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)
        if done.returncode == 0:
            return done
        time.sleep(RETRY_PAUSE)
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env)


def named_server() -> str:
    """The JACK server ``JACK_DEFAULT_SERVER`` names, or '' for the default one: an error that said only "start a
    JACK server" misled a performer whose shell named another server than the one running."""
    name = os.environ.get("JACK_DEFAULT_SERVER", "")
    return "" if name in ("", "default") else name
