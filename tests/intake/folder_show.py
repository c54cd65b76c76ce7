"""A folder source feeding a take writer in an engine of the test's own, the stage console's lines in a string: the
set-up of the tests that drop files into a watched folder and read what the console said of each; and a folder source
started on its own, for the tests of its scans."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine


def started_source(folder: Path, **params: object) -> tuple[FolderSource, NodeContext]:
    """A folder source ``inbox`` on ``folder`` outside any engine (polling every 20 ms, a 0.2 s settle time;
    ``params`` over them), started: the node and its context."""
    context = NodeContext(folder)
    node = FolderSource("inbox", {"folder": str(folder), "poll_interval": 0.02, "settle_time": 0.2, **params},
                        context)
    node.start()
    return node, context


def inbox_to_writer(inbox: dict[str, Any], library: Path) -> tuple[Patch, Engine, io.StringIO]:
    """The patch ``inbox`` (a folder source with the settings ``inbox``) -> ``writer`` (a take writer storing into
    ``library``) and an engine whose console writes into the string returned; not started (subscribe first what
    must hear the start)."""
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", inbox))
    patch.add_node(NodeSpec("writer", "take_writer", {"folder": str(library)}))
    patch.connect("inbox.take", "writer.take")
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    engine = Engine(Registry.default(entry_points=False), workers=2, pin_workers=False)
    engine.events.subscribe(console, *console.kinds())
    return patch, engine, err


def take_lines(err: io.StringIO) -> list[str]:
    """What the console said, less the folder source's start-up line (where its takes come from)."""
    return [line for line in err.getvalue().splitlines() if ": takes from the audio files put in " not in line]
