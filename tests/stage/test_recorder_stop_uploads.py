"""The run's summary tells the phones' uploads that the stop cut mid-body, on the console and in ``--json``.

A performer stopped the run (Ctrl+C) while a phone's upload was halfway through: the summary said only "takes ended:
rejected 2, slot 2". No take was lost (the phone kept it, and sent it again after the restart), but the performer was
not told that takes had been on their way. Here a real HTTPS recorder in ``exsampling run``, a phone's upload sent in
part over a raw TLS socket, and a Ctrl+C to the run's process group while the rest is held back.
"""

from __future__ import annotations

import json
import os
import socket
import ssl
import time
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from tests.stage.helpers import Run, free_port
from tests.stage.test_exit import folder_patch

TOKEN = "the-current-token-0123456789"
PART = 4000  # bytes a piece: one TLS record each, read by one read of the recorder's


def queued(local: int, remote: int) -> tuple[int, int] | None:
    """(bytes sent not yet acknowledged, bytes received not yet read) of the loopback TCP socket from port ``local``
    to port ``remote`` (``/proc/net/tcp``); None while there is none."""
    with open("/proc/net/tcp", encoding="ascii") as table:
        for row in table.readlines()[1:]:
            fields = row.split()
            if int(fields[1].split(":")[1], 16) == local and int(fields[2].split(":")[1], 16) == remote:
                sent, received = fields[4].split(":")
                return int(sent, 16), int(received, 16)
    return None


def read_by_recorder(sock: ssl.SSLSocket, port: int) -> None:
    """Wait until every byte sent on ``sock`` has been read by the recorder (its side's queue empty)."""
    mine = sock.getsockname()[1]
    deadline = time.monotonic() + 10.0
    while queued(mine, port) != (0, 0) or queued(port, mine) != (0, 0):
        assert time.monotonic() < deadline, (queued(mine, port), queued(port, mine))
        time.sleep(0.01)


@pytest.mark.skipif(not os.path.exists("/proc/net/tcp"), reason="reads the sockets' queues from /proc/net/tcp")
def test_the_summary_tells_the_uploads_the_stop_cut_off(tmp_path: Path) -> None:
    port = free_port()
    patch = folder_patch(tmp_path, f"""- id: phones
  type: web_recorder
  params: {{host: 127.0.0.1, port: {port}, print_qr: false, folder: takes, state_folder: state, token: {TOKEN}}}
""")
    take = encode_wav_pcm16(np.full(48000, 0.1, np.float32), 48000)
    run = Run(str(patch), "--json", "--for", "60", "--show-log", "none", "--log", str(tmp_path / "lib.log"))
    sock: ssl.SSLSocket | None = None
    try:
        run.wait_for('"url"')
        tls = ssl.create_default_context(cafile=str(tmp_path / "state" / "recorder-cert.pem"))
        sock = tls.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10), server_hostname="127.0.0.1")
        sock.sendall(f"POST /api/takes?token={TOKEN} HTTP/1.1\r\nHost: x\r\nX-Recorder: Ana\r\nX-Take-Id: halfway\r\n"
                     f"Expect: 100-continue\r\nContent-Length: {len(take)}\r\n\r\n".encode())
        assert sock.recv(4096).startswith(b"HTTP/1.1 100")
        # Two pieces, each read before the next is sent: the second is read after the recorder has counted the
        # first, so that its body is known to be arriving when the stop comes.
        for start in (0, PART):
            sock.sendall(take[start:start + PART])
            read_by_recorder(sock, port)
    finally:
        run.signal_group()
        run.wait(30)
        if sock is not None:
            sock.close()
    (summary,) = [line for line in run.stderr if line.startswith("stopped after")]
    assert ("; 1 upload from a phone to 'phones' cut off by the stop: the phone keeps that take and sends it again "
            "when the recorder is back" in summary), run.output()
    stopped = json.loads(run.stdout[-1])
    assert stopped["event"] == "RunStopped" and stopped["uploads_cut_off"] == {"phones": 1}, run.output()
    assert not list((tmp_path / "takes").glob("*.wav"))  # not stored: the phone sends it again
