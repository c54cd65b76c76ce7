"""Two runs of one patch on one folder (the same patch started in two terminals): before, both read every file
dropped there and each loaded the take, without a word. The second run's folder source is refused now, naming the
run that holds the folder; it reads nothing, and its other nodes run on."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine

from .conftest import probe_of, registry
from .test_folder_journal import FAST, drop


def folder_engine(folder: Path, base: Path) -> Engine:
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(folder), **FAST}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("inbox.take", "probe.take")
    engine = Engine(registry(), base_dir=base)
    engine.start(patch)
    return engine


def test_a_second_run_on_the_folder_is_told_and_a_dropped_file_is_taken_once(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    first = folder_engine(inbox, tmp_path)
    try:
        second = folder_engine(inbox, tmp_path)
        taken, also = probe_of(first), probe_of(second)
        try:
            drop(inbox, "kick.wav")
            assert len(taken.wait_for(1)) == 1
            sf.write(inbox / "marker.wav", np.full(800, 0.5, np.float32), 8000, subtype="PCM_16")
            # the first run read the next file too: the second, reading alike, would have read kick.wav by now
            assert len(taken.wait_for(2)) == 2
            assert also.received == []
            assert second.running  # its other nodes run on
            error = str(second.errors.get("inbox"))
            assert f"is in use by another run of a patch (process {os.getpid()})" in error
            assert "this node reads nothing from it in this run" in error
            assert "inbox" not in first.errors
        finally:
            second.stop()
    finally:
        first.stop()
    assert len(taken.received) == 2 and also.received == []  # nothing came late either
