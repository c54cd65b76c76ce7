"""Checks of the ``path`` parameters of a patch on disk: a path that cannot be what it names
(:func:`path_problem`), and a path a node reads that is not there (:func:`read_path_problems`).

Apart from ``validate.py`` so that it stays short; ``validate.check_patch`` calls these when it knows the patch
file's folder, from which relative paths are taken.
"""

from __future__ import annotations

import difflib
import functools
import os
from pathlib import Path

from exsampling_patch.errors import Problem
from exsampling_patch.param_values import value_in_effect
from exsampling_patch.patch import Patch
from exsampling_patch.patchfile import SourceMap, closest_existing
from exsampling_patch.registry import Registry


def path_problem(value: str, path_kind: str, base_dir: Path) -> str | None:
    """Why the path ``value`` (relative ones from ``base_dir``) cannot work, or None if it may.

    It cannot when it is a file where a folder should be (or the other way round), or when a folder above
    it is a file, so that nothing can be made there. A path that does not exist yet may: nodes make it.
    """
    try:
        path = Path(value).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if path.exists():
            if path_kind == "folder" and not path.is_dir():
                return "is a file, not a folder"
            if path_kind == "file" and path.is_dir():
                return "is a folder, not a file"
            return None
        for parent in path.parents:
            if parent.exists():
                return None if parent.is_dir() else f"cannot be made: {parent} is a file, not a folder"
    except (OSError, ValueError, RuntimeError) as error:
        return f"cannot be used: {error}"
    return None


#: Path parameters a node only reads, by built-in node type (other path parameters are written: the node makes
#: them on purpose, as the recorder makes its take folder); any type's ``path_kind="file"`` parameters are read
#: too (:func:`read_params`). A file read must exist; a folder read (the folder source makes the one it watches,
#: a drop box) is reported when it looks misspelt: missing, with an existing folder of a close name where it
#: would be, and no node of the patch writing there.
READ_PATHS: dict[str, tuple[str, ...]] = {"folder_source": ("folder",)}


def read_params(type_name: str, registry: Registry) -> tuple[str, ...]:
    """The path parameters a node type reads: its :data:`READ_PATHS`, and its ``path_kind="file"`` parameters (a
    plugin's impulse response, a model): before, only the built-ins' were checked, by name."""
    params = registry.get(type_name).param_specs
    files = [name for name, param in params.items() if param.kind_name == "path" and param.path_kind == "file"]
    return tuple(dict.fromkeys([*READ_PATHS.get(type_name, ()), *files]))


def read_path_problems(patch: Patch, registry: Registry, source: SourceMap, base_dir: Path) -> list[Problem]:
    """Paths a node reads that are not there (see :data:`READ_PATHS`)."""
    written: set[Path] = set()
    reads = {spec.type: read_params(spec.type, registry) for spec in patch.nodes.values() if spec.type in registry}
    for node_id, spec in patch.nodes.items():
        if spec.type not in registry:
            continue
        for name, param in registry.get(spec.type).param_specs.items():
            if param.kind_name != "path" or name in reads[spec.type]:
                continue
            value = value_in_effect(patch, registry, node_id, name)
            if value:
                written.add(_absolute(str(value), base_dir))
    problems: list[Problem] = []
    for node_id, spec in patch.nodes.items():
        if spec.type not in registry:
            continue
        for name in reads[spec.type]:
            read = registry.get(spec.type).param_specs.get(name)
            value = None if read is None else value_in_effect(patch, registry, node_id, name)
            if read is not None and not value and (spec.type, name) == ("classifier", "model"):
                shipped = shipped_model_problem()  # the classifier loads it: unread here, its damage was told at start
                if shipped:
                    problems.append(Problem(
                        f"node '{node_id}': no 'model' given, so it uses the shipped model, which will not load: "
                        f"{shipped}", source.file,
                        source.node_line(node_id, *(("params", name) if name in spec.params else ())),
                        hint=f"'{name}': {read.doc}"))
                continue
            if read is None or not value or not isinstance(value, str):
                continue
            path = _absolute(value, base_dir)
            if path in written or any(w in path.parents or path in w.parents for w in written):
                continue  # another node of the patch writes there
            missing = missing_path(path, read.path_kind)
            meant = closest_existing(path) if missing and read.path_kind == "file" else None
            if missing and meant is None and (spec.type, name) == ("classifier", "model") and path.suffix != ".pt" \
                    and path.with_name(path.name + ".pt").is_file():
                meant = path.with_name(path.name + ".pt")  # `model: mine` for the mine.pt that train wrote
            if meant is not None:  # the file itself, as the patch would write it (the hint named its folder)
                shown = meant if Path(value).expanduser().is_absolute() else os.path.relpath(meant, base_dir)
                missing = f"does not exist; did you mean '{shown}'?"
            elif missing:
                missing += from_patch_folder(value, base_dir, read.path_kind)
            reason = f"'{value}' {missing}" if missing else as_named(content_problem(spec.type, name, path), value,
                                                                      path, base_dir)
            if reason:
                problems.append(Problem(f"node '{node_id}': parameter '{name}': {reason}", source.file,
                                        source.node_line(node_id, "params", name), hint=f"'{name}': {read.doc}"))
    return problems


def content_problem(type_name: str, name: str, path: Path) -> str | None:
    """What keeps a file a built-in node reads from loading, told without loading it: a classifier's ``model``
    that is there but no model file passed check, and the classifier then failed at its start."""
    if (type_name, name) != ("classifier", "model"):
        return None
    try:
        stat = path.stat()
    except OSError:
        return None  # not there: missing_path tells it
    return _model_problem(str(path), stat.st_mtime_ns, stat.st_size)


def as_named(reason: str | None, value: str, path: Path, base_dir: Path) -> str | None:
    """``reason`` with the paths of ``path`` (read for the patch's ``value``) and of the files beside it written as
    the patch would name them, from the patch's folder, in quotes as the other path messages write them: a model
    card's "/home/.../my.md is the card of the model /home/.../my.pt" named neither as the patch does."""
    if reason is None or Path(value).expanduser().is_absolute():
        return reason
    folder = os.path.join(path.parent, "")
    if folder not in reason:
        return reason
    try:
        names = sorted((n for n in os.listdir(path.parent) if folder + n in reason), key=len, reverse=True)
    except OSError:
        names = [path.name] if str(path) in reason else []
    for name in names:  # the longest first: my.pt.bak is not my.pt followed by .bak
        reason = reason.replace(folder + name, f"'{os.path.relpath(path.parent / name, base_dir)}'")
    return reason


def shipped_model_problem() -> str | None:
    """What keeps the shipped model (a classifier's with no ``model``) from loading, as a named one's is told: not
    there at all (only the classifier's start told that, too late for the show), or damaged
    (:func:`content_problem`); with how to get it back. None where it may load."""
    from exsampling_patch.models.model_header import SHIPPED_MODEL

    try:
        there = SHIPPED_MODEL.is_file()
    except OSError:
        there = False
    if not there:
        return f"'{SHIPPED_MODEL}' does not exist; reinstall exsampling-patch to get it back"
    problem = content_problem("classifier", "model", SHIPPED_MODEL)
    return f"{problem}; reinstall exsampling-patch to get it whole" if problem else None


@functools.lru_cache(maxsize=32)
def _model_problem(path: str, mtime_ns: int, size: int) -> str | None:
    # Cached by the file's time and size: the editor checks its patch after every edit.
    from exsampling_patch.models.model_header import model_file_problem

    return model_file_problem(path) if Path(path).is_file() else None


def from_patch_folder(value: str, base_dir: Path, path_kind: str) -> str:
    """Where a relative ``value`` missing from the patch's folder is there in the working folder (a model trained
    with `exsampling train --out my.pt`, the patch in another folder): that relative paths are taken from the
    patch's folder, and how to name the one found; '' otherwise. "'my.pt' does not exist" beside the file left
    the reader to guess."""
    try:
        given = Path(value).expanduser()
        here = Path.cwd() / given
        if given.is_absolute() or Path.cwd().resolve() == base_dir.resolve() or \
                not (here.is_dir() if path_kind == "folder" else here.is_file()):
            return ""
        named = os.path.relpath(here.resolve(), base_dir.resolve())
    except (OSError, ValueError):
        return ""
    return (f" in the patch's folder {base_dir}, which relative paths are taken from: write '{named}' for the one in "
            "the current folder")


def _absolute(value: str, base_dir: Path) -> Path:
    path = Path(value).expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else base_dir / path))


def missing_path(path: Path, path_kind: str) -> str | None:
    """Why a path a node reads is not there, or None. A file must exist; a folder that does not is reported
    when an existing folder of a close name stands where its first missing part would be (a typo)."""
    try:
        if path.exists():
            return None
        first = next((p for p in [path, *path.parents] if p.parent.exists()), None)
        if first is None:
            return None
        siblings = [c.name for c in first.parent.iterdir() if c.is_dir()] if first.parent.is_dir() else []
    except OSError:
        return None
    close = difflib.get_close_matches(first.name, siblings, n=1, cutoff=0.75)
    hint = f"; did you mean '{first.parent / close[0]}'?" if close else ""
    if path_kind != "folder":
        return f"does not exist{hint}"
    return f"does not exist{hint}" if close else None
