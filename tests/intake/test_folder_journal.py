"""The folder source's journal: a file whose take was in flight when the process was killed is read again at the
next start; one whose take ended is not, even with ``include_existing`` (before, every file there was read again
at each start with it, and none of them without it: a take a kill cut off was never redone)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.nodes.folder_journal import journal_path
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine

from .conftest import probe_of, registry

RATE = 8000
FAST = {"poll_interval": 0.01, "settle_time": 0.05}


def drop(folder: Path, name: str) -> Path:
    path = folder / name
    sf.write(path, np.full(800, 0.25, np.float32), RATE, subtype="PCM_16")
    return path


def read_files(folder: Path, expected: int, **params: object) -> list[str]:
    """The files a folder source started on ``folder`` passes on, without a runtime (each done once passed on), once
    it has passed on ``expected`` of them (or 20 s on) and 0.4 s more for any others."""
    context = NodeContext(folder)
    node = FolderSource("inbox", {"folder": str(folder), **FAST, **params}, context)
    node.start()
    try:
        # Files there at start are read once unchanged for settle_time: waited for, as a fixed 0.4 s may end before
        # a busy host read them.
        deadline = time.monotonic() + 20.0
        while len(context.emitted) < expected and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(0.4)  # any more would come now
    finally:
        node.stop()
    assert context.errors == []
    return sorted(Path(take.path).name for _, take in context.emitted)


def journal_lines(folder: Path) -> list[dict[str, object]]:
    path = journal_path(folder, "inbox")
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []
    return [line for line in lines if "done" in line]  # the files read (not the header, nor those left alone)


def wait_for(condition: object, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.02)
    assert condition(), "timed out"  # type: ignore[operator]


KILLED_RUN = textwrap.dedent("""
    import sys, threading
    from exsampling_patch.node import Input, Node
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.ports import TAKE
    from exsampling_patch.registry import Registry
    from exsampling_patch.runtime.engine import Engine

    class Holds(Node):
        '''A sink that never finishes a take: it is in flight when the process is killed.'''
        take = Input(TAKE, "takes")

        def on_take(self, take):
            threading.Event().wait()

    registry = Registry.default(entry_points=False)
    registry.register(Holds, "test")
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": sys.argv[1], "poll_interval": 0.01}))
    patch.add_node(NodeSpec("holds", "holds", {}))
    patch.connect("inbox.take", "holds.take")
    Engine(registry).start(patch)
    threading.Event().wait()
""")


def killed_with_a_take_in_flight(tmp_path: Path, inbox: Path) -> None:
    """A run of inbox -> a sink that never ends its take, killed once it passed on ``cut.wav``."""
    script = tmp_path / "killed_run.py"
    script.write_text(KILLED_RUN, encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(script), str(inbox)], start_new_session=True)
    try:
        # started once its journal is there: what is there now is its start's
        wait_for(lambda: journal_path(inbox, "inbox").exists() or run.poll() is not None)
        assert run.poll() is None
        drop(inbox, "cut.wav")
        wait_for(lambda: [line["file"] for line in journal_lines(inbox)] == ["cut.wav"] or run.poll() is not None)
        assert run.poll() is None
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    assert journal_lines(inbox)[0]["done"] is False


def test_a_take_in_flight_when_the_process_is_killed_is_read_again_at_the_next_start(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    drop(inbox, "before.wav")  # there before any run: handled, as without include_existing ever
    killed_with_a_take_in_flight(tmp_path, inbox)
    assert read_files(inbox, 1) == ["cut.wav"]  # include_existing: false, the default
    assert read_files(inbox, 0) == []  # its end told this time (no runtime: once passed on)


def test_a_take_that_ended_in_the_runtime_is_not_read_again_with_include_existing(tmp_path: Path) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(tmp_path), **FAST}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("inbox.take", "probe.take")
    engine = Engine(registry(), base_dir=tmp_path)
    engine.start(patch)
    try:
        drop(tmp_path, "kick.wav")
        assert len(probe_of(engine).wait_for(1)) == 1
        wait_for(lambda: [line["done"] for line in journal_lines(tmp_path)] == [False, True])  # its TakeEnded
    finally:
        engine.stop()
    assert engine.errors == {}
    drop(tmp_path, "snare.wav")  # new since: read
    assert read_files(tmp_path, 1, include_existing=True) == ["snare.wav"]
    assert read_files(tmp_path, 0, include_existing=True) == []


def test_a_file_changed_since_its_take_ended_is_read_again_with_include_existing(tmp_path: Path) -> None:
    """Exported again over the old one while the patch was stopped: another recording."""
    drop(tmp_path, "kick.wav")
    assert read_files(tmp_path, 1, include_existing=True) == ["kick.wav"]
    sf.write(tmp_path / "kick.wav", np.full(1600, 0.5, np.float32), RATE, subtype="PCM_16")
    assert read_files(tmp_path, 1, include_existing=True) == ["kick.wav"]
    assert len(journal_lines(tmp_path)) == 2  # the old stamp's lines went at the start: the file is not as then


def test_a_folder_where_no_journal_can_be_written_is_a_warning_and_runs_as_before(tmp_path: Path) -> None:
    journal_path(tmp_path, "inbox").mkdir()  # in its way: as a folder the node may read but not write
    drop(tmp_path, "kick.wav")
    context = NodeContext(tmp_path)
    node = FolderSource("inbox", {"folder": str(tmp_path), "include_existing": True, **FAST}, context)
    node.start()
    try:
        wait_for(lambda: len(context.emitted) == 1)
        drop(tmp_path, "snare.wav")
        wait_for(lambda: len(context.emitted) == 2)
    finally:
        node.stop()
    warnings = [s["warning"] for s in context.statuses if "warning" in s]
    assert len(warnings) == 1 and warnings[0].startswith("no journal (") and "every file there is" in warnings[0]
    assert context.errors == []
