"""Files a field recorder's card or a synced folder brings, read by the folder source through a real engine and
stored by a take writer, with the stage console's line for each."""

from __future__ import annotations

import io
import json
import os
import re
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, showlog
from tests.intake.folder_show import inbox_to_writer, take_lines

RATE = 8000


def recording(seconds: float = 0.1) -> bytes:
    """A 24-bit WAV as a recorder writes it."""
    out = io.BytesIO()
    sf.write(out, np.full(int(seconds * RATE), 0.25, np.float32), RATE, subtype="PCM_24", format="WAV")
    return out.getvalue()


def run_show(inbox: Path, drop: dict[bytes, bytes], lines: int) -> list[str]:
    """A patch inbox -> writer on ``inbox`` (files there at start included); ``drop`` (file names as bytes: their
    contents) written once it has started. The console's take lines, once there are ``lines`` of them."""
    patch, engine, err = inbox_to_writer({"folder": str(inbox), "include_existing": True, "poll_interval": 0.02,
                                          "settle_time": 0.1}, inbox.parent / "library")
    engine.start(patch)
    try:
        for name, data in drop.items():
            with open(os.path.join(os.fsencode(inbox), name), "wb") as file:
                file.write(data)
        deadline = time.monotonic() + 20
        while err.getvalue().count(" from inbox") < lines and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.3)  # anything more would come now
    finally:
        engine.stop()
    library = f"{inbox.parent / 'library'}/"  # the writer's folder, as the take's line names its file
    return [re.sub(r"^\S+ (.*) \(\d+ ms\)$", r"\1", line).replace(library, "library/")
            for line in take_lines(err)]


def test_a_file_whose_name_is_not_utf8_is_read_stored_and_remembered(tmp_path: Path) -> None:
    """A card from a recorder that names files in Latin-1 (``café.wav`` as the byte 0xE9): before, the journal's
    strict UTF-8 raised once the file was marked read, before its take was passed on: the take was lost, and the
    console said only "UnicodeEncodeError", naming no file."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    name = os.fsdecode(b"caf\xe9.wav")
    first = run_show(inbox, {b"caf\xe9.wav": recording()}, 1)
    assert first == [f"{name} from inbox, 0.10 s: stored as library/{name}"], first
    assert [p.name for p in (tmp_path / "library").glob("*.wav")] == [name]
    # The next start, files there included: its take ended, so it is not read again; a new file is.
    again = run_show(inbox, {b"next.wav": recording()}, 1)
    assert again == ["next.wav from inbox, 0.10 s: stored as library/next.wav"], again


def test_a_cards_recycle_bin_is_not_read(tmp_path: Path) -> None:
    """A card watched (or copied) whole, recursively: Windows keeps the recordings deleted on it in $RECYCLE.BIN,
    under names like $R3K2J1.wav, not hidden by their names. Before, each was read and stored as a new take."""
    card = tmp_path / "inbox"
    for folder in ("$RECYCLE.BIN/S-1-5-21-1004", "RECYCLER", "System Volume Information", "FOLDER01", ".Trashes"):
        (card / folder).mkdir(parents=True)
    patch, engine, err = inbox_to_writer({"folder": str(card), "recursive": True, "poll_interval": 0.02,
                                          "settle_time": 0.1}, tmp_path / "library")
    engine.start(patch)
    try:
        for name in ("$RECYCLE.BIN/S-1-5-21-1004/$R3K2J1.wav", "RECYCLER/DC1.wav", "System Volume Information/x.wav",
                     ".Trashes/old.wav", "FOLDER01/ZOOM0002.WAV"):
            (card / name).write_bytes(recording())
        deadline = time.monotonic() + 20
        while " from inbox" not in err.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.5)  # the others would come now
    finally:
        engine.stop()
    lines = [re.sub(r"^\S+ (.*) \(\d+ ms\)$", r"\1", line) for line in take_lines(err)]
    assert lines == [f"FOLDER01/ZOOM0002.WAV from inbox, 0.10 s: stored as {tmp_path / 'library'}/ZOOM0002.wav"], lines


def test_a_take_whose_file_name_is_not_utf8_is_in_the_show_log_and_the_json_lines(tmp_path: Path) -> None:
    """The show log and `exsampling run --json` wrote their lines as strict UTF-8: the take of a Latin-1 card's
    café.wav was missing from the log (and from a replay of the show), and the JSON line to a pipe raised."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(inbox), "poll_interval": 0.02,
                                                       "settle_time": 0.1}))
    patch.add_node(NodeSpec("writer", "take_writer", {"folder": str(tmp_path / "library")}))
    patch.connect("inbox.take", "writer.take")
    problems: list[str] = []
    log = showlog.ShowLog(tmp_path / "show.jsonl", patch, ["inbox"], [], on_problem=problems.append)
    pipe = io.BytesIO()
    out = io.TextIOWrapper(pipe, encoding="utf-8", errors="strict", write_through=True)  # as stdout to a pipe
    console = StageConsole(patch, mode="json", out=out, err=io.StringIO())
    engine = Engine(Registry.default(entry_points=False), workers=2, pin_workers=False)
    engine.events.subscribe(log, *showlog.KINDS)
    engine.events.subscribe(console, *console.kinds())
    engine.start(patch)
    try:
        with open(os.path.join(os.fsencode(inbox), b"caf\xe9.wav"), "wb") as file:
            file.write(recording())
        deadline = time.monotonic() + 20
        while b'"TakeEnded"' not in pipe.getvalue() and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        engine.stop()
        log.close()
    path = os.fsdecode(os.path.join(os.fsencode(inbox), b"caf\xe9.wav"))
    assert problems == []
    logged = [json.loads(line) for line in (tmp_path / "show.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [line["path"] for line in logged if line["event"] == "take"] == [path]
    lines = [json.loads(line) for line in pipe.getvalue().decode("utf-8").splitlines()]
    said = [line["status"].get("file_name") for line in lines if line["event"] == "NodeStatus"]
    assert os.fsdecode(b"caf\xe9.wav") in said, lines
