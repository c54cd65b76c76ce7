"""A child process (run by :mod:`exsampling_patch.child_process` in place of the microphone's input process, or of
the sampler's audio process with ``EXS_HANG_AS=sampler``) that says its stream opened, then, by ``EXS_INPUT_STOP``:

- ``hang``: never reads its messages again, as a process stuck in a library call would: it ignores the Stop;
- ``slow``: answers the Stop (:class:`~exsampling_patch.child_process.Stopping`), then takes
  ``EXS_INPUT_STOP_SECONDS`` to finish, as one closing a slow stream, and exits with status 0.
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection

from exsampling_patch.child_process import Stop, Stopping


def serve(connection: Connection) -> int:
    connection.recv()  # the setup
    if os.environ.get("EXS_HANG_AS") == "sampler":
        from exsampling_patch.nodes.sampler import protocol as msg

        for opening in (msg.Rate(48000), msg.Ready(), msg.Opened(None)):
            connection.send(opening)
    else:
        from exsampling_patch.nodes.microphone_input import Opened

        connection.send(Opened("exs-test", 48000.0, None))
    if os.environ["EXS_INPUT_STOP"] == "hang":
        while True:
            time.sleep(1.0)
    while not isinstance(connection.recv(), Stop):  # takes sent before it
        pass
    connection.send(Stopping())
    time.sleep(float(os.environ["EXS_INPUT_STOP_SECONDS"]))
    return 0
