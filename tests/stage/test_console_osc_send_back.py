"""osc_send back on the stage console. Its target's error is told once and ends at the first send that goes (a status
with its ``port``), but the console had no line for that status: a performer who read "error in node 'tx': OSC to
... failed" never read that the node sends again, as other nodes whose error ends say it ("<node> is back: ...").

Real engine, real UDP. A UDP send to a closed port is no error (the refusal comes back for an earlier datagram, and
the node sends again: nodes/osc_sender.py), so the target's error here is a datagram too long for UDP to a live
receiver, as the node's own test makes it (tests/outputs/test_osc_send_error_stands.py)."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import ControlValue
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine

TOO_LONG = "x" * 70000  # a control's name this long makes a datagram past UDP's largest (EMSGSIZE)


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(10)
    yield sock
    sock.close()


def test_osc_send_is_said_back_at_its_first_send_that_goes(tmp_path: Path, receiver: socket.socket) -> None:
    port = receiver.getsockname()[1]
    patch = Patch()
    patch.add_node(NodeSpec("tx", "osc_send", {"host": "127.0.0.1", "port": port, "folder": str(tmp_path / "osc")}))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.events.subscribe(console, *console.kinds())
    engine.start(patch)

    def send(message: ControlValue) -> None:
        engine.inject("tx", "message", message)
        assert engine.wait_idle(10)

    try:
        send(ControlValue(TOO_LONG, 1.0))
        send(ControlValue(TOO_LONG, 1.0))  # still failing: nothing more said
        assert "back" not in err.getvalue()
        send(ControlValue("cutoff", 0.5))
        assert receiver.recv(65536).startswith(b"/exsampling/control/cutoff\0")
        send(ControlValue("cutoff", 0.6))  # going as before: no second line
    finally:
        engine.stop()
    lines = [line.split(" ", 1)[1] for line in err.getvalue().splitlines()]  # without the clock
    assert len(lines) == 2, lines
    assert lines[0].startswith(f"error in node 'tx': OSC to 127.0.0.1:{port} failed: "), lines
    assert lines[1] == f"tx is back: osc_send 'tx': OSC to 127.0.0.1:{port} (UDP)", lines
