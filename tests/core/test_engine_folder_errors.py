"""A node whose start() the system refuses on the folder one of its parameters names is told with the parameter and
what to do, and the rest of the patch runs. Before, the system's words alone ("Not a directory: /.../takes",
"Operation not permitted: /media/card/takes") named neither parameter nor remedy. A read-only disk or a folder of
another user's cannot be made by a test run as root: a file where a folder above it should be is refused the same
way (the check refuses that one in a patch file; a patch started unchecked, as here, reaches the node)."""

from __future__ import annotations

import errno
import inspect
import os
from pathlib import Path

from exsampling_patch.node import Node, Param
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, Event, NodeError, NodeStarted


def test_a_folder_that_cannot_be_made_is_told_with_its_parameter(tmp_path: Path) -> None:
    (tmp_path / "card").write_text("a file, not a folder", encoding="utf-8")
    patch = Patch()
    patch.add_node(NodeSpec("store", "take_writer", {"folder": "card/takes"}))
    patch.add_node(NodeSpec("kept", "take_writer", {"folder": "kept"}))
    events: list[Event] = []
    engine = Engine(Registry.default(), base_dir=tmp_path)
    engine.events.subscribe(events.append, NodeError, NodeStarted)
    engine.start(patch, checked=True)
    try:
        errors = [e for e in events if isinstance(e, NodeError)]
        started = [e.node_id for e in events if isinstance(e, NodeStarted)]
    finally:
        engine.stop()
    folder = tmp_path / "card" / "takes"
    assert [(e.node_id, e.during, e.error) for e in errors] == [
        ("store", "start", f"the folder of parameter 'folder', {folder}, cannot be made or written (Not a "
                           "directory): make it writable by this user, or set 'folder' to another folder")]
    assert started == ["kept"]


class MakesItsFolder(Node):
    """A plugin's node that makes its folder in start()."""

    type_name = "makes_its_folder"
    cache_folder = Param("path", "cache", "where it keeps what it makes")

    def start(self) -> None:
        self.resolve_path(self.cache_folder).mkdir(parents=True, exist_ok=True)


def test_a_plugins_folder_is_told_with_its_parameter_and_where_its_code_raised(tmp_path: Path) -> None:
    (tmp_path / "card").write_text("a file, not a folder", encoding="utf-8")
    registry = Registry.default(entry_points=False)
    registry.register(MakesItsFolder, "test")
    patch = Patch()
    patch.add_node(NodeSpec("maker", "makes_its_folder", {"cache_folder": "card/cache/deep"}))
    errors: list[Event] = []
    engine = Engine(registry, base_dir=tmp_path)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch, checked=True)
    engine.stop()
    line = inspect.getsourcelines(MakesItsFolder.start)[1] + 1
    assert [(e.error, e.where) for e in errors if isinstance(e, NodeError)] == [
        (f"the folder of parameter 'cache_folder', {tmp_path / 'card' / 'cache' / 'deep'}, cannot be made or written "
         "(Not a directory): make it writable by this user, or set 'cache_folder' to another folder",
         f"{__file__}:{line} in start")]


class FillsItsFolder(MakesItsFolder):
    """A plugin's node whose first file in its folder finds the disk full."""

    type_name = "fills_its_folder"

    def start(self) -> None:
        folder = self.resolve_path(self.cache_folder)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(folder / "index.json"))


def test_a_full_disk_under_a_folder_says_to_free_space(tmp_path: Path) -> None:
    registry = Registry.default(entry_points=False)
    registry.register(FillsItsFolder, "test")
    patch = Patch()
    patch.add_node(NodeSpec("filler", "fills_its_folder", {"cache_folder": "cache"}))
    errors: list[Event] = []
    engine = Engine(registry, base_dir=tmp_path)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch, checked=True)
    engine.stop()
    assert [e.error for e in errors if isinstance(e, NodeError)] == [
        f"the folder of parameter 'cache_folder', {tmp_path / 'cache'}, cannot be made or written (No space left on "
        f"device: {tmp_path / 'cache' / 'index.json'}): free space on its disk, or set 'cache_folder' to another "
        "folder"]
