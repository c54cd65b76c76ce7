"""The editor model's file: a new patch, one opened (its problems kept apart from those an edit can fix), one saved
(its relative paths rebased onto the folder it is saved in), and whether it has unsaved changes. Methods of
:class:`~exsampling_patch.editor.model.EditorModel`, whose ``__init__`` sets what they use."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.editor.history import History
from exsampling_patch.editor.rebase import rebase_history, rebase_path, rebased_paths
from exsampling_patch.errors import Problem
from exsampling_patch.patch import Link, Patch, PortRef
from exsampling_patch.patchfile import save_patch
from exsampling_patch.registry import Registry
from exsampling_patch.validate import check_patch, open_patch


class OpenSave:
    """The editor model's new, open and save (a base of it)."""

    registry: Registry
    patch: Patch
    path: Path | None
    history: History
    refusals: dict[PortRef, tuple[Link, str]]
    file_problems: list[Problem]
    _saved_revision: int
    _notify: Callable[[str, Any], None]

    @property
    def dirty(self) -> bool:
        """Whether the patch has changes that are not saved."""
        return self.history.revision != self._saved_revision

    @property
    def title(self) -> str:
        name = self.path.name if self.path else "untitled"
        return f"{'*' if self.dirty else ''}{name} - ExSampling Patch"

    @property
    def base_dir(self) -> Path:
        """Where relative paths in parameters are taken from: the patch file's folder."""
        return self.path.resolve().parent if self.path else Path.cwd()

    def new(self) -> None:
        self._replace(Patch(), None)

    def open(self, path: str | os.PathLike[str]) -> list[Problem]:
        """Open a patch file, problems and all, and return its problems (see :func:`open_patch`).

        Raises :class:`PatchError` (the current patch stays) only if the file cannot be read as a patch.
        """
        patch, registry, problems = open_patch(path, self.registry)
        self.registry = registry
        fixable = {p.message for p in check_patch(patch, registry, base_dir=Path(path).resolve().parent)}
        self._replace(patch, Path(path))
        self.file_problems = [p for p in problems if p.message not in fixable]
        self._notify("problems", None)
        return problems

    def _replace(self, patch: Patch, path: Path | None) -> None:
        self.patch, self.path = patch, path
        self.file_problems = []
        self.history.clear()
        self._saved_revision = 0
        self.refusals.clear()
        self._notify("reset", None)

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Save to ``path`` (save as) or to the current file; raises ValueError if there is neither."""
        target = Path(path) if path is not None else self.path
        if target is None:
            raise ValueError("this patch has no file yet: use save as")
        # Saved into another folder, relative paths are rewritten to name the same files (a new patch's are meant
        # from where it is saved). The patch is changed only once the file is written.
        old, new, unsaved = self.base_dir, target.resolve().parent, self.path is None
        moved = {} if self.path is None else rebased_paths(self.patch, self.registry, old, new)
        dirs = self.patch.node_dirs if self.path is None else [rebase_path(d, old, new) for d in self.patch.node_dirs]
        written = self.patch.copy() if moved or dirs != self.patch.node_dirs else self.patch
        for (node_id, name), value in moved.items():
            written.nodes[node_id].params[name] = value
        written.node_dirs = dirs
        save_patch(written, target)
        for (node_id, name), value in moved.items():
            self.patch.nodes[node_id].params[name] = value
        self.patch.node_dirs = dirs
        if self.path is not None and old != new:  # undo and redo put back values that name the same files too
            rebase_history(self.history, self.registry, old, new)
        self.path = target
        self._saved_revision = self.history.revision
        if self.file_problems or unsaved:  # those of a patch with no file (relative paths) are gone too
            self.file_problems = []  # what they named was not read, so it is not in the file any more
            self._notify("problems", None)
        for node_id, name in moved:
            self._notify("param_changed", (node_id, name))
        self._notify("saved", target)
        return target
