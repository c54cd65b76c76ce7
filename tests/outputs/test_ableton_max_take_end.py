"""``ableton_max``'s take ends say whether the take went: "slot HH" once its sender sent it, "slot HH, not delivered
to Live: nothing listens on ..." where nothing listened on the device's port (Live not running).

Before, the take ended as its bundle was handed to the sender, "-> HH" on the console whatever became of it: the
refusal was told once, on a line apart, and each take lost after it read as landed in its slot. Run in the real
engine, over real UDP on loopback; the device's side is a plain socket.
"""

from __future__ import annotations

import fcntl
import io
import socket
import time
from pathlib import Path

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeStatus, TakeEnded
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import write_take
from tests.stage.helpers import free_port

from .helpers import sine_take


def ends(tmp_path: Path, port: int, slots: list[str], host: str = "127.0.0.1") -> tuple[list[TakeEnded], list[str]]:
    """The ends of one take per slot of ``slots`` given to an ``ableton_max`` sending to ``host``:``port``, and the
    console's line for each."""
    patch = Patch()
    patch.add_node(NodeSpec("max", "ableton_max", {"host": host, "port": port, "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    err = io.StringIO()
    ended: list[TakeEnded] = []
    engine.events.subscribe(StageConsole(patch, err=err), TakeEnded, NodeStatus)
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    takes = [write_take(sine_take(440.0 + 110 * index, seconds=0.2), tmp_path / f"knock{index}.wav")
             for index in range(len(slots))]
    try:
        for slot, take in zip(slots, takes, strict=True):
            engine.inject("max", "assignment", SlotAssignment(slot, take, "knock", 0.9))
        deadline = time.monotonic() + 10
        while len(ended) < len(slots) and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        engine.stop()
    lines = [line for take in takes for line in err.getvalue().splitlines() if take.name in line]
    return ended, lines


def test_takes_nothing_listens_for_end_not_delivered(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)  # Live not running: nothing on the device's port
    ended, lines = ends(tmp_path, port, ["HH", "Snare"])
    told = f"not delivered to Live: nothing listens on 127.0.0.1:{port}"
    assert sorted(end.reason for end in ended) == [f"slot HH, {told}", f"slot Snare, {told}"]
    # Live's reason once, on the node's line; each take's line says "not in Live" (commands/take_words.py)
    assert len(lines) == 2 and all(line.endswith("not in Live; no output has it") for line in
                                   (line.rsplit(" (", 1)[0] for line in lines)), lines


def test_takes_sent_to_a_host_not_found_end_not_delivered_each(tmp_path: Path) -> None:
    # The host's lookup failure is told once: before, the takes after the first, with no error of their own, counted
    # ableton_max among the outputs having them (amber on the phone, no "no output has it") though nothing went.
    ended, lines = ends(tmp_path, 10500, ["HH", "Snare"], host="no-such-host.invalid")
    assert len(ended) == 2 and all(end.loaded == () for end in ended), ended
    told = "not delivered to Live: OSC to no-such-host.invalid:10500 failed: "  # then the resolver's words
    reasons = sorted(end.reason for end in ended)
    assert reasons[0].startswith(f"slot HH, {told}") and reasons[1].startswith(f"slot Snare, {told}"), reasons
    assert len(lines) == 2 and all("no output has it" in line for line in lines), lines


def test_a_take_the_device_got_ends_in_its_slot(tmp_path: Path) -> None:
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    try:
        ended, lines = ends(tmp_path, int(device.getsockname()[1]), ["HH"])
        assert [end.reason for end in ended] == ["slot HH"]
        assert len(lines) == 1 and lines[0].endswith(f": slot HH ({ended[0].seconds * 1e3:.0f} ms)"), lines
        device.settimeout(5)
        assert b"/label" in device.recv(65536)
    finally:
        device.close()


def test_a_take_whose_copy_went_while_its_sender_waited_ends_not_delivered(tmp_path: Path) -> None:
    # Before, the sender said "gone" on a line apart and the take still ended "slot HH": Live got nothing.
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    live = tmp_path / "live"
    live.mkdir()
    patch = Patch()
    patch.add_node(NodeSpec("max", "ableton_max", {"port": device.getsockname()[1], "folder": str(live)}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    err = io.StringIO()
    ended: list[TakeEnded] = []
    engine.events.subscribe(StageConsole(patch, err=err), TakeEnded, NodeStatus)
    engine.events.subscribe(ended.append, TakeEnded)
    take = sine_take(440.0, seconds=0.2)  # no file of its own: the node writes its copy for Live
    try:
        with open(live / ".sent-max.txt.lock", "a") as other_run:  # another run's sender holds the folder
            fcntl.flock(other_run, fcntl.LOCK_EX)
            engine.start(patch)
            engine.inject("max", "assignment", SlotAssignment("HH", take, "knock", 0.9))
            assert engine.wait_idle(5, settle=0.05)
            copies = list(live.glob("*.wav"))
            assert len(copies) == 1 and ended == []  # handed over, waiting for the folder
            copies[0].unlink()  # by hand, while the sender waits
        deadline = time.monotonic() + 10
        while not ended and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        engine.stop()
        device.close()
    told = f"not delivered to Live: its file {copies[0]} is gone (deleted before it went)"
    assert [end.reason for end in ended] == [f"slot HH, {told}"]
    lines = [line for line in err.getvalue().splitlines() if take.take_id in line]
    assert len(lines) == 1 and told in lines[0], lines
