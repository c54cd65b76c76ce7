"""A child process (run by :mod:`exsampling_patch.child_process` in place of the microphone's input process, of
the sampler's audio process with ``EXS_HANG_AS=sampler``, or of the classifier's with ``EXS_HANG_AS=classifier``)
that says its stream opened (its model loaded), then, by ``EXS_INPUT_STOP``:

- ``hang``: never reads its messages again, as a process stuck in a library call would: it ignores the Stop;
- ``slow``: answers the Stop (:class:`~exsampling_patch.child_process.Stopping`), then takes
  ``EXS_INPUT_STOP_SECONDS`` to finish, as one closing a slow stream, and exits with status 0.
"""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle

from exsampling_patch.child_process import Stop, Stopping


def serve(connection: Connection) -> int:
    connection.recv()  # the setup
    if os.environ.get("EXS_HANG_AS") == "sampler":
        from exsampling_patch.nodes.sampler import protocol as msg

        for opening in (msg.Rate(48000), msg.Ready(), msg.Opened(None)):
            connection.send(opening)
    elif os.environ.get("EXS_HANG_AS") == "classifier":
        from exsampling_patch.models.features import CLASSIFIED_SECONDS  # a current model's span
        from exsampling_patch.models.process import Ready

        os.close(recv_handle(connection))  # the take buffer's descriptor, sent after the setup
        connection.send(Ready(("dog", "rooster"), "exs-test.pt", {"span_seconds": CLASSIFIED_SECONDS}))
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
