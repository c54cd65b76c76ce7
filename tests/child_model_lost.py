"""A child process run in place of the classifier's (:mod:`exsampling_patch.models.process`) that loads its model at
its first start, and at every later one (after a crash) cannot: it says so as the real one does, naming the model by
the path its node sent (the absolute path), and exits with status 1. The starts are counted in the file
``EXS_LOST_COUNT``."""

from __future__ import annotations

import os
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
from pathlib import Path

from exsampling_patch.child_process import Stop, Stopping


def serve(connection: Connection) -> int:
    from exsampling_patch.models.features import CLASSIFIED_SECONDS  # a current model's span
    from exsampling_patch.models.process import Failed, Ready, Setup

    setup: Setup = connection.recv()
    for _ in range(2 if setup.model_copy else 1):  # the take buffer's descriptor, then the model's copy
        os.close(recv_handle(connection))
    count = Path(os.environ["EXS_LOST_COUNT"])
    starts = int(count.read_text(encoding="utf-8") or 0) + 1 if count.exists() else 1
    count.write_text(str(starts), encoding="utf-8")
    if starts > 1:
        connection.send(Failed(f"not a readable model file: {setup.model} (it could not be read again)"))
        return 1
    connection.send(Ready(("dog", "rooster"), str(setup.model), {"span_seconds": CLASSIFIED_SECONDS}))
    try:
        while not isinstance(connection.recv(), Stop):
            pass
    except (EOFError, OSError):
        return 0
    connection.send(Stopping())
    return 0
