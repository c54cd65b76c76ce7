"""A Live output's start that removed a killed run's temporary files says so once, as a warning. The warning stayed
in the node's status, so the editor's node line read "warning: removed 1 temporary file ..." until the node stopped,
as if something were wrong now. It ends at the next take sent, with an empty warning, as the classifier ends its
backlog's."""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine

from .helpers import sine_take


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def killed_writers_part(folder: Path) -> Path:
    """A temporary file named after a process that has ended, as a kill mid-write leaves it."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    folder.mkdir()
    part = folder / f".copy.wav.{int(ended.stdout)}-abcdefgh.part"
    part.write_bytes(b"RIFF")
    return part


@pytest.mark.parametrize("kind", ["ableton_max", "ableton_live"])
def test_the_sweeps_warning_ends_at_the_next_take_sent(tmp_path: Path, receiver: socket.socket, kind: str) -> None:
    live = tmp_path / "live"
    part = killed_writers_part(live)
    patch = Patch()
    patch.add_node(NodeSpec("out", kind, {"port": receiver.getsockname()[1], "folder": str(live)}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    observer = RuntimeObserver()
    engine.events.subscribe(observer.on_event, *observer.KINDS)
    engine.start(patch)
    try:
        observer.apply()
        assert not part.exists()
        assert live_text(observer.nodes["out"]) == (f"warning: removed 1 temporary file that a killed run left in "
                                                    f"{live} (writes it never finished)")
        engine.inject("out", "assignment", SlotAssignment("HH", sine_take(220.0, seconds=0.05), label="dog"))
        assert engine.wait_idle(5, settle=0.05)
        receiver.settimeout(10.0)
        assert receiver.recv(65536)  # the take went
        observer.apply()
        assert live_text(observer.nodes["out"]) == "dog  |  slot HH"
        assert engine.status["out"]["warning"] == ""
    finally:
        engine.stop()
