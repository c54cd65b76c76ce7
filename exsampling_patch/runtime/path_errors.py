"""A node's start that the system refuses on a folder one of its parameters names (a read-only disk, a folder of
another user's, a card's lock switch): told with the parameter and what to do. The system's words alone
("Operation not permitted: /media/card/takes") named neither. The node still does not start; the rest runs."""

from __future__ import annotations

import errno
import os
from pathlib import Path

from exsampling_patch.node import Node


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
    """The words for ``error``, raised by ``node``, where the system refused a path at, above or under the folder of
    one of its folder parameters (making it, or writing in it); '' for any other error."""
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
            at = "" if failed == folder else f": {failed}"
            remedy = "free space on its disk" if error.errno == errno.ENOSPC else "make it writable by this user"
            return (f"the folder of parameter '{name}', {folder}, cannot be made or written ({error.strerror}{at}): "
                    f"{remedy}, or set '{name}' to another folder")
    return ""
