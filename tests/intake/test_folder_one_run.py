"""Two runs of one patch on one folder (the same patch started in two terminals): before, both read every file
dropped there and each loaded the take, without a word. The second run's folder source is refused now, naming the
run that holds the folder; it never starts (`exsampling run` exits 3), and the run's other nodes run on."""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import TakeEnded
from tests.stage.helpers import Run

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
            # the editor's node says what it watches (it said nothing), and the node never started
            assert second.status_snapshot()["inbox"]["watching"] == "nothing (another run watches the folder)"
        finally:
            second.stop()
    finally:
        first.stop()
    assert len(taken.received) == 2 and also.received == []  # nothing came late either


def test_a_run_whose_folder_source_was_refused_exits_with_status_3(tmp_path: Path) -> None:
    """A run whose folder source another run refused read nothing all show long, and exited 0: a performer's script
    took it for a show that went well. Its folder source never started now, named as such, and the run exits 3."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: inbox\n  type: folder_source\n"
                     f"  params: {{folder: {inbox}}}\n", encoding="utf-8")
    first = folder_engine(inbox, tmp_path)  # the run that holds the folder
    try:
        run = Run(str(patch), "--for", "0.5", "--log", str(tmp_path / "lib.log"), "--show-log", "none")
        code = run.wait(60)
    finally:
        first.stop()
    (never,) = [line for line in run.stderr if line.startswith("node 'inbox' never started: ")]
    assert f"is in use by another run of a patch (process {os.getpid()})" in never, run.output()
    assert code == 3, run.output()


def test_a_file_read_through_a_live_edit_of_its_folder_source_is_one_take(tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """The node an edit stopped let go of the folder once its stop had waited its 2 s for the watch thread, which still
    read a big file: the rebuilt node read it again as a new take, and the old thread passed on its own (two console
    lines for one file, the old one "not passed on"). A slow disk is a read that waits here until the test says."""
    reading, done = threading.Event(), threading.Event()
    read_take = folder_module.read_take

    def slow_read(path: Path, **kwargs: Any) -> Any:
        reading.set()
        done.wait(30)
        return read_take(path, **kwargs)

    monkeypatch.setattr(folder_module, "read_take", slow_read)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    events: list[Any] = []
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(inbox), **FAST}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("inbox.take", "probe.take")
    engine = Engine(registry(), base_dir=tmp_path)
    engine.events.subscribe(events.append)
    engine.start(patch)
    try:
        drop(inbox, "big.wav")
        assert reading.wait(10)
        old = engine.node("inbox")
        edited = patch.copy()
        edited.nodes["inbox"].params["settle_time"] = 0.06
        engine.update(edited)  # the old node stopped, its watch thread still reading
        assert engine.node("inbox") is not old
        done.set()
        assert len(probe_of(engine).wait_for(1)) == 1
        for thread in old._threads:  # the old read's fate told, if any
            thread.join(10)
        assert engine.wait_idle()
        received = [take.name for take in probe_of(engine).wait_for(1)]
    finally:
        engine.stop()
    ends = [event for event in events if isinstance(event, TakeEnded) and event.source == "inbox"]
    assert len(ends) == 1 and ends[0].fate != "error", ends
    assert received == ["big.wav"]
    assert "inbox" not in engine.errors, engine.errors
