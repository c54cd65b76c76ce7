"""ableton_osc and ableton_live while another run of a patch holds their folder (same folder, same node id).

Their sent log (``.sent-<node>.txt``) is written by the patch process itself. Before, a second run appended to
the first run's log with no lock, silently: each read the log only at its start, so neither saw the other's
keys, and a run's rewrite of a long log dropped the other's (a take redone after a restart was then sent to
Live again). Now the node
holds the log's lock for its life; a second run's node does not start, with a clear error naming the folder and
the process that holds it, and each take it is given raises that error instead of going to Live unlogged.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import AbletonLive, AbletonOsc
from exsampling_patch.nodes.osc_outbox import FolderInUse, bundle_key, read_sent
from exsampling_patch.takes import write_take

from .helpers import receive_all, sine_take

#: The other run: the node on the same folder, one take sent and logged, holding the folder until told to stop.
OTHER_RUN = """
import sys
from pathlib import Path
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import {kind}
from exsampling_patch.takes import read_take
node = {kind}("live", {{"port": {port}, "reply_port": 0, "folder": {folder!r}}}
              if "{kind}" == "AbletonOsc" else {{"port": {port}, "folder": {folder!r}}})
node.start()
take = read_take(Path({take!r})).derive(meta={{"stored_at": 1.0}})
node.on_assignment(SlotAssignment("HH", take))
print("holding", flush=True)
sys.stdin.readline()
node.stop()
"""


def receive_answering(receiver: socket.socket, quiet: float = 0.5, first: float | None = None) -> list[bytes]:
    """:func:`receive_all`, answering each load as the remote script does when Live loaded it: ``ableton_live``
    writes a take down as sent once Live answers so."""
    got = []
    receiver.settimeout(quiet if first is None else first)
    try:
        while True:
            data, sender = receiver.recvfrom(65536)
            got.append(data)
            receiver.settimeout(quiet)
            message = OscMessage(data)
            if message.address == "/exsampling/load":
                slot, path = message.params[:2]
                receiver.sendto(ableton_remote.osc.encode("/exsampling/loaded", [slot, path, "clip_slot"]), sender)
    except TimeoutError:
        return got


def params(kind: type[AbletonOsc | AbletonLive], port: int, folder: Path) -> dict[str, object]:
    extra: dict[str, object] = {"reply_port": 0} if kind is AbletonOsc else {}
    return {"port": port, "folder": str(folder), **extra}


@pytest.mark.parametrize("kind", [AbletonOsc, AbletonLive])
def test_a_second_run_on_the_same_folder_refuses_clearly_and_sends_nothing(
        tmp_path: Path, kind: type[AbletonOsc | AbletonLive]) -> None:
    live = tmp_path / "live"
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # Live
    receiver.bind(("127.0.0.1", 0))
    port = receiver.getsockname()[1]
    first = write_take(sine_take(440.0, seconds=0.2), tmp_path / "first.wav")
    second = write_take(sine_take(330.0, seconds=0.2), tmp_path / "second.wav").derive(meta={"stored_at": 2.0})
    other = subprocess.Popen([sys.executable, "-c", textwrap.dedent(OTHER_RUN.format(
        kind=kind.__name__, port=port, folder=str(live), take=str(first.path)))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline() == "holding\n"
        assert receive_answering(receiver, first=5.0) != []  # the other run's take went to Live
        node = kind("live", params(kind, port, live))
        with pytest.raises(FolderInUse) as refused:
            node.start()
        error = str(refused.value)
        assert str(live) in error and f"process {other.pid}" in error, error
        assert "stop the other run" in error and "another folder" in error
        if kind is AbletonLive:
            node.on_upcoming(second)  # writes nothing ahead: its assignment says why
            assert sorted(p.name for p in live.iterdir() if not p.name.startswith(".")) == []
        with pytest.raises(FolderInUse):  # each take says why, and goes neither to Live nor to the log
            node.on_assignment(SlotAssignment("BD", second))
        node.stop()
        assert receive_all(receiver, quiet=0.2) == []
        assert other.stdin is not None
        other.stdin.write("stop\n")
        other.stdin.flush()
        assert other.wait(30) == 0
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()
    assert list(read_sent(live / ".sent-live.txt")[0]) == [bundle_key(first.take_id, "HH")]

    # Once the other run has stopped, the folder is this run's: it sends, and logs after the other run's key.
    node = kind("live", params(kind, port, live))
    node.start()
    try:
        node.on_assignment(SlotAssignment("BD", second))
        assert receive_answering(receiver, first=5.0) != []
    finally:
        node.stop()
        receiver.close()
    assert list(read_sent(live / ".sent-live.txt")[0]) == [bundle_key(first.take_id, "HH"),
                                                          bundle_key(second.take_id, "BD")]
