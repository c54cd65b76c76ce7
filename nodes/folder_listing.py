"""The files a folder source (:mod:`.folder`) watches, listed at every scan at a cost that does not grow with the
takes kept there: a folder's names are matched against the patterns, and turned into paths, only when they changed.

A folder whose time (its mtime, set by each name made, removed or renamed in it) is as it was at its last listing
is not listed again (a stat, not the names: 2,000 names cost 0.66 ms a scan): only where that time was
:data:`SETTLED_NS` older than the listing, as a name made in the same tick of the folder's clock after it leaves
that time as it was (a FAT card's clock ticks every 2 s); and every folder is listed anyway every
:data:`RELIST_SECONDS` (a share whose clock lags this machine's, a time set back). A file written again in place
changes no folder's time, nor any name: the listing never told it (see :mod:`.folder`).

Hidden folders are not listed, nor a card's Windows recycle bin and system folders, nor a take folder's
``damaged/`` (one that keeps a ``.processed`` journal: its takes set aside as unreadable, told already).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from exsampling_patch.takes import DAMAGED_FOLDER, PROCESSED_JOURNAL

#: Windows' folders on a card or a share, not hidden by their names: its recycle bin holds the recordings deleted on
#: the card, under names like ``$R3K2J1.wav`` (``.Trashes`` and ``.Trash-1000``, macOS's and Linux's, are hidden).
SYSTEM_FOLDERS = frozenset({"$recycle.bin", "recycler", "recycled", "system volume information"})

#: How much older than its listing a folder's time must be for that time, unchanged, to stand for its names unchanged.
SETTLED_NS = 3_000_000_000

#: Seconds after which the folders are listed whatever their times say.
RELIST_SECONDS = 2.0

FolderStamp = tuple[int, int, int]  # a folder's mtime (ns), inode and device
# A folder's names, and its stamp where settled (named here: the method list() shadows the type in the class).
Listed = tuple[list[str], FolderStamp | None]


@dataclass
class _Folder:
    """One folder as last listed: its names in the system's order, its wanted files, its sub-folders to list."""

    names: list[str]
    files: dict[str, Path] = field(default_factory=dict)
    subfolders: list[str] = field(default_factory=list)
    unwanted: set[str] = field(default_factory=set)  # file names the patterns (or a leading dot) leave out
    stamp: FolderStamp | None = None  # its stamp when listed, where settled then (SETTLED_NS): else listed again


class FolderListing:
    """The wanted files under ``root`` (its sub-folders too where ``recursive``), as of the last :meth:`list`."""

    def __init__(self, root: Path, recursive: bool, wanted: Callable[[str], bool]) -> None:
        self._root, self._recursive, self._wanted = root, recursive, wanted
        self._folders: dict[str, _Folder] = {}
        self.paths: list[Path] = []  # every wanted file, folder by folder (top-down, in the system's order)
        self.present: set[Path] = set()
        self._listed_all = -float("inf")  # time.monotonic() of the last listing of every folder

    def list(self) -> bool:
        """List the folders again (those whose time changed); whether the wanted files (or the folders) changed
        since the last listing."""
        changed = False
        folders: dict[str, _Folder] = {}
        pending = [str(self._root)]
        now = time.monotonic()
        every = now - self._listed_all >= RELIST_SECONDS
        if every:
            self._listed_all = now
        while pending:
            folder = pending.pop()
            known = self._folders.get(folder)
            try:
                listed = self._list(folder, None if every else known)
            except OSError:
                if folder == str(self._root) and not self._recursive:
                    raise  # as before: the folder itself gone is the watch's error (os.walk let it pass)
                continue
            if listed is not None:
                names, stamp = listed
                if known is None or known.names != names:
                    known = self._folder(folder, known)
                    changed = True
                known.stamp = stamp
            assert known is not None  # listed where not known
            folders[folder] = known
            pending.extend(reversed(known.subfolders))
        if changed or folders.keys() != self._folders.keys():
            self.paths = [path for entry in folders.values() for path in entry.files.values()]
            self.present = set(self.paths)
            changed = True
        self._folders = folders
        return changed

    @staticmethod
    def _list(folder: str, known: _Folder | None) -> Listed | None:
        """``folder``'s names and its stamp where settled; None where its stamp says they are ``known``'s."""
        wall = time.time_ns()  # before the stat: the folder's time is older than this, or it changed since
        st = os.stat(folder)
        stamp = (st.st_mtime_ns, st.st_ino, st.st_dev)
        if known is not None and known.stamp == stamp:
            return None
        return os.listdir(folder), (stamp if wall - stamp[0] >= SETTLED_NS else None)

    def _folder(self, folder: str, before: _Folder | None) -> _Folder:
        """``folder`` listed anew: the names it kept keep their match and path, only the new ones are matched."""
        kinds: dict[str, bool] = {}  # name -> a folder (one of a link's too, not gone into, as os.walk did)
        links: set[str] = set()
        try:
            with os.scandir(folder) as entries:
                for entry in entries:
                    try:
                        # A folder even where not recursive: one named like a sound file (``x.wav/``) was read
                        # as a take, and told unreadable.
                        kinds[entry.name] = entry.is_dir()
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
                if (self._recursive and name not in links and not name.startswith(".")
                        and name.lower() not in SYSTEM_FOLDERS
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
