"""Folder source: turns audio files that appear in a folder into takes (a recordings library, a drop box).

Hidden files and folders are skipped, and so is the ``damaged/`` subfolder of a take folder (one a recorder or a
microphone writes: it holds a ``.processed`` journal), where takes found unreadable are set aside.
"""

from __future__ import annotations

import fnmatch
import os
from pathlib import Path

from exsampling_patch.messages import Take
from exsampling_patch.node import Node, Output, Param
from exsampling_patch.ports import TAKE
from exsampling_patch.takes import DAMAGED_FOLDER, PROCESSED_JOURNAL, read_take


class FolderSource(Node):
    """Emit a take for every new audio file (WAV, FLAC, OGG) that appears in a folder."""

    type_name = "folder_source"
    family = "sources"

    take = Output(TAKE, "one take per new audio file")

    folder = Param("path", None, "the folder to watch", required=True)
    patterns = Param(str, "*.wav,*.flac,*.ogg", "file name patterns, comma separated")
    include_existing = Param(bool, False, "also emit the files already there when the patch starts")
    recursive = Param(bool, False, "watch sub-folders too (not hidden ones, nor a take folder's damaged/)")
    poll_interval = Param(float, 0.1, "seconds between scans of the folder", minimum=0.01, maximum=10.0, unit="s")

    def start(self) -> None:
        self._root = self.resolve_path(self.folder)
        self._root.mkdir(parents=True, exist_ok=True)
        self._globs = [p.strip().lower() for p in self.patterns.split(",") if p.strip()]
        # path -> (size, mtime) seen on the last scan; a file is read once it has stopped changing.
        self._sizes: dict[Path, tuple[int, int]] = {}
        self._done: dict[Path, tuple[int, int]] = {}
        if not self.include_existing:
            self._done = dict(self._scan())
        self.run_thread(self._watch, name=f"{self.node_id}-watch")

    def _scan(self) -> dict[Path, tuple[int, int]]:
        found = {}
        walker = os.walk(self._root) if self.recursive else [(str(self._root), [], os.listdir(self._root))]
        for folder, subfolders, names in walker:
            # Not into hidden folders, nor a take folder's damaged/ (takes set aside as unreadable: told already).
            subfolders[:] = [d for d in subfolders if not d.startswith(".")
                             and not (d == DAMAGED_FOLDER and _is_take_folder(Path(folder)))]
            for name in names:
                if name.startswith(".") or not any(fnmatch.fnmatch(name.lower(), g) for g in self._globs):
                    continue
                path = Path(folder) / name
                try:
                    st = path.stat()
                except OSError:
                    continue
                found[path] = (st.st_size, st.st_mtime_ns)
        return found

    def _watch(self) -> None:
        while not self.stop_event.is_set():
            current = self._scan()
            for path in sorted(current, key=lambda p: (current[p][1], p.name)):
                stamp = current[path]
                if self._done.get(path) == stamp:
                    continue
                if self._sizes.get(path) != stamp or stamp[0] == 0:
                    continue  # still being written: wait for one quiet scan
                self._done[path] = stamp
                self._emit_file(path)
            self._sizes = current
            self.stop_event.wait(self.poll_interval)

    def _emit_file(self, path: Path) -> None:
        try:
            take: Take = read_take(path, source=self.node_id)
        except Exception as error:
            self.report_error(f"{path.name}: {error}")
            return
        self.report_status(last_file=path.name, takes=len(self._done))
        self.emit("take", take)


def _is_take_folder(folder: Path) -> bool:
    """Whether ``folder`` is a take folder (:class:`~exsampling_patch.takes.TakeStore`'s): it keeps a journal."""
    return (folder / PROCESSED_JOURNAL).exists()
