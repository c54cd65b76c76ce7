"""Relative paths kept pointing at the same files when a patch is saved into another folder (*Save as*), and
told in a patch with no file yet, which has no folder to take them from.

A ``path`` parameter that is relative is taken from the patch file's folder: saved elsewhere as it was, it would
name other files (the recorder's takes and pairing state, a model), silently. Plain Python (no widgets).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from exsampling_patch.editor.history import History
from exsampling_patch.errors import Problem
from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry


def rebased_paths(patch: Patch, registry: Registry, old: Path, new: Path | None) -> dict[tuple[str, str], str]:
    """``(node id, parameter) -> value`` for each relative path parameter of ``patch``, rewritten to name from
    folder ``new`` what it named from folder ``old`` (absolute paths, ``~`` and empty values stay as they are);
    with ``new`` None (a patch with no file, no folder yet), made absolute."""
    found: dict[tuple[str, str], str] = {}
    for node_id, spec in patch.nodes.items():
        for name, value in spec.params.items():
            moved = rebase_param(registry, spec.type, name, value, old, new)
            if moved != value:
                found[(node_id, name)] = moved
    return found


def rebase_param(registry: Registry, type_name: str, name: str, value: Any, old: Path, new: Path | None) -> Any:
    """``value`` of parameter ``name`` of a node of type ``type_name``, rebased from folder ``old`` to ``new`` if
    it is a relative path (else as it is)."""
    param = registry.get(type_name).param_specs.get(name) if type_name in registry else None
    if param is None or param.kind_name != "path" or not isinstance(value, str) or not value:
        return value
    return rebase_path(value, old, new)


def unsaved_path_problems(patch: Patch, registry: Registry) -> list[Problem]:
    """Each relative path of ``patch``, a patch with no file yet, as a problem: it is taken from the folder the
    patch is saved in, and Save writes it as it is. Run from the current folder, it named other files than the
    patch saved did (takes written in one place, looked for in another)."""
    found = []
    for (node_id, name), full in rebased_paths(patch, registry, Path.cwd(), None).items():
        value = patch.nodes[node_id].params[name]
        found.append(Problem(
            f"node '{node_id}': parameter '{name}': '{value}' is relative, and the patch has no file yet to take "
            "it from", hint=f"save the patch first (a relative path is taken from its folder), or give the full "
            f"path ('{full}' from the current folder; the ... button gives one)"))
    return found


def rebase_history(history: History, registry: Registry, old: Path, new: Path) -> None:
    """Rebase the relative path values held by the undo and redo stacks, so that an edit undone or redone after
    a *Save as* into folder ``new`` puts back a value naming the same file as it did from ``old``."""
    for command in history.commands():
        command.map_params(lambda type_name, name, value: rebase_param(registry, type_name, name, value, old, new))


def rebase_path(value: str, old: Path, new: Path | None) -> str:
    """The relative path ``value`` taken from folder ``old``, as taken from folder ``new`` (the patch's
    ``node_dirs`` too), or absolute where ``new`` is None; an absolute path or one from ``~`` as it is."""
    if value.startswith("~") or Path(value).is_absolute():
        return value
    named = os.path.normpath(old / value)
    return named if new is None else Path(os.path.relpath(named, new)).as_posix()


def as_patch_relative(chosen: str, base: Path) -> str:
    """``chosen`` (an absolute path picked in a browser) as a patch in folder ``base`` names it: relative when it
    lies in that folder or beside it (``../takes/inbox``, as the shipped patches name theirs), so that the show's
    folder moved or copied whole to another machine still finds it; else absolute, as it is."""
    try:
        relative = Path(os.path.relpath(chosen, base))
    except ValueError:  # another drive (Windows): no relative path leads there
        return chosen
    return chosen if relative.parts[:2] == ("..", "..") else relative.as_posix()


def browse_start(value: Any, base: Path, file: bool) -> tuple[Path, str]:
    """Where a browser for a path parameter opens, and the name it shows: in the folder ``value`` names (a
    ``file``'s own folder, its name shown), taken from folder ``base`` when relative; ``base`` where it names none
    that exists. Opened in the patch's folder every time, a folder already chosen was looked for again."""
    if not isinstance(value, str) or not value:
        return base, ""
    path = base / Path(value).expanduser()  # an absolute value stays as it is
    if file:
        return (path.parent, path.name) if path.parent.is_dir() else (base, "")
    return (path, "") if path.is_dir() else (base, "")
