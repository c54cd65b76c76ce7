"""A take a folder source read is shown by its file, relative to the folder, wherever a person reads of it: the
stage console (tests/stage/test_console.py), the editor's performance view, OSC and the file Live gets. Its id stays
the default (``take-20250101-203000-0001a3f2``): the engine's key, unique, which a file name is not."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.editor.slots import read_slots, take_text
from exsampling_patch.messages import FOLDER_FILE, Prediction, Score, SlotAssignment, Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.nodes.osc import OscSend
from exsampling_patch.nodes.processing import Trim
from exsampling_patch.nodes.sampler import Sampler
from exsampling_patch.runtime.events import MessageHop, NodeStatus


def folder_read(tmp_path: Path) -> tuple[Take, NodeContext]:
    """kick.wav dropped into the folder's toms/, as the folder source passes it on, and the source's context."""
    folder = tmp_path / "inbox"
    (folder / "toms").mkdir(parents=True)
    sound = np.concatenate([np.zeros(2400), np.full(4800, 0.1), np.zeros(2400)]).astype(np.float32)
    sf.write(folder / "toms" / "kick.wav", sound, 48000)
    context = NodeContext(folder)
    node = FolderSource("inbox", {"folder": str(folder), "recursive": True, "include_existing": True,
                                  "poll_interval": 0.01, "settle_time": 0.05}, context)
    node.start()
    try:
        deadline = time.monotonic() + 10
        while not context.emitted and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        node.stop()
    assert context.errors == []
    ((_, take),) = context.emitted
    return take, context


def folder_take(tmp_path: Path) -> Take:
    """kick.wav dropped into the folder's toms/, as the folder source passes it on, then trimmed."""
    take, _ = folder_read(tmp_path)
    trim = Trim("trim", {})
    trim.start()
    trim.handle("take", take)
    ((_, trimmed),) = trim.context.emitted
    assert trimmed.frames < take.frames and trimmed.path is None, "new samples: no longer the file"
    return trimmed


def test_a_folder_take_is_named_by_its_file_its_id_the_default(tmp_path: Path) -> None:
    take = folder_take(tmp_path)
    assert take.take_id.startswith("take-") and take.name == "toms/kick.wav"
    other = Take(np.zeros(10, np.float32), 48000, take_id="mika-7")
    assert other.name == "mika-7", "a take from anywhere else is named by its id"


def test_osc_names_a_folder_take_by_its_file_after_its_id(tmp_path: Path) -> None:
    from pythonosc.osc_message import OscMessage

    take = folder_take(tmp_path)
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5)
    sender = OscSend("tx", {"port": listener.getsockname()[1], "folder": str(tmp_path / "osc")})
    sender.start()
    try:
        sender.on_message(take)
        sender.on_message(SlotAssignment("Toms", take, "drum", 0.9))
        sender.on_message(Prediction(take, (Score("drum", 0.9),)))
        got = {}
        for _ in range(3):
            message = OscMessage(listener.recv(65536))
            got[message.address] = message.params
    finally:
        sender.stop()
        listener.close()
    for address in ("/exsampling/take", "/exsampling/slot", "/exsampling/prediction"):
        assert got[address][-2:] == [take.take_id, "toms/kick.wav"], (address, got[address])


def test_the_performance_view_names_a_folder_take_by_its_file(tmp_path: Path) -> None:
    take = folder_take(tmp_path)
    sampler = Sampler("smp", {"device": "none", "virtual_port": ""}, NodeContext())
    sampler.start()
    try:
        sampler.on_assign(SlotAssignment("Snare", take, "drum", 0.9))
        (slot,) = [s for s in read_slots(sampler) or [] if s.name == "Snare"]
    finally:
        sampler.stop()
    assert slot.take_id == take.take_id
    assert take_text(slot) == ("toms/kick.wav", f"toms/kick.wav (take {take.take_id})")
    observer = RuntimeObserver()  # the view's "last take ... from inbox" line
    observer.on_event(MessageHop("trim", "out", "smp", "assign", take))
    observer.apply()
    assert observer.last_take is not None and observer.last_take.name == "toms/kick.wav"


def test_the_folder_sources_node_line_names_the_file_as_the_take_is_named(tmp_path: Path) -> None:
    take, context = folder_read(tmp_path)
    observer = RuntimeObserver()
    for status in context.statuses:
        observer.on_event(NodeStatus("inbox", status))
    observer.apply()
    assert f"last file {take.name}" in live_text(observer.nodes["inbox"]).split("  |  ")
    assert take.name == "toms/kick.wav"


def test_live_gets_a_folder_take_in_a_file_named_after_it_one_per_take(tmp_path: Path) -> None:
    from pythonosc.osc_message import OscMessage

    take = folder_take(tmp_path)
    again = Take(take.samples * 0.5, take.sample_rate, meta=dict(take.meta))  # the same file dropped again
    odd = Take(take.samples, take.sample_rate, meta={FOLDER_FILE: "a b/" + "ü" * 200 + ".flac"})
    plain = Take(take.samples, take.sample_rate, take_id="mika-7")
    listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    listener.bind(("127.0.0.1", 0))
    listener.settimeout(5)
    node = AbletonLive("live", {"port": listener.getsockname()[1], "folder": str(tmp_path / "live")})
    node.start()
    try:
        paths = []
        for each in (take, again, odd, plain):
            node.on_assignment(SlotAssignment("Toms", each, "drum", 0.9))
            message = OscMessage(listener.recv(65536))
            while message.address == "/exsampling/ping":  # the start's, and those once a take goes unanswered
                message = OscMessage(listener.recv(65536))
            assert message.address == "/exsampling/load"
            paths.append(Path(message.params[1]))
    finally:
        node.stop()
        listener.close()
    assert [p.name for p in paths[:2]] == [f"toms_kick+{take.take_id}.wav", f"toms_kick+{again.take_id}.wav"]
    for path, each in zip(paths, (take, again, odd, plain), strict=True):
        assert path.parent == (tmp_path / "live").resolve(), "no separator of the name reaches the path"
        np.testing.assert_array_equal(sf.read(path, dtype="float32", always_2d=True)[0], each.samples)
    assert paths[2].name.startswith("a_b_ü") and paths[2].name.endswith(f"+{odd.take_id}.wav")
    assert len(paths[2].name.encode()) < 200, "a long name is cut, its id kept"
    assert paths[3].name == "mika-7.wav", "a take named by its id keeps the name it had"
