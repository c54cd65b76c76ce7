"""A child process (run by :mod:`exsampling_patch.child_process` in place of the sampler's audio process) started for
a JACK server that was back but has gone again before it looked: it says so, as the real one does
(:data:`~exsampling_patch.nodes.sampler.stream.JACK_GONE_AGAIN`), and exits with status 75 once the server "answers"
(here at once).

Each one appends the time it started to the file named by ``EXS_QUICK_RETURNS_LOG`` (:func:`tests.jack_never_found.
starts` reads it). The ``n``-th one, ``n`` from ``EXS_GONE_AGAIN_OPEN``, says its stream opened instead (the sampler
played between two outages).
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from pathlib import Path

from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.stream import JACK_GONE_AGAIN
from tests.jack_never_found import starts


def serve(connection: Connection) -> int:
    log = Path(os.environ["EXS_QUICK_RETURNS_LOG"])
    number = len(starts(log)) + 1
    with log.open("a", encoding="utf-8") as file:
        file.write(f"{time.monotonic()}\n")
    connection.recv()  # the setup
    if os.environ.get("EXS_GONE_AGAIN_OPEN") == str(number):
        connection.send(msg.Opened(None))
    else:
        connection.send(msg.Error(JACK_GONE_AGAIN))
    return msg.JACK_BACK_EXIT
