"""An osc_send that sends only what needs no copy (controls, predictions, takes with files of their own) makes no
folder and holds no lock, on real UDP; its first take that needs a copy does.

Before: every start made the folder and took its lock, so a node that only sent controls left a ``session/osc``
folder (with its lock file) behind, and held off another run whose takes needed it."""

from __future__ import annotations

import socket
from pathlib import Path

from pythonosc.osc_message import OscMessage

from exsampling_patch.messages import ControlValue, Prediction, Score, SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.osc import OscSend
from exsampling_patch.takes import TakeStore

from .helpers import sine_take


def test_no_folder_until_a_take_needs_a_copy(tmp_path: Path) -> None:
    folder = tmp_path / "osc"
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    receiver.settimeout(5.0)
    port = receiver.getsockname()[1]
    own = TakeStore(tmp_path / "takes").store(sine_take(220.0, seconds=0.05, take_id="own"))  # its own file
    node = OscSend("tx", {"port": port, "folder": str(folder)}, NodeContext(tmp_path))
    node.start()
    try:
        node.on_message(ControlValue("cutoff", 0.5))
        node.on_message(Prediction(own, (Score("kick", 0.9),)))
        node.on_message(own)
        addresses = [OscMessage(receiver.recv(65536)).address for _ in range(3)]
        assert addresses == ["/exsampling/control/cutoff", "/exsampling/prediction", "/exsampling/take"]
        assert not folder.exists()  # nothing needed a copy: no folder, no lock

        other = OscSend("tx", {"port": port, "folder": str(folder)}, NodeContext(tmp_path))  # another run
        other.start()
        try:  # its take gets the folder: this run holds no lock on it
            other.on_message(SlotAssignment("one", sine_take(440.0, seconds=0.05), "kick", 0.9))
            theirs = Path(str(OscMessage(receiver.recv(65536)).params[1]))
            assert theirs.parent == folder.resolve() and theirs.is_file()
        finally:
            other.stop()

        node.on_message(SlotAssignment("one", sine_take(330.0, seconds=0.05), "snare", 0.9))  # changed: a copy
        mine = Path(str(OscMessage(receiver.recv(65536)).params[1]))
        assert mine.parent == folder.resolve() and mine.is_file() and mine != theirs
    finally:
        node.stop()
        receiver.close()
    assert node.context.errors == []
