"""Relative paths kept pointing at the same files when a patch is saved into another folder (*Save as*).

A ``path`` parameter that is relative is taken from the patch file's folder: saved elsewhere as it was, it would
name other files (the recorder's takes and pairing state, a model), silently. Plain Python (no widgets).
"""

from __future__ import annotations

import os
from pathlib import Path

from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry


def rebased_paths(patch: Patch, registry: Registry, old: Path, new: Path) -> dict[tuple[str, str], str]:
    """``(node id, parameter) -> value`` for each relative path parameter of ``patch``, rewritten to name from
    folder ``new`` what it named from folder ``old`` (absolute paths, ``~`` and empty values stay as they are)."""
    found: dict[tuple[str, str], str] = {}
    for node_id, spec in patch.nodes.items():
        specs = registry.get(spec.type).param_specs if spec.type in registry else {}
        for name, value in spec.params.items():
            param = specs.get(name)
            if param is None or param.kind_name != "path" or not isinstance(value, str) or not value:
                continue
            if rebase_path(value, old, new) != value:
                found[(node_id, name)] = rebase_path(value, old, new)
    return found


def rebase_path(value: str, old: Path, new: Path) -> str:
    """The relative path ``value`` taken from folder ``old``, as taken from folder ``new`` (the patch's
    ``node_dirs`` too); an absolute path or one from ``~`` as it is."""
    if value.startswith("~") or Path(value).is_absolute():
        return value
    return Path(os.path.relpath(os.path.normpath(old / value), new)).as_posix()
