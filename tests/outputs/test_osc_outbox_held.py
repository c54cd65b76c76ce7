"""ableton_max while another run of a patch holds its folder (a second copy of the show, a test beside it).

The sender of the run that holds the folder keeps its lock for that run's whole life. Before, each hand-over of
a take in the second run waited 5 s for its sender to get the lock and reported the same unclear error again;
now hand-overs return at once, the node reports one error naming the folder and the process that holds it, and
the takes go to Live, in order, once that run stops.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import textwrap
import threading
from pathlib import Path
from typing import Any

from pythonosc.osc_bundle import OscBundle

from exsampling_patch.context import NodeContext
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import AbletonMax
from exsampling_patch.takes import write_take

from .helpers import receive_all, sine_take

#: The other run: an ableton_max node on the same folder, holding it until told to stop (or, should the test
#: never tell it, for at most this long).
OTHER_RUN = """
import select, sys
from exsampling_patch.nodes.ableton import AbletonMax
node = AbletonMax("live", {{"port": {port}, "folder": {folder!r}}})
node.start()
if not node.outbox._ready.wait(30):
    raise SystemExit("its sender never held the folder")
print("holding", flush=True)
select.select([sys.stdin], [], [], {hold})
node.stop()
"""


class Reports(NodeContext):
    """A node's errors and statuses, with events to wait for the first error and for the node sending again."""

    def __init__(self) -> None:
        super().__init__()
        self.failed = threading.Event()
        self.resumed = threading.Event()

    def report_error(self, node_id: str, error: BaseException | str, about: str = "") -> None:
        super().report_error(node_id, error, about)
        self.failed.set()

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        super().report_status(node_id, status)
        if "sending_again" in status:
            self.resumed.set()


def labels(datagrams: list[bytes]) -> list[str]:
    """The /label of each bundle, in the order they came."""
    return [str(m.params[0]) for d in datagrams for m in OscBundle(d) if m.address == "/label"]


def test_takes_wait_for_the_run_that_holds_the_folder_with_one_error_then_go_in_order(
        tmp_path: Path) -> None:
    live = tmp_path / "live"
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # Live's device
    receiver.bind(("127.0.0.1", 0))
    port = receiver.getsockname()[1]
    other = subprocess.Popen([sys.executable, "-c", textwrap.dedent(OTHER_RUN.format(
        port=port, folder=str(live), hold=15))], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert other.stdout is not None and other.stdout.readline() == "holding\n"
        take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "t.wav")
        reports = Reports()
        node = AbletonMax("live", {"port": port, "folder": str(live)}, reports)
        node.start()
        slots = [f"slot{i}" for i in range(5)]
        for slot in slots:
            node.on_assignment(SlotAssignment(slot, take))
        # Every hand-over has returned while the other run still holds the folder: it stops on its own after
        # 15 s, which five hand-overs that waited 5 s each would have outlasted.
        assert other.poll() is None
        assert reports.failed.wait(10), "no error while the folder is held"
        assert receive_all(receiver, quiet=0.2) == []  # nothing goes while the other run holds the folder

        assert other.stdin is not None
        other.stdin.write("stop\n")
        other.stdin.flush()
        assert other.wait(30) == 0
        assert labels(receive_all(receiver, first=10.0)) == slots  # all of them, in order, once
        assert reports.resumed.wait(10)
        node.stop()
    finally:
        receiver.close()
        if other.poll() is None:
            other.kill()
            other.wait()
    assert len(reports.errors) == 1, reports.errors
    error = str(reports.errors[0])
    assert str(live) in error and f"process {other.pid}" in error, error
    assert "stop the other run" in error and "another folder" in error
    assert [s for s in reports.statuses if "sending_again" in s] == [{"port": port, "sending_again": str(live)}]
    assert [s["slot"] for s in reports.statuses if "slot" in s] == slots


def test_the_stage_console_says_when_the_node_sends_again() -> None:
    """The node's status once the folder is free ends its error, and the performer, who saw the error, reads
    that takes go to Live again."""
    import io

    from exsampling_patch.commands.stage import StageConsole
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.runtime import NodeError, NodeStatus

    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {}))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    console(NodeError("live", error="the folder /s/live is in use by another run of a patch (...)"))
    console(NodeStatus("live", {"port": 10500, "sending_again": "/s/live"}, back=True))  # the engine's word
    assert err.getvalue().splitlines()[-1].endswith(
        " live is back: ableton_max 'live': OSC to Live again, the folder /s/live is free"), err.getvalue()
