"""How a node folder's files are imported: each under a name of its own, its helpers (``_dsp.py`` beside it) found
in its own folder. Apart from :mod:`~exsampling_patch.registry`, which registers the node types they define.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType

#: The folders of user nodes put on ``sys.path`` (their helpers are found there by bare name).
NODE_FOLDERS: set[str] = set()


class _HelperFinder(importlib.abc.MetaPathFinder):
    """Finds ``names`` in ``folder`` alone, ahead of ``sys.path`` (where an earlier node folder comes first)."""

    def __init__(self, folder: Path, names: set[str]) -> None:
        self.folder, self.names = folder, names

    def find_spec(self, fullname: str, path: Sequence[str] | None = None,
                  target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        if path is None and fullname in self.names:
            return importlib.machinery.PathFinder.find_spec(fullname, [str(self.folder)])
        return None


@contextlib.contextmanager
def own_helpers(folder: Path) -> Iterator[None]:
    """While ``folder``'s node files are imported, ``from _util import ...`` finds ``folder``'s own ``_util.py`` (and
    ``from effect_base import ...`` its own node file ``effect_base.py``).

    Helpers are imported by bare name from the node folders on ``sys.path``: a second folder's ``_util.py`` was the
    first one's (cached in ``sys.modules``, and first on the path), so its nodes failed to load or ran the other
    folder's code. A helper that something installed provides by that name is left to it, as before.
    """
    installed = [entry for entry in sys.path if entry not in NODE_FOLDERS]
    # Its node files too: one imported by name (a shared base, `from effect_base import Effect`) was the first
    # folder's effect_base for every later folder that has one, in `exsampling edit` and in a test run alike.
    found = {file.stem for file in folder.glob("*.py")} | {file.parent.name for file in folder.glob("*/__init__.py")}
    names = {name for name in found if name.isidentifier() and name != "__init__"
             and name not in sys.builtin_module_names
             and importlib.machinery.PathFinder.find_spec(name, installed) is None}
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules and not _inside(sys.modules[name],
                                                                                                   folder)}
    finder = _HelperFinder(folder, names)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)
        # The other folders' helpers go back: their nodes keep theirs, and this folder's keep these (bound by now).
        for name in saved:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def _inside(module: ModuleType, folder: Path) -> bool:
    file = getattr(module, "__file__", None)
    return file is not None and folder in Path(file).resolve().parents


#: The package name node files are imported under (never imported itself).
_USER_PACKAGE = "exsampling_user_nodes"


def import_file(file: Path) -> ModuleType:
    # Named from its path, the same in every run (hash() of a text changes with each process): `nodes --json`
    # told a new module name at each start, and two files of one name in two folders still get their own.
    name = f"{_USER_PACKAGE}.{file.stem}_{hashlib.sha1(str(file).encode()).hexdigest()[:12]}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot import {file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except ModuleNotFoundError as error:
        del sys.modules[name]
        if error.name != _USER_PACKAGE:
            raise
        # `from ._dsp import ...` (the folder made a package): "No module named 'exsampling_user_nodes'" named
        # the loader's own package, which the file never wrote. Raised with its traceback: its line is told.
        raise ImportError("a node file's relative import (from . import ...) finds nothing: import the folder's "
                          "helpers by name (from _dsp import ...)").with_traceback(error.__traceback__) from None
    except BaseException:
        del sys.modules[name]
        raise
    return module
