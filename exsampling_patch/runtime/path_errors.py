"""A node's start that the system refuses on a folder one of its parameters names (a read-only disk, a folder of
another user's, a card's lock switch, a file where the folder should be, a full disk): told with the parameter and
what to do, the remedy chosen by the system's reason. The system's words alone ("Operation not permitted:
/media/card/takes") named neither. Any other error on such a path (a file missing in the folder, a read error) keeps
its own words, the parameter named after them: "make it writable" was no remedy for those. The node still does not
start; the rest runs."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from exsampling_patch.node import Node

_NOT_WRITABLE = {errno.EACCES, errno.EPERM}
_FULL = {errno.ENOSPC, errno.EDQUOT}
_NOT_A_FOLDER = {errno.ENOTDIR, errno.EEXIST}


class FolderRefused(Exception):
    """The system refused a node a folder one of its parameters names: the message says which, and what to do."""


def with_folder_param(node: Node, error: Exception) -> Exception:
    """``error``, raised by ``node``, as :class:`FolderRefused` where :func:`folder_param_text` has words for it (its
    traceback kept: where a plugin's code raised it is told from that); else ``error`` itself."""
    text = folder_param_text(node, error)
    if not text:
        return error
    refused = FolderRefused(text).with_traceback(error.__traceback__)
    refused.__cause__ = error
    return refused


def folder_param_text(node: Node, error: BaseException) -> str:
    """The words for ``error``, raised by ``node`` on a path at, above or under the folder of one of its folder
    parameters; '' for any other error."""
    if not isinstance(error, OSError) or error.filename is None or not error.strerror:
        return ""
    try:
        failed = Path(os.fsdecode(error.filename))
    except TypeError:  # a descriptor, not a path
        return ""
    for name, spec in type(node).param_specs.items():
        value = node.params.get(name)
        if spec.kind_name != "path" or spec.path_kind != "folder" or not value:
            continue
        folder = node.resolve_path(value)
        if failed == folder or folder in failed.parents or failed in folder.parents:
            return _refused_text(name, folder, failed, error)
    return ""


def _refused_text(name: str, folder: Path, failed: Path, error: OSError) -> str:
    at = "" if failed == folder else f": {failed}"
    other = f"or set '{name}' to another folder"
    refused = f"the folder of parameter '{name}', {folder}, cannot be made or written ({error.strerror}{at})"
    if error.errno in _NOT_WRITABLE:
        return f"{refused}: make it writable by this user, {other}"
    if error.errno == errno.EROFS:  # no mode of the folder's helps: the disk itself (a mount, a card's lock switch)
        return f"{refused}: its disk is read-only: make the disk writable, {other}"
    if error.errno in _FULL:
        return f"{refused}: free space on its disk, {other}"
    blocker = not_a_folder(folder) if error.errno in _NOT_A_FOLDER else None
    if blocker == folder:
        return f"the folder of parameter '{name}', {folder}, {what_it_is(blocker)}: move it away, {other}"
    if blocker is not None:
        return (f"the folder of parameter '{name}', {folder}, cannot be made: {blocker}, above it, "
                f"{what_it_is(blocker)}: move it away, {other}")
    # A file the node's code looked for and did not find, a read error: the system's words say it; the parameter
    # says where that is, no remedy guessed.
    if failed == folder:
        where = f"the folder of parameter '{name}'"
    else:
        where = f"{'in' if folder in failed.parents else 'above'} the folder of parameter '{name}', {folder}"
    paths = " -> ".join(str(path) for path in (error.filename, error.filename2) if path is not None)
    return f"{error.strerror}: {paths} ({where})"


def not_a_folder(folder: Path) -> Path | None:
    """The first path from the root down to ``folder`` that is there and is no folder; None where there is none."""
    for path in (*reversed(folder.parents), folder):
        if os.path.lexists(path) and not path.is_dir():
            return path
    return None


def what_it_is(path: Path) -> str:
    """What ``path``, which is there and is no folder, is: "is a file", "is a link to nothing", "is not a folder"."""
    if path.is_file():
        return "is a file"
    if path.is_symlink() and not path.exists():
        return "is a link to nothing"
    return "is not a folder"
