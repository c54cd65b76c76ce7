"""A node whose start() the system refuses on the folder one of its parameters names is told with the parameter and
what to do, the remedy by the system's reason, and the rest of the patch runs. Before, the system's words alone
("Not a directory: /.../takes", "Operation not permitted: /media/card/takes") named neither parameter nor remedy; then
every reason was told "make it writable by this user", a file where the folder should be and a file missing in it too.
A folder of another user's cannot be made by a test run as root (a read-only disk, a tmpfs, stands in for it there);
a file where the folder should be is refused by the check in a patch file, reached by a patch started unchecked, as
here."""

from __future__ import annotations

import errno
import inspect
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

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
        ("store", "start", f"the folder of parameter 'folder', {folder}, cannot be made: {tmp_path / 'card'}, above "
                           "it, is a file: move it away, or set 'folder' to another folder")]
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
        (f"the folder of parameter 'cache_folder', {tmp_path / 'card' / 'cache' / 'deep'}, cannot be made: "
         f"{tmp_path / 'card'}, above it, is a file: move it away, or set 'cache_folder' to another folder",
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


def start_errors(tmp_path: Path, node: NodeSpec, plugin: type[Node] | None = None) -> list[tuple[str, str | None]]:
    """The errors of ``node``'s start in a patch of it alone, with where each was raised."""
    registry = Registry.default(entry_points=False)
    if plugin is not None:
        registry.register(plugin, "test")
    patch = Patch()
    patch.add_node(node)
    errors: list[Event] = []
    engine = Engine(registry, base_dir=tmp_path)
    engine.events.subscribe(errors.append, NodeError)
    engine.start(patch, checked=True)
    engine.stop()
    return [(e.error, e.where) for e in errors if isinstance(e, NodeError)]


def test_a_folder_that_names_a_file_says_so_not_to_make_it_writable(tmp_path: Path) -> None:
    # Before: "..., afile, cannot be made or written (File exists): make it writable by this user"
    (tmp_path / "afile").write_text("a file, not a folder", encoding="utf-8")
    errors = start_errors(tmp_path, NodeSpec("inbox", "folder_source", {"folder": "afile"}))
    assert [error for error, _ in errors] == [
        f"the folder of parameter 'folder', {tmp_path / 'afile'}, is a file: move it away, or set 'folder' to another "
        "folder"]


class ReadsItsIndex(MakesItsFolder):
    """A plugin's node whose start() reads an index in its folder, which is not there."""

    type_name = "reads_its_index"

    def start(self) -> None:
        (self.resolve_path(self.cache_folder) / "index.json").read_text(encoding="utf-8")


def test_a_file_missing_in_a_folder_keeps_its_words_with_the_parameter(tmp_path: Path) -> None:
    # Before: "(No such file or directory: .../index.json): make it writable by this user", no remedy for a missing
    # file: the system's words now, the parameter after them, where the plugin's code raised it kept.
    (tmp_path / "cache").mkdir()
    errors = start_errors(tmp_path, NodeSpec("reader", "reads_its_index", {"cache_folder": "cache"}), ReadsItsIndex)
    line = inspect.getsourcelines(ReadsItsIndex.start)[1] + 1
    assert errors == [(f"No such file or directory: {tmp_path / 'cache' / 'index.json'} (in the folder of parameter "
                       f"'cache_folder', {tmp_path / 'cache'})", f"{__file__}:{line} in start")]


@pytest.fixture
def read_only_card(tmp_path: Path) -> Iterator[Path]:
    """``tmp_path/card``, a folder whose sub-folders cannot be made: its mode without root; as root, who ignores
    a folder's mode, a read-only tmpfs (as a card with its lock switch on)."""
    card = tmp_path / "card"
    card.mkdir()
    if os.geteuid() != 0:
        card.chmod(0o555)
        yield card
        card.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(card)],
                      capture_output=True).returncode != 0:
        pytest.skip("mounting a tmpfs failed")
    try:
        yield card
    finally:
        subprocess.run(["umount", str(card)], check=True)


def test_a_folder_in_a_read_only_folder_says_to_make_it_writable(tmp_path: Path, read_only_card: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root writes in a folder of any mode")
    errors = start_errors(tmp_path, NodeSpec("store", "take_writer", {"folder": "card/takes"}))
    folder = read_only_card / "takes"
    assert [error for error, _ in errors] == [
        f"the folder of parameter 'folder', {folder}, cannot be made or written (Permission denied): make it writable "
        "by this user, or set 'folder' to another folder"]


def test_a_folder_on_a_read_only_disk_says_the_disk_is(tmp_path: Path, read_only_card: Path) -> None:
    if os.geteuid() != 0:
        pytest.skip("a read-only tmpfs is mounted by root only")
    errors = start_errors(tmp_path, NodeSpec("store", "take_writer", {"folder": "card/takes"}))
    folder = read_only_card / "takes"
    assert [error for error, _ in errors] == [
        f"the folder of parameter 'folder', {folder}, cannot be made or written (Read-only file system): its disk is "
        "read-only: make the disk writable, or set 'folder' to another folder"]
