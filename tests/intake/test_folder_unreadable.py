"""A file the folder source cannot read ends as a take would, on the stage console, once: through a real engine."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from exsampling_patch.runtime.events import NodeStatus
from tests.intake.folder_show import inbox_to_writer


def run_until(folder: Path, lines: int, drop: str, told: list[str] | None = None,
              statuses: list[dict[str, Any]] | None = None) -> list[str]:
    """A patch inbox -> writer on ``folder``, with its console; ``drop`` written once it has started: its take
    lines (each line the console printed, into ``told``; the inbox's status reports, into ``statuses``)."""
    patch, engine, err = inbox_to_writer({"folder": str(folder), "include_existing": True, "poll_interval": 0.05,
                                          "settle_time": 0.05}, folder.parent / "library")
    if statuses is not None:
        def inbox_status(event: NodeStatus) -> None:
            if event.node_id == "inbox":
                statuses.append(event.status)

        engine.events.subscribe(inbox_status, NodeStatus)
    engine.start(patch)
    try:
        sf.write(folder / drop, np.full(4800, 0.1, np.float32), 48000)
        deadline = time.monotonic() + 20
        while err.getvalue().count(" from inbox") < lines and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        engine.stop()
    if told is not None:
        told += err.getvalue().splitlines()
    library = f"{folder.parent / 'library'}/"  # the writer's folder, as the take's line names its file
    return sorted(re.sub(r"\(\d+ ms\)$", "(N ms)", line.split(" ", 1)[1]).replace(library, "library/")
                  for line in err.getvalue().splitlines() if " from inbox" in line)


def test_an_unreadable_file_has_a_take_line_of_its_own_once(tmp_path: Path) -> None:
    """It was only the node's error: the console, which has a line per take saying what became of it, said nothing
    of the file."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot audio at all")
    told: list[str] = []
    first = run_until(folder, 2, "kick.wav", told)
    assert len(first) == 2 and first[1] == "kick.wav from inbox, 0.10 s: stored as library/kick.wav (N ms)", first
    assert re.fullmatch(r"broken\.wav from inbox: error in inbox: unreadable: .+ \(N ms\)", first[0]), first
    # One line: it was told twice, as the node's error ("error in node 'inbox': broken.wav: ...") and as the take's.
    assert len([line for line in told if "broken.wav" in line]) == 1, told
    # the next start, files there included: told already, not again
    assert run_until(folder, 1, "snare.wav") == ["snare.wav from inbox, 0.10 s: stored as library/snare.wav (N ms)"]


def test_an_unreadable_file_is_named_on_its_node(tmp_path: Path) -> None:
    """The node's live line in the editor (its ``last_file``) named the file read before it: a composer who dropped
    a broken file into the folder saw nothing on the node, which said "last file snare.wav"."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "broken.wav").write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot audio at all")
    statuses: list[dict[str, Any]] = []
    run_until(folder, 2, "kick.wav", statuses=statuses)
    files = [status["last_file"] for status in statuses if "last_file" in status]
    assert sorted(files) == ["broken.wav: unreadable", "kick.wav"], statuses


def test_an_unreadable_file_is_told_in_words(tmp_path: Path) -> None:
    """The reason was libsndfile's text as Python gives it: "unreadable: Error opening b'/.../broken.wav': Format not
    recognised.", a bytes literal and the file's whole path on a line that names the file already."""
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "broken.wav").write_bytes(b"garbage")
    first = run_until(folder, 2, "kick.wav")
    assert first[0] == ("broken.wav from inbox: error in inbox: unreadable: not an audio file that can be read "
                        "(WAV, FLAC, OGG, MP3, AIFF, ...) (N ms)"), first
