"""An edit of the patch file while ``exsampling run`` plays it, told on the console.

``run`` reads its patch once, at the start; live edits are the editor's (``exsampling edit PATCH --run``). A
performer who changed the tempo in a text editor mid-show heard nothing change and was told nothing. The file is
only looked at (its time and size, twice a second): checking the edit here would put a check's Python work beside
the audio thread's, in the show's process, so the line says how to check it from another terminal.

A classifier's own model file is looked at so too: a composer who retrained into the file the show uses
(``exsampling train --out``) saw the show go on with the model it had loaded, its old labels, without a word. And so
is the file of each plugin type the patch uses: a developer who fixed a node's code mid-run heard the old code go on.
"""

from __future__ import annotations

import contextlib
import inspect
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from exsampling_patch.context import patch_path
from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry

#: Seconds between two looks at the file; a save is told once it has held still for one of them.
INTERVAL = 0.5


def edited_text(patch: str) -> str:
    """The console's line for an edit of ``patch`` (as the command named it) on disk."""
    return (f"{patch} changed on disk: this run goes on with the patch as it started; to use the edit, check it "
            f"(.venv/bin/exsampling check {patch}), then stop with Ctrl+C and run it again (.venv/bin/exsampling edit "
            f"{patch} --run takes edits live)")


def model_edited_text(model: str, node_id: str, patch: str) -> str:
    """The console's line for a new save of ``model``, the model file of the classifier ``node_id`` of ``patch``."""
    return (f"{model} changed on disk: classifier '{node_id}' goes on with the model it loaded at this run's start "
            f"(its process, if started again after a failure, reads the new one); to use it, check the patch "
            f"(.venv/bin/exsampling check {patch}), then stop with Ctrl+C and run it again")


def node_file_edited_text(file: str, types: list[str], check: str) -> str:
    """The console's line for a new save of ``file``, the code of the patch's node ``types`` (a plugin's);
    ``check`` is the command that checks the patch as the run loaded it."""
    named = ", ".join(f"'{name}'" for name in types)
    return (f"{file} changed on disk: this run goes on with the code of node type{'s' if len(types) > 1 else ''} "
            f"{named} it read at its start; to use the change, check it ({check}), then stop with Ctrl+C and run "
            "it again")


def node_files(patch: Patch, registry: Registry) -> dict[str, list[str]]:
    """The source files of the plugin types the patch uses (not the built-ins): file -> its types there."""
    files: dict[str, list[str]] = {}
    for name in sorted({spec.type for spec in patch.nodes.values()}):
        if name in registry.types and registry.origins.get(name) != "built-in":
            with contextlib.suppress(OSError, TypeError):  # defined where no file is (a test, exec)
                files.setdefault(str(Path(inspect.getfile(registry.types[name])).resolve()), []).append(name)
    return files


def model_files(patch: Patch, base_dir: Path) -> dict[str, str]:
    """The model files the patch's classifiers name (the shipped model, named by none, is not watched): node id ->
    the file, as the node resolves it from ``base_dir``, the patch's folder."""
    return {node_id: str(patch_path(str(spec.params["model"]), base_dir)) for node_id, spec in patch.nodes.items()
            if spec.type == "classifier" and isinstance(spec.params.get("model"), str) and spec.params["model"]}


def file_stamp(patch: str) -> tuple[int, int] | None:
    """The file's time and size, to tell an edit by; None when it cannot be read."""
    try:
        stat = os.stat(patch)
    except OSError:  # gone for a moment: an editor that saves by writing a new file and renaming it
        return None
    return stat.st_mtime_ns, stat.st_size


def watch_patch_file(patch: str, read: tuple[int, int] | None, done: threading.Event,
                     say: Callable[[str], None]) -> threading.Thread:
    """Start a daemon thread that says :func:`edited_text` (after the time of day) each time ``patch`` is saved
    anew after it was ``read`` (its :func:`file_stamp` when the run read it: a save during start-up counts),
    until ``done`` is set."""
    return watch_file(patch, read, done, say, edited_text(patch))


def watch_file(path: str, read: tuple[int, int] | None, done: threading.Event, say: Callable[[str], None],
               text: str) -> threading.Thread:
    """Start a daemon thread that says ``text`` (after the time of day) each time ``path`` is saved anew after it was
    ``read`` (its :func:`file_stamp`), until ``done`` is set."""
    thread = threading.Thread(target=_watch, args=(path, read, done, say, text), name="exsampling-patch-watch",
                              daemon=True)
    thread.start()
    return thread


def _watch(patch: str, told: tuple[int, int] | None, done: threading.Event, say: Callable[[str], None],
           text: str) -> None:
    while not done.wait(INTERVAL):
        now = file_stamp(patch)
        if now is None or now == told:
            continue
        while not done.wait(INTERVAL):  # an editor may write a file in steps: tell the save once it is whole
            settled = file_stamp(patch)
            if settled == now:
                break
            now = settled
        if done.is_set():
            return
        told = now
        say(f"{time.strftime('%H:%M:%S')} {text}")
