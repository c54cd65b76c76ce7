"""Writing patches as YAML (the format: :mod:`exsampling_patch.patchfile`).

:func:`dumps_patch` is deterministic: saving a loaded file that this project wrote reproduces it byte for byte.
:func:`save_patch` replaces the file atomically.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from pathlib import Path
from typing import Any

import yaml

from exsampling_patch.patch import LINK_ARROW, VERSION_KEY, Patch


class _Flow(list[Any]):
    """A list written on one line: positions."""


class _PatchDumper(yaml.SafeDumper):
    pass


_PatchDumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_PatchDumper.add_representer(tuple, lambda d, v: d.represent_list(list(v)))


def patch_to_data(patch: Patch) -> dict[str, Any]:
    """The patch as the plain data written to YAML, keys in the file's order."""
    data: dict[str, Any] = {VERSION_KEY: patch.version}
    if patch.name:
        data["name"] = patch.name
    if patch.description:
        data["description"] = patch.description
    if patch.node_dirs:
        data["node_dirs"] = list(patch.node_dirs)
    nodes = []
    for spec in patch.nodes.values():
        node: dict[str, Any] = {"id": spec.id, "type": spec.type}
        if spec.position is not None:
            node["position"] = _Flow(spec.position)
        if spec.params:
            node["params"] = dict(spec.params)
        nodes.append(node)
    data["nodes"] = nodes
    data["links"] = [f"{ln.source}{LINK_ARROW}{ln.target}" for ln in patch.links]
    return data


def dumps_patch(patch: Patch) -> str:
    """The patch as YAML text (deterministic)."""
    return yaml.dump(
        patch_to_data(patch), Dumper=_PatchDumper, sort_keys=False, default_flow_style=False,
        allow_unicode=True, width=10_000,
    )


def save_patch(patch: Patch, path: str | os.PathLike[str]) -> None:
    """Write the patch atomically: a crash mid-save never leaves a half-written patch behind.

    The file gets the permissions a plain write gives: an existing file keeps its mode, a new one is made
    with 0666 less the umask (0644 under the usual 022), not the 0600 of a private temporary file. A file made
    read-only (no write permission for anyone) is refused with PermissionError, as a plain write refuses it.
    A symbolic link is written through, as a plain write does: its target is replaced (the temporary file made
    beside it), and the link stays a link.
    """
    # Renamed over the link itself, the link became a plain file and the file it named never saw the save.
    target = Path(os.path.realpath(path))
    text = dumps_patch(patch)
    with contextlib.suppress(FileNotFoundError):
        if not stat.S_IMODE(os.stat(target).st_mode) & 0o222:  # the rename below would replace it all the same
            raise PermissionError(errno.EACCES, "the file is read-only", str(target))
    fd, tmp = _create_beside(target)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _create_beside(target: Path) -> tuple[int, str]:
    """A new, empty file next to ``target`` (same file system, for the atomic rename), made as ``open`` makes
    files: mode 0666 less the umask. (``tempfile.mkstemp`` makes it 0600 whatever the umask.)"""
    folder = target.parent or Path(".")
    for _ in range(100):
        tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {target}")
