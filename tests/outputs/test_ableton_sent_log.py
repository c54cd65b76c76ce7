"""ableton_max's sent log against a kill -9 that comes just after a take's bundle went out.

A take whose bundle has gone must be in ``.sent-<node>.txt`` by then: the process that restarts after the kill
redoes the take (it had not ended) and sends it again unless the log names it (issue 16's crash check saw the
device get such a take twice). The sending thread used to let the interpreter lock go for the ``sendto`` and
win it back before it wrote the log line; on a busy patch another thread held the lock meanwhile, for hundreds of
microseconds, and the kill found the datagram gone and the line unwritten.
"""

from __future__ import annotations

import contextlib
import socket
import time
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes import osc
from exsampling_patch.nodes.ableton import AbletonMax
from exsampling_patch.takes import write_take

from .helpers import sine_take

needs_libc = pytest.mark.skipif(getattr(osc, "_SEND_WRITE", ()) is None,
                                reason="no libc to send and log with the lock held")


class Died(BaseException):
    """Stands for the process being killed: nothing after it runs."""


@needs_libc
def test_the_log_line_is_written_with_the_send_nothing_between(tmp_path: Path, monkeypatch: Any) -> None:
    """The thread is stopped for good the moment its send returns: the line is there all the same."""

    class DyingSocket(socket.socket):
        def send(self, *args: Any, **kwargs: Any) -> int:
            super().send(*args, **kwargs)
            raise Died

        def sendto(self, *args: Any, **kwargs: Any) -> int:
            super().sendto(*args, **kwargs)
            raise Died

    monkeypatch.setattr(osc.socket, "socket", DyingSocket)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as receiver:
        receiver.bind(("127.0.0.1", 0))
        receiver.settimeout(2.0)
        node = AbletonMax("live", {"port": receiver.getsockname()[1], "folder": str(tmp_path / "live")})
        node.start()
        take = write_take(sine_take(440.0), tmp_path / "t.wav").derive(meta={"stored_at": time.monotonic()})
        with contextlib.suppress(Died):
            node.on_assignment(SlotAssignment("HH", take))
        assert receiver.recv(65536)  # the bundle went
    assert (tmp_path / "live" / ".sent-live.txt").read_text(encoding="utf-8").split() == [take.take_id]
