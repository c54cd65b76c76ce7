"""A take the patch changed (trimmed, ...: no file of its own) sent by osc_send: written to its folder, and that path
sent, on real UDP. It went out with an empty path, which no receiver can read: its audio never got there."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
from pythonosc.osc_message import OscMessage

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.nodes.osc import OscSend
from exsampling_patch.nodes.osc_receive import OscReceive
from exsampling_patch.nodes.processing import trim_bounds
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.takes import write_take

from .helpers import sine_take


def wait_for(condition: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition(), "timed out"


def test_a_trimmed_take_reaches_the_receiver_with_its_audio_and_a_recorded_one_with_its_own_file(
        tmp_path: Path) -> None:
    rate = 44100
    sound = sine_take(330.0, seconds=0.2, rate=rate).samples
    quiet = np.zeros((rate // 5, 1), dtype=np.float32)
    recorded = write_take(Take(np.concatenate([quiet, sound, quiet]), rate), tmp_path / "kick.wav")
    receiver = OscReceive("rx", {"port": 0})
    receiver.start()
    patch = Patch()
    patch.add_node(NodeSpec("trim", "trim", {}))
    patch.add_node(NodeSpec("tx", "osc_send", {"port": receiver.bound_port, "folder": str(tmp_path / "osc")}))
    patch.connect("trim.out", "tx.message")
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.start(patch)
    try:
        engine.inject("trim", "take", recorded)
        got = receiver.context.emitted
        wait_for(lambda: len(got) == 1)
        engine.inject("tx", "message", recorded)  # its own file: sent as it is
        wait_for(lambda: len(got) == 2)
    finally:
        engine.stop()
        receiver.stop()
    assert receiver.context.errors == []
    trimmed, own = (take for _, take in got)
    assert trimmed.path is not None and trimmed.path.parent == (tmp_path / "osc").resolve()
    start, end = trim_bounds(recorded.mono(), rate, 60.0, "peak")
    assert 0 < end - start < recorded.frames
    read, read_rate = sf.read(str(trimmed.path), dtype="float32", always_2d=True)
    assert read_rate == rate
    # what the receiver has is what trim made of the recording (the copy is 32-bit float: no quantisation)
    np.testing.assert_allclose(trimmed.samples, recorded.samples[start:end], atol=1e-6)
    np.testing.assert_allclose(read, recorded.samples[start:end], atol=1e-6)
    assert trimmed.take_id == recorded.take_id
    assert own.path == recorded.path


def test_copies_are_kept_per_slot_and_for_takes_the_newest_only(tmp_path: Path) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5.0)
    folder = tmp_path / "osc"
    sender = OscSend("tx", {"port": listener.getsockname()[1], "folder": str(folder), "keep_per_slot": 2})
    sender.start()
    sent: list[Path] = []
    try:
        for i in range(3):
            sender.on_message(SlotAssignment("one", sine_take(220.0 * (i + 1), seconds=0.05), "kick", 0.9))
            sender.on_message(sine_take(110.0 * (i + 1), seconds=0.05))
        for _ in range(6):
            message = OscMessage(listener.recv(65536))
            sent.append(Path(str(message.params[1 if message.address.endswith("/slot") else 0])))
    finally:
        sender.stop()
        listener.close()
    assert sender.context.errors == []
    assert all(path.parent == folder.resolve() for path in sent) and len(set(sent)) == 6
    # the two newest of the slot's and of the takes' remain; the first of each, no longer needed, is gone
    assert sorted(folder.resolve().glob("*.wav")) == sorted(sent[2:])


def test_a_copy_that_cannot_be_written_is_told_and_the_take_ends_in_error(tmp_path: Path) -> None:
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(0.2)
    blocked = tmp_path / "osc"
    blocked.write_text("a file where the folder should be")
    sender = OscSend("tx", {"port": listener.getsockname()[1], "folder": str(blocked)})
    sender.start()
    take = sine_take(220.0, seconds=0.05)
    try:
        sender.on_message(SlotAssignment("one", take, "kick", 0.9))
        try:
            stray: bytes | None = listener.recv(65536)
        except TimeoutError:
            stray = None
    finally:
        sender.stop()
        listener.close()
    assert stray is None  # no message with a path nobody can read
    assert len(sender.context.errors) == 1 and str(blocked) in str(sender.context.errors[0])
    assert [fate for fate, _ in sender.context.fates] == ["error"]
    assert "could not be written" in sender.context.fates[0][1]


def test_a_slot_named_as_anything_keeps_its_copies_apart_from_the_takes_sent(tmp_path: Path) -> None:
    # The takes sent as /take kept their copies under the history key "(takes)": a slot of that name (a slot is any
    # name a patch gives) shared it, and each one's send removed the other's copy, still in use at the receiver.
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5.0)
    folder = tmp_path / "osc"
    sender = OscSend("tx", {"port": listener.getsockname()[1], "folder": str(folder), "keep_per_slot": 1})
    sender.start()
    sent: list[Path] = []
    try:
        for slot in ("(takes)", "(no slot)"):
            sender.on_message(sine_take(110.0, seconds=0.05))
            sender.on_message(SlotAssignment(slot, sine_take(220.0, seconds=0.05), "kick", 0.9))
        for _ in range(4):
            message = OscMessage(listener.recv(65536))
            sent.append(Path(str(message.params[1 if message.address.endswith("/slot") else 0])))
    finally:
        sender.stop()
        listener.close()
    assert sender.context.errors == [] and len(set(sent)) == 4
    # one of each history (keep_per_slot 1): the newest take's, and each slot's; the first take's copy is gone
    assert sorted(folder.resolve().glob("*.wav")) == sorted(sent[1:])
    # all three listed for the next start's sweep
    listed = {p for paths in json.loads((folder / ".kept-tx.json").read_text()).values() for p in paths}
    assert listed == {str(p) for p in sent[1:]}
