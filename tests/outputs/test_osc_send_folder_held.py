"""Two runs of a patch with the same osc_send node on the same folder: the second sends no copy there, rather than
clean up copies the first has sent, on real UDP.

The two shared one list of kept copies (``.kept-<node>.json``) and osc_send held no lock: the second run's first send
rewrote that list with its own copies alone, so the next start's sweep removed the first run's copy, which its
receiver (a slot that holds it) may load again. osc_send now holds the folder's lock, as ableton_live and
ableton_osc hold theirs, before it sweeps: taken by its first take that needs a copy (test_osc_send_no_folder.py),
so the second run starts, sends what needs no copy, and refuses each take that does."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pythonosc.osc_message import OscMessage

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.nodes.osc import OscSend
from exsampling_patch.nodes.osc_outbox import FolderInUse

from .helpers import sine_take

#: The other run: osc_send on the same folder, a changed take sent to slot "one" (its copy written), holding on.
OTHER_RUN = """
import sys
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.osc import OscSend
from tests.outputs.helpers import sine_take
node = OscSend("tx", {{"port": {port}, "folder": {folder!r}}})
node.start()
node.on_message(SlotAssignment("one", sine_take(440.0, seconds=0.05), "kick", 0.9))
print("holding", flush=True)
sys.stdin.readline()
node.stop()
"""


def test_a_second_run_on_the_same_folder_refuses_and_leaves_the_first_runs_copies(tmp_path: Path) -> None:
    folder = tmp_path / "osc"
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5.0)
    port = receiver.getsockname()[1]
    other = subprocess.Popen([sys.executable, "-c", textwrap.dedent(OTHER_RUN.format(port=port, folder=str(folder)))],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                             cwd=Path(__file__).resolve().parents[2])
    try:
        assert other.stdout is not None and other.stdout.readline() == "holding\n"
        copy = Path(str(OscMessage(receiver.recv(65536)).params[1]))
        assert copy.parent == folder.resolve() and copy.is_file()
        old = time.time() - 10.0  # the first run's copy, sent a while ago (the sweep spares a second's new files)
        os.utime(copy, (old, old))
        for _ in range(2):  # a start, sends, and a start again (a restart of this run)
            node = OscSend("tx", {"port": port, "folder": str(folder)})
            node.start()  # the folder is taken by the first take that needs a copy
            try:
                for _ in range(2):  # each such take says why, and goes nowhere
                    with pytest.raises(FolderInUse) as refused:
                        node.on_message(SlotAssignment("one", sine_take(330.0, seconds=0.05), "snare", 0.9))
                    error = str(refused.value)
                    assert str(folder) in error and f"process {other.pid}" in error, error
                node.on_message(ControlValue("cutoff", 0.5))  # what needs no copy goes
                assert OscMessage(receiver.recv(65536)).address == "/exsampling/control/cutoff"
            finally:
                node.stop()
        assert copy.is_file()  # the first run's slot still has its audio
        assert sorted(p.name for p in folder.glob("*.wav")) == [copy.name]
        assert other.stdin is not None
        other.stdin.write("stop\n")
        other.stdin.flush()
        assert other.wait(30) == 0
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()

    # Once the other run has stopped, the folder is this run's: it sends its copy.
    node = OscSend("tx", {"port": port, "folder": str(folder)})
    node.start()
    try:
        node.on_message(SlotAssignment("one", sine_take(330.0, seconds=0.05), "snare", 0.9))
        mine = Path(str(OscMessage(receiver.recv(65536)).params[1]))
    finally:
        node.stop()
        receiver.close()
    assert node.context.errors == [] and mine.is_file() and mine != copy
