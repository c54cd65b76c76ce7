"""ableton_max's sender process killed mid-show: another is started at once (or by the next hand-over, should that
find it dead first) and the error told, and once the new sender sends, the node reports its port again, which
ends the error (runtime.recovery). Before, the error stood until the patch restarted: Engine.errors, the editor's
badge and the summary kept a sender that worked again."""

from __future__ import annotations

import io
import signal
import socket
import time
from pathlib import Path
from typing import cast

from pythonosc.osc_bundle import OscBundle

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.ableton import AbletonMax
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, Event, NodeError, NodeStatus
from exsampling_patch.takes import write_take

from .helpers import done_with_all, receive_all, sine_take


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
        done_with_all(cast(AbletonMax, engine.node("live")).outbox)
        sender = cast(AbletonMax, engine.node("live")).outbox._process
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
    # told by the hand-over that found it dead, or (most often) by its reader as it died
    assert len(told) == 1 and "the OSC sender" in str(told[0]) and "starting it again" in str(told[0]), told
    last_error = max(i for i, e in enumerate(events) if isinstance(e, NodeError))
    restarted = [i for i, e in enumerate(events) if isinstance(e, NodeStatus) and "sender_restarted" in e.status]
    assert len(restarted) == 1 and restarted[0] > last_error
    assert events[restarted[0]].status == {"port": port, "sender_restarted": True}  # type: ignore[attr-defined]
    # The last line but the take's: take "two" ends once the sender started again has sent it.
    lines = [line for line in err.getvalue().splitlines() if ": slot " not in line]
    assert lines[-1].endswith(" live is back: ableton_max 'live': OSC to Live again, its sender started again"), \
        err.getvalue()


def test_a_sender_that_dies_with_no_take_to_come_is_started_again_at_once(tmp_path: Path) -> None:
    """Before, only the next take's hand-over found the sender dead and started another: a show with no take for
    minutes kept the error (the console's line, the editor's badge) all that while, and that take paid the start."""
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
        outbox = cast(AbletonMax, engine.node("live")).outbox
        assert outbox._ready.wait(10)
        sender = outbox._process
        sender.send_signal(signal.SIGKILL)
        sender.wait(5)
        deadline = time.monotonic() + 10
        while not any(isinstance(e, NodeStatus) and "sender_restarted" in e.status for e in events) \
                and time.monotonic() < deadline:
            time.sleep(0.02)
        # No take was handed over: the sender was started again, and its error ended, all the same.
        assert engine.errors == {} and engine.error_counts == {"live": 1}
        assert outbox._process is not None and outbox._process.pid != sender.pid and outbox._process.poll() is None
        engine.inject("live", "assignment", SlotAssignment("one", take))
        assert labels(receive_all(receiver, first=10.0)) == ["one"]  # handed to the new sender, sent at once
    finally:
        engine.stop()
        receiver.close()
    told = [str(e.error) for e in events if isinstance(e, NodeError)]
    assert told == ["the OSC sender exited with status -9; starting it again"], told
    said = [line.split(" ", 1)[1] for line in err.getvalue().splitlines()]
    assert said[:2] == ["error in node 'live': the OSC sender exited with status -9; starting it again",
                        "live is back: ableton_max 'live': OSC to Live again, its sender started again"], said
    assert len(said) == 3 and ": slot one (" in said[2], said  # the take's line


def test_a_take_handed_to_a_sender_that_dies_before_sending_it_goes_with_the_next(tmp_path: Path) -> None:
    """The sender stalls (stopped), is handed a take, and is killed: before, the take died in its pipe (it had
    ended in the patch, so no restart redid it either); the sender started in its place sends it."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    take = write_take(sine_take(440.0, seconds=0.1), tmp_path / "t.wav")
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {"port": receiver.getsockname()[1], "folder": str(tmp_path)}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.start(patch)
    try:
        outbox = cast(AbletonMax, engine.node("live")).outbox
        assert outbox._ready.wait(10)
        sender = outbox._process
        sender.send_signal(signal.SIGSTOP)
        engine.inject("live", "assignment", SlotAssignment("one", take))
        assert engine.wait_idle(5, settle=0.05)
        sender.send_signal(signal.SIGKILL)
        assert labels(receive_all(receiver, first=10.0)) == ["one"]  # no other take came
    finally:
        engine.stop()
        receiver.close()
