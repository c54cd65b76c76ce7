"""The files a folder source (:mod:`.folder`) watches, listed at every scan at a cost that does not grow with the
takes kept there: a folder's names are matched against the patterns, and turned into paths, only when they changed.

Hidden folders are not listed, nor a card's Windows recycle bin and system folders, nor a take folder's
``damaged/`` (one that keeps a ``.processed`` journal: its takes set aside as unreadable, told already).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from exsampling_patch.takes import DAMAGED_FOLDER, PROCESSED_JOURNAL

#: Windows' folders on a card or a share, not hidden by their names: its recycle bin holds the recordings deleted on
#: the card, under names like ``$R3K2J1.wav`` (``.Trashes`` and ``.Trash-1000``, macOS's and Linux's, are hidden).
SYSTEM_FOLDERS = frozenset({"$recycle.bin", "recycler", "recycled", "system volume information"})


@dataclass
class _Folder:
    """One folder as last listed: its names in the system's order, its wanted files, its sub-folders to list."""

    names: list[str]
    files: dict[str, Path] = field(default_factory=dict)
    subfolders: list[str] = field(default_factory=list)
    unwanted: set[str] = field(default_factory=set)  # file names the patterns (or a leading dot) leave out


class FolderListing:
    """The wanted files under ``root`` (its sub-folders too where ``recursive``), as of the last :meth:`list`."""

    def __init__(self, root: Path, recursive: bool, wanted: Callable[[str], bool]) -> None:
        self._root, self._recursive, self._wanted = root, recursive, wanted
        self._folders: dict[str, _Folder] = {}
        self.paths: list[Path] = []  # every wanted file, folder by folder (top-down, in the system's order)
        self.present: set[Path] = set()

    def list(self) -> bool:
        """List the folders again; whether the wanted files (or the folders) changed since the last listing."""
        changed = False
        folders: dict[str, _Folder] = {}
        pending = [str(self._root)]
        while pending:
            folder = pending.pop()
            try:
                names = os.listdir(folder)
            except OSError:
                if folder == str(self._root) and not self._recursive:
                    raise  # as before: the folder itself gone is the watch's error (os.walk let it pass)
                continue
            known = self._folders.get(folder)
            if known is None or known.names != names:
                known = self._folder(folder, known)
                changed = True
            folders[folder] = known
            pending.extend(reversed(known.subfolders))
        if changed or folders.keys() != self._folders.keys():
            self.paths = [path for entry in folders.values() for path in entry.files.values()]
            self.present = set(self.paths)
            changed = True
        self._folders = folders
        return changed

    def _folder(self, folder: str, before: _Folder | None) -> _Folder:
        """``folder`` listed anew: the names it kept keep their match and path, only the new ones are matched."""
        kinds: dict[str, bool] = {}  # name -> a folder (one of a link's too, not gone into, as os.walk did)
        links: set[str] = set()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        kinds[entry.name] = self._recursive and entry.is_dir()
                        if kinds[entry.name] and entry.is_symlink():
                            links.add(entry.name)
                    except OSError:
                        kinds[entry.name] = False
        except OSError:
            kinds = {}
        listed = _Folder(list(kinds))
        old_files = before.files if before is not None else {}
        old_unwanted = before.unwanted if before is not None else set()
        take_folder = PROCESSED_JOURNAL in kinds
        for name, is_folder in kinds.items():
            if is_folder:
                # Not into hidden folders, nor a take folder's damaged/ (takes set aside as unreadable: told already).
                if (name not in links and not name.startswith(".") and name.lower() not in SYSTEM_FOLDERS
                        and not (name == DAMAGED_FOLDER and take_folder)):
                    listed.subfolders.append(os.path.join(folder, name))
                continue
            path = old_files.get(name)
            if path is None and name not in old_unwanted and self._wanted(name):
                path = Path(folder) / name
            if path is not None:
                listed.files[name] = path
            else:
                listed.unwanted.add(name)
        return listed
