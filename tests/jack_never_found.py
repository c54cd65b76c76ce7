"""A child process (run by :mod:`exsampling_patch.child_process` in place of the sampler's audio process or the
microphone's input process) whose PortAudio never finds a JACK server that its probe reaches: it exits at once with
status 75, "the JACK server is back, start a new process".

Each one appends the time it started (``time.monotonic()``, the same clock in every process) to the file named by
``EXS_QUICK_RETURNS_LOG``. With ``EXS_QUICK_RETURNS_OPEN`` set to ``n``, the ``n``-th one (``1``: the first, as a
first start must) says its stream opened through JACK first (a microphone's
:class:`~exsampling_patch.nodes.microphone_input.Opened`).
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from pathlib import Path

JACK_BACK_EXIT = 75


def serve(connection: Connection) -> int:
    log = Path(os.environ["EXS_QUICK_RETURNS_LOG"])
    number = len(starts(log)) + 1
    with log.open("a", encoding="utf-8") as file:
        file.write(f"{time.monotonic()}\n")
    connection.recv()  # the setup
    if os.environ.get("EXS_QUICK_RETURNS_OPEN") == str(number):
        from exsampling_patch.nodes.microphone_input import Opened

        connection.send(Opened("exs-test", 48000.0, "PortAudio"))
    return JACK_BACK_EXIT


def starts(log: Path) -> list[float]:
    """When each process started, in order."""
    return [float(line) for line in log.read_text(encoding="utf-8").split()] if log.exists() else []
