"""``ableton_max`` to a port of this machine where nothing listens (Live not running): told once, and its end.

Before, the sender swallowed the refusal and sent the next take the same way: the console said "slot HH" for
each take and nothing else, the takes lost. Real UDP on loopback; the device's side is a plain socket."""

from __future__ import annotations

import io
import socket
import time
from collections.abc import Callable
from pathlib import Path

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonMax
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.events import NodeStatus
from exsampling_patch.takes import write_take

from .helpers import sine_take


def wait_for(done: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not done() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert done()


def test_a_port_where_nothing_listens_is_told_and_so_is_its_return(tmp_path: Path) -> None:
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    port = int(device.getsockname()[1])
    device.close()  # Live not running: nothing on the device's port
    context = NodeContext()
    node = AbletonMax("live", {"port": port, "folder": str(tmp_path / "live")}, context)
    node.start()
    try:
        take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))
        node.on_assignment(SlotAssignment("Snare", take, "knock", 0.9))
        # The sender is done with both (was a sleep(0.3)): it says a refusal before it says it is done with the take.
        wait_for(lambda: bool(context.errors) and not node.outbox.pending_files())
        assert [str(e) for e in context.errors] == [  # once, not per take
            f"nothing listens on 127.0.0.1:{port}: takes sent there are lost until something does; is Live "
            "running, with the ExSampling device in its set?"]
        device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        device.bind(("127.0.0.1", port))  # Live opened
        device.settimeout(5)
        node.on_assignment(SlotAssignment("TT", take, "knock", 0.9))
        assert b"/label" in device.recv(65536)
        wait_for(lambda: any("device_listens" in s for s in context.statuses))
        assert {"port": port, "device_listens": f"127.0.0.1:{port}"} in context.statuses
        assert len(context.errors) == 1
    finally:
        node.stop()
        device.close()


def test_the_console_says_the_device_listens_again() -> None:
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max"))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    console(NodeStatus("live", {"port": 10500, "device_listens": "127.0.0.1:10500"}, back=True))
    assert err.getvalue().splitlines()[-1].endswith(
        " live is back: ableton_max 'live': the device listens again on 127.0.0.1:10500")
