"""ableton_max's sender process killed mid-show: the next hand-over starts another and tells the error, and once
the new sender sends, the node reports its port again, which ends the error (runtime.recovery). Before, the
error stood until the patch restarted: Engine.errors, the editor's badge and the summary kept a sender that
worked again."""

from __future__ import annotations

import io
import signal
import socket
import time
from pathlib import Path

from pythonosc.osc_bundle import OscBundle

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, Event, NodeError, NodeStatus
from exsampling_patch.takes import write_take

from .helpers import sine_take
from .test_osc_outbox import receive_all


def labels(datagrams: list[bytes]) -> list[str]:
    return [str(m.params[0]) for d in datagrams for m in OscBundle(d) if m.address == "/label"]


def test_a_killed_sender_is_told_then_its_restart_ends_the_error(tmp_path: Path) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # Live's device
    receiver.bind(("127.0.0.1", 0))
    port = receiver.getsockname()[1]
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "t.wav")
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {"port": port, "folder": str(tmp_path / "live")}))
    events: list[Event] = []
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.events.subscribe(events.append, NodeError, NodeStatus)
    engine.events.subscribe(console, *console.kinds())
    engine.start(patch)
    try:
        engine.inject("live", "assignment", SlotAssignment("one", take))
        assert labels(receive_all(receiver, first=10.0)) == ["one"]
        sender = engine.node("live").outbox._process
        sender.send_signal(signal.SIGKILL)
        sender.wait(5)
        engine.inject("live", "assignment", SlotAssignment("two", take))
        assert labels(receive_all(receiver, first=10.0)) == ["two"]
        deadline = time.monotonic() + 10
        while ("live" in engine.errors or not engine.error_counts) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert engine.errors == {} and engine.error_counts["live"] >= 1
    finally:
        engine.stop()
        receiver.close()
    told = [e.error for e in events if isinstance(e, NodeError)]
    assert told and any("the OSC sender stopped" in str(e) for e in told), told
    last_error = max(i for i, e in enumerate(events) if isinstance(e, NodeError))
    restarted = [i for i, e in enumerate(events) if isinstance(e, NodeStatus) and "sender_restarted" in e.status]
    assert len(restarted) == 1 and restarted[0] > last_error
    assert events[restarted[0]].status == {"port": port, "sender_restarted": True}  # type: ignore[attr-defined]
    assert err.getvalue().splitlines()[-1].endswith(
        " live is back: ableton_max 'live': OSC to Live again, its sender started again"), err.getvalue()
