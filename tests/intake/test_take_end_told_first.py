"""A take's end is told (the console, the show log, the phone) before its source writes it down as done: a process
killed between the two passes the take on again at the next start, told "recovered" (its end told twice), rather
than leave it done with its end never told. A real process, killed (SIGKILL) while an observer of the end holds it
there."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.folder_journal import journal_path
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import NodeStatus

from .conftest import probe_of, registry
from .test_folder_journal import FAST, drop, journal_lines, wait_for

# inbox -> a sink that ends each take at once; an observer of the ends writes the take's id down, then holds the
# runtime's thread there (as a slow console would) until the process is killed.
HELD_AT_THE_END = textwrap.dedent("""
    import sys, threading
    from pathlib import Path
    from exsampling_patch.node import Input, Node
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.ports import TAKE
    from exsampling_patch.registry import Registry
    from exsampling_patch.runtime.engine import Engine
    from exsampling_patch.runtime.events import TakeEnded

    class Ends(Node):
        type_name = "ends"
        take = Input(TAKE, "takes")

        def on_take(self, take):
            pass

    def told(ended):
        Path(sys.argv[2]).write_text(ended.take_id, encoding="utf-8")
        threading.Event().wait()

    registry = Registry.default(entry_points=False)
    registry.register(Ends, "test")
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": sys.argv[1], "poll_interval": 0.01}))
    patch.add_node(NodeSpec("ends", "ends", {}))
    patch.connect("inbox.take", "ends.take")
    engine = Engine(registry)
    engine.events.subscribe(told, TakeEnded)
    engine.start(patch)
    threading.Event().wait()
""")


def test_a_process_killed_once_a_take_s_end_is_told_reads_its_file_again_as_recovered(tmp_path: Path) -> None:
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    told = tmp_path / "told"
    script = tmp_path / "held_at_the_end.py"
    script.write_text(HELD_AT_THE_END, encoding="utf-8")
    run = subprocess.Popen([sys.executable, str(script), str(inbox), str(told)], start_new_session=True)
    try:
        wait_for(lambda: journal_path(inbox, "inbox").exists() or run.poll() is not None)  # started
        assert run.poll() is None
        drop(inbox, "cut.wav")
        wait_for(lambda: told.exists() or run.poll() is not None)  # its end told: its source not told yet
        assert run.poll() is None
    finally:
        os.killpg(run.pid, signal.SIGKILL)
        run.wait()
    take_id = told.read_text(encoding="utf-8")
    assert [(line["file"], line["done"]) for line in journal_lines(inbox)] == [("cut.wav", False)]

    statuses: list[dict[str, Any]] = []
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(inbox), **FAST}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("inbox.take", "probe.take")
    engine = Engine(registry(), base_dir=tmp_path)
    engine.events.subscribe(lambda event: statuses.append(event.status), NodeStatus)
    engine.start(patch)
    try:
        takes = probe_of(engine).wait_for(1)
        wait_for(lambda: [line["done"] for line in journal_lines(inbox)][-1:] == [True])  # ended this time
    finally:
        engine.stop()
    assert engine.errors == {}
    # Passed on again under the id it had, told recovered: not lost, though its end was told before the kill.
    assert [take.path.name if take.path else None for take in takes] == ["cut.wav"] and takes[0].take_id == take_id
    assert any(status.get("recovered") and status.get("take") == take_id for status in statuses), statuses
