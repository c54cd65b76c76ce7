"""The folder source pointed at a take folder, recursively: it passes on the takes, not what the take folder keeps
for itself (issue 16: a take found unreadable is set aside in ``damaged/``, its end told already)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.takes import DAMAGED_FOLDER, TakeStore, write_take


def take(take_id: str) -> Take:
    return Take(np.full(800, 0.25, np.float32), 8000, take_id=take_id, source="mic")


def emitted(folder: Path) -> list[str]:
    """The files the folder source passes on when started on ``folder`` (recursive, the files already there)."""
    context = NodeContext(folder)
    node = FolderSource("inbox", {"folder": str(folder), "recursive": True, "include_existing": True,
                                  "poll_interval": 0.01}, context)
    node.start()
    try:
        time.sleep(0.3)  # a few scans: a file is read once it has stopped changing
    finally:
        node.stop()
    assert context.errors == []
    return sorted(Path(message.path).relative_to(folder).as_posix() for _, message in context.emitted)


def test_a_take_folders_damaged_and_hidden_folders_are_skipped(tmp_path: Path) -> None:
    """Before: the damaged take (and anything in a hidden folder) was passed on as a new take."""
    folder = tmp_path / "takes"
    store = TakeStore(folder)
    store.store(take("good"))
    broken = store.store(take("broken"))
    assert broken.path is not None
    broken.path.write_bytes(b"RIFF\x00\x00not a wav")
    store.set_aside(broken.path, "broken", "stored take unreadable")
    write_take(take("aside"), folder / DAMAGED_FOLDER / "aside.wav")  # a readable one too: still not passed on
    write_take(take("hidden"), folder / ".trash" / "hidden.wav")
    write_take(take("dot"), folder / ".dot.wav")
    write_take(take("nested"), folder / "session" / "nested.wav")
    assert emitted(folder) == ["good.wav", "session/nested.wav"]


def test_a_damaged_folder_that_is_not_a_take_folders_is_watched(tmp_path: Path) -> None:
    """A library's own folder named damaged/ (no take journal beside it) holds recordings like any other."""
    write_take(take("crackle"), tmp_path / "library" / DAMAGED_FOLDER / "crackle.wav")
    assert emitted(tmp_path / "library") == [f"{DAMAGED_FOLDER}/crackle.wav"]
