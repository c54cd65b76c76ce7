"""A child process run in place of the classifier's (:mod:`exsampling_patch.models.process`) that is killed
(SIGKILL, as the OOM killer does) before it says its model loaded, the first ``EXS_DIES_TIMES`` times it is started;
the starts are counted in the file ``EXS_DIES_COUNT``. With ``EXS_DIES_HOW=exit`` it exits with status 1 instead
(its Python failing before it could say why). Started after that, it says its model loaded and answers the
Stop."""

from __future__ import annotations

import os
import signal
from multiprocessing.connection import Connection
from multiprocessing.reduction import recv_handle
from pathlib import Path

from exsampling_patch.child_process import Stop, Stopping


def serve(connection: Connection) -> int:
    from exsampling_patch.models.features import CLASSIFIED_SECONDS  # a current model's span
    from exsampling_patch.models.process import Ready

    connection.recv()  # the setup
    count = Path(os.environ["EXS_DIES_COUNT"])
    starts = int(count.read_text(encoding="utf-8") or 0) + 1 if count.exists() else 1
    count.write_text(str(starts), encoding="utf-8")
    if starts <= int(os.environ["EXS_DIES_TIMES"]):
        if os.environ.get("EXS_DIES_HOW") == "exit":
            os._exit(1)
        os.kill(os.getpid(), signal.SIGKILL)
    os.close(recv_handle(connection))  # the take buffer's descriptor, sent after the setup
    connection.send(Ready(("dog", "rooster"), "exs-test.pt", {"span_seconds": CLASSIFIED_SECONDS}))
    while not isinstance(connection.recv(), Stop):
        pass
    connection.send(Stopping())
    return 0
