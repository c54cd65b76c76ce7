"""Files that arrive in a watched folder while the patch is stopped (a phone's sync in a break between two runs)
are read at the next start, each once, and told so on the console; those there before the node first watched the
folder are still left alone without ``include_existing``. Before, none of them was ever read: takes lost."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, cast

import numpy as np
import soundfile as sf

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.nodes.folder_journal import journal_path
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.runtime.engine import Engine
from tests.waiting import wait_for

from .conftest import probe_of, registry
from .test_folder_source import file_name, settled

RATE = 8000
FAST = {"poll_interval": 0.01, "settle_time": 0.05}


def drop(folder: Path, name: str, frames: int = 800) -> Path:
    path = folder / name
    sf.write(path, np.full(frames, 0.25, np.float32), RATE, subtype="PCM_16")
    return path


def run(folder: Path, expected: int, during: str = "") -> tuple[list[str], list[str]]:
    """One run of folder_source -> probe: the files read, and the console's lines for their takes. ``during`` is
    dropped once it runs; it ends once ``expected`` takes came and then nothing more for a while."""
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(folder), **FAST}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("inbox.take", "probe.take")
    events: list[Any] = []
    engine = Engine(registry(), base_dir=folder)
    engine.events.subscribe(events.append)
    engine.start(patch)
    try:
        if during:
            drop(folder, during)
        probe_of(engine).wait_for(expected)
        settled(cast(FolderSource, engine.node("inbox")))  # every file there read or left alone: no more to come
        # Every take it passed on handled and ended (told, and written down as done in the journal the next run
        # reads): settled() above had any more emitted, so no fixed quiet time is guessed here.
        assert wait_for(lambda: engine.idle() and not engine.ledger.in_flight()), engine.ledger.in_flight()
        takes = probe_of(engine).wait_for(expected, timeout=0)
    finally:
        engine.stop()
    assert engine.errors == {}
    assert sum(isinstance(event, TakeEnded) for event in events) == len(takes)
    console = StageConsole(patch, err=io.StringIO())
    for event in events:
        console(event)
    assert isinstance(console.err, io.StringIO)
    told = [line for line in console.err.getvalue().splitlines() if " from inbox" in line]
    return sorted(file_name(take) for take in takes), sorted(told)


def test_files_that_arrived_while_stopped_are_read_once_each_and_told(tmp_path: Path) -> None:
    drop(tmp_path, "old.wav")  # there before the first run: a library, not this show's
    assert run(tmp_path, 1, during="live.wav")[0] == ["live.wav"]
    # A break: the phone syncs two takes, and the one read before comes again, re-exported (a newer version).
    drop(tmp_path, "break-1.wav")
    drop(tmp_path, "break-2.wav")
    drop(tmp_path, "live.wav", frames=1600)
    read, told = run(tmp_path, 3)
    assert read == ["break-1.wav", "break-2.wav", "live.wav"]
    assert len(told) == 3 and all(", arrived while the show was stopped: " in line for line in told), told
    assert [line.split(" from inbox")[0].split()[-1] for line in told] == read
    assert run(tmp_path, 0) == ([], [])  # a third run: none of them again, nor old.wav
    drop(tmp_path, "break-3.wav")  # the next break
    read, told = run(tmp_path, 1)
    assert read == ["break-3.wav"] and len(told) == 1 and "arrived while the show was stopped" in told[0]


def test_a_file_arriving_while_running_is_not_told_as_arrived_while_stopped(tmp_path: Path) -> None:
    assert run(tmp_path, 0) == ([], [])
    read, told = run(tmp_path, 1, during="live.wav")
    assert read == ["live.wav"] and len(told) == 1 and "arrived while" not in told[0], told


def test_an_older_journal_that_lists_no_files_left_alone_reads_none_of_them(tmp_path: Path) -> None:
    """A journal written before it listed the files it left alone: those there are no new arrivals (an update
    would have read a whole library at its first start)."""
    drop(tmp_path, "kick.wav")
    drop(tmp_path, "old.wav")
    stat = (tmp_path / "kick.wav").stat()
    journal_path(tmp_path, "inbox").write_text(json.dumps({"file": "kick.wav", "size": stat.st_size, "mtime_ns":
                                                           stat.st_mtime_ns, "done": True}) + "\n", encoding="utf-8")
    assert run(tmp_path, 0) == ([], [])
    drop(tmp_path, "new.wav")  # this journal lists every file: one arriving now is read at the next start
    assert run(tmp_path, 1)[0] == ["new.wav"]
