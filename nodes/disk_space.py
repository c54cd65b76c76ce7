"""The free space of a take folder's disk, watched for the nodes that store takes (the web recorder, the microphone).

:func:`disk_free` is the one place the free space is read: the tests set it here (a real disk's moves as others
write). :class:`FreeSpaceWatch` tells a filling disk once each time it falls under ``warn_mb`` and a full one once each
time it falls under ``min_mb``, in the node's own words (a phone's take is refused and sent again, a microphone's is
kept in memory), and reports the node's ``disk_free_mb`` and ``disk_low`` status as the disk crosses ``warn_mb``.
Back above ``warn_mb``, its warning ends (it stood on the editor's node line, "filling up: 500 MB free", after room
was made) unless the node told another one since, and ``disk_room`` says there is room again (a console line).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any


def disk_free(folder: Path) -> int:
    """Bytes free for this user on the file system of ``folder`` (a large number if it cannot be told)."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return 1 << 62
    return st.f_bavail * st.f_frsize


class FreeSpaceWatch:
    """The low and full state of ``folder``'s disk, each told once per crossing.

    ``error`` and ``status`` are the node's ``report_error`` and ``report_status``; ``filling(free)`` and
    ``full(free)`` are its lines for a disk that fell under ``warn_mb`` and under ``min_mb`` (``free`` in bytes). The
    filling line goes to ``warn`` where given (a warning: nothing is refused or lost yet), else to ``error``.
    ``shown``: the warning the node's line shows (:attr:`Node.shown_warning`); where it is one of this watch's lines
    as the disk has room again, it is ended (without it, this watch's own last one is taken as shown).
    """

    def __init__(self, folder: Path, warn_mb: float, min_mb: float, error: Callable[[str], None],
                 status: Callable[..., Any], filling: Callable[[int], str], full: Callable[[int], str],
                 warn: Callable[[str], None] | None = None, shown: Callable[[], str] | None = None) -> None:
        self.folder = folder
        self.warn_mb, self.min_mb = warn_mb, min_mb
        self._error, self._status = error, status
        self._warn = warn or error
        self._filling, self._full_line = filling, full
        self._shown = shown
        self._told: list[str] = []  # the lines told since the disk fell under warn_mb
        self.low = self.full = False

    def look(self) -> int:
        """The bytes free now: told if the disk fell under ``warn_mb`` (not where it fell under ``min_mb`` at once:
        that line says it all) or under ``min_mb`` since the last look; :attr:`low` and :attr:`full` as found."""
        free = disk_free(self.folder)
        low, full = free < self.warn_mb * 1e6, free < self.min_mb * 1e6
        if low and not self.low and not (full and not self.full):
            self._told.append(self._filling(free))
            self._warn(self._told[-1])
        if low and not self.low:
            self._status(disk_free_mb=round(free / 1e6), disk_low=True)
        elif self.low and not low:  # room made: the warning ends, unless the node told another since
            shown = self._shown() if self._shown is not None else (self._told[-1] if self._told else "")
            ended = {"warning": ""} if shown and shown in self._told else {}
            self._told = []
            self._status(disk_free_mb=round(free / 1e6), disk_low=False, **ended,
                         disk_room=f"the take folder's disk has room again: {free / 1e6:.0f} MB free ({self.folder})")
        if full and not self.full:
            self._told.append(self._full_line(free))
            self._error(self._told[-1])
        self.low, self.full = low, full
        return free
