"""A kill while a copy for Live was being written (its audio, its sidecar, the list of kept copies) left its
temporary ``.part`` file in the folder for ever: nothing removed it. Temporary files now name their writer's pid,
and a start removes those whose writer has ended, and says so once; one another process is writing stays.

The writers are real processes: one writes a copy's audio (and leaves it, as a kill before its rename does) and is
still writing a sidecar when the sweep runs; then it is killed."""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.nodes.take_files import TakeFiles
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.takes import LEFTOVER_AGE, TakeStore

WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    import numpy as np
    from exsampling_patch.messages import Take
    from exsampling_patch.nodes.take_files import TakeFiles
    from exsampling_patch.takes import write_atomic

    folder = Path(sys.argv[1])
    TakeFiles(folder)._write_tmp(Take(np.zeros((64, 1), np.float32), 44100), "copy")  # never claimed

    def hold(tmp):
        tmp.write_text("{", encoding="utf-8")
        print("writing", flush=True)
        sys.stdin.read()  # until killed

    write_atomic(folder / "copy.wav.json", hold, durable=False)
""")


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[subprocess.Popen[str]]:
    """A process that left a copy's audio under its temporary name and is writing a sidecar in ``tmp_path``/live."""
    live = tmp_path / "live"
    live.mkdir()
    process = subprocess.Popen([sys.executable, "-c", WRITER, str(live)], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "writing\n"
    yield process
    process.kill()
    process.wait()


def parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.part"))


def test_a_killed_writers_temporary_files_go_at_the_next_sweep_a_running_ones_stay(
        tmp_path: Path, writer: subprocess.Popen[str]) -> None:
    live = tmp_path / "live"
    written = parts(live)
    assert len(written) == 2 and all(f".{writer.pid}-" in p.name for p in written), written
    old = time.time() - LEFTOVER_AGE - 60  # however old: its writer runs
    for part in written:
        os.utime(part, (old, old))

    files = TakeFiles(live)
    files.sweep()
    assert files.leftovers == [] and parts(live) == written

    writer.send_signal(signal.SIGKILL)
    writer.wait()
    files.sweep()
    assert files.leftovers == written and parts(live) == []


def test_a_start_removes_them_and_says_so_once(tmp_path: Path, writer: subprocess.Popen[str]) -> None:
    live = tmp_path / "live"
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    own = live / f"..kept-other.json.{os.getpid()}-abcdefgh.part"  # this process's: another node may write it
    own.write_text("{", encoding="utf-8")
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {"port": 9, "folder": str(live)}))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    for _run in range(2):  # the second start finds none: nothing said
        engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
        engine.events.subscribe(console, *console.kinds())
        engine.start(patch)
        engine.stop()
    assert parts(live) == [own]
    lines = [line.split(" ", 1)[1] for line in err.getvalue().splitlines()]
    assert lines == [f"warning from node 'live': removed 2 temporary files that a killed run left in {live} (writes "
                     "it never finished)"], lines


def test_a_take_stores_killed_writers_temporary_files_go_at_once(tmp_path: Path,
                                                                  writer: subprocess.Popen[str]) -> None:
    """In a take folder they went only once 10 minutes old (a writer may have stalled); a killed one's go now."""
    folder = tmp_path / "takes"
    folder.mkdir()
    running = folder / f".t1.wav.json.{writer.pid}-abcdefgh.part"
    running.write_text("{", encoding="utf-8")
    store = TakeStore(folder)
    assert store.remove_leftovers() == [] and running.exists()
    writer.send_signal(signal.SIGKILL)
    writer.wait()
    assert store.remove_leftovers() == [running] and not running.exists()
