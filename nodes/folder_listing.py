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
import stat
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
Names = list[str]  # a folder's names, in the system's order (named here: the method list() shadows the type)
Kind = tuple[bool, bool]  # whether a name is a folder (a link's target too, as os.walk), and whether a link to one
# A folder's names (with their kinds where read with them: its first listing), and its stamp where settled.
Listed = tuple[Names, dict[str, Kind] | None, FolderStamp | None]


@dataclass
class _Folder:
    """One folder as last listed: its names in the system's order, its wanted files, its sub-folders to list."""

    names: list[str]
    files: dict[str, Path] = field(default_factory=dict)
    subfolders: list[str] = field(default_factory=list)
    unwanted: set[str] = field(default_factory=set)  # file names the patterns (or a leading dot) leave out
    kinds: dict[str, Kind] = field(default_factory=dict)  # every name's kind: only new names are looked at
    stamp: FolderStamp | None = None  # its stamp when listed, where settled then (SETTLED_NS): else listed again


class FolderListing:
    """The wanted files under ``root`` (its sub-folders too where ``recursive``), as of the last :meth:`list`."""

    def __init__(self, root: Path, recursive: bool, wanted: Callable[[str], bool]) -> None:
        self._root, self._recursive, self._wanted = root, recursive, wanted
        self._folders: dict[str, _Folder] = {}
        self.paths: list[Path] = []  # every wanted file, folder by folder (top-down, in the system's order)
        self.present: set[Path] = set()
        self._listed_all = -float("inf")  # time.monotonic() of the last listing of every folder

    def list(self, full: bool = False) -> bool:
        """List the folders again (those whose time changed; every one, with each name's kind read anew, where
        ``full`` or every :data:`RELIST_SECONDS`); whether the wanted files (or the folders) changed since the last
        listing."""
        changed = False
        folders: dict[str, _Folder] = {}
        pending = [str(self._root)]
        now = time.monotonic()
        every = full or now - self._listed_all >= RELIST_SECONDS
        if every:
            self._listed_all = now
        while pending:
            folder = pending.pop()
            known = self._folders.get(folder)
            try:
                listed = self._list(folder, known, every)
            except OSError:
                if folder == str(self._root) and not self._recursive:
                    raise  # as before: the folder itself gone is the watch's error (os.walk let it pass)
                continue
            if listed is not None:
                names, kinds, stamp = listed
                # Kinds read anew (a relist of every folder) are compared too: a file replaced by a folder of its
                # name (while events were lost) keeps the names as they were.
                if known is None or known.names != names or (kinds is not None and kinds != known.kinds):
                    known = self._folder(folder, known, names, kinds)
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
    def _list(folder: str, known: _Folder | None, every: bool) -> Listed | None:
        """``folder``'s names and its stamp where settled; None where its stamp says they are ``known``'s (unless
        ``every``). Read once: its first listing and a relist of ``every`` folder with each name's kind (scandir: a name
        kept never had its kind looked at again, a file replaced by a folder of its name read as a take), other
        listings the names alone (listdir, cheaper: most say nothing changed), the kinds of new names looked at one by
        one (a name or two)."""
        wall = time.time_ns()  # before the stat: the folder's time is older than this, or it changed since
        st = os.stat(folder)
        stamp = (st.st_mtime_ns, st.st_ino, st.st_dev)
        if not every and known is not None and known.stamp == stamp:
            return None
        settled = stamp if wall - stamp[0] >= SETTLED_NS else None
        if known is None or every:
            kinds = _scan_kinds(folder)
            return list(kinds), kinds, settled
        return os.listdir(folder), None, settled

    def _folder(self, folder: str, before: _Folder | None, names: Names, read: dict[str, Kind] | None) -> _Folder:
        """``folder`` listed anew: the names it kept keep their match and path, only the new ones are matched (and,
        unless ``read`` with their kinds, looked at one by one: listed a second time, a folder of 2,000 takes was read
        twice for each name that came or went)."""
        old_kinds = before.kinds if before is not None else {}
        kinds = read if read is not None else {name: old_kinds.get(name) or _kind(folder, name) for name in names}
        links = {name for name, (_, link) in kinds.items() if link}
        listed = _Folder(names, kinds=kinds)
        old_files = before.files if before is not None else {}
        old_unwanted = before.unwanted if before is not None else set()
        take_folder = PROCESSED_JOURNAL in kinds
        for name, (is_folder, _) in kinds.items():
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


def _scan_kinds(folder: str) -> dict[str, Kind]:
    """Each of ``folder``'s names and its kind, in the system's order (one read of the folder: scandir)."""
    kinds: dict[str, Kind] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            try:
                # A folder even where not recursive: one named like a sound file (``x.wav/``) was read as a take,
                # and told unreadable.
                is_dir = entry.is_dir()
                kinds[entry.name] = (is_dir, is_dir and entry.is_symlink())
            except OSError:
                kinds[entry.name] = (False, False)
    return kinds


def _kind(folder: str, name: str) -> Kind:
    """The kind of one name in ``folder`` (one new since its last listing)."""
    path = os.path.join(folder, name)
    try:
        st = os.lstat(path)
    except OSError:  # gone since the listing: a file, as scandir's entry told it
        return (False, False)
    if stat.S_ISLNK(st.st_mode):
        is_dir = os.path.isdir(path)
        return (is_dir, is_dir)
    return (stat.S_ISDIR(st.st_mode), False)
