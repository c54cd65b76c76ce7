"""The web recorder's watch on its take folder's disk: told when it fills up, takes refused (507) when it is full, or
for good (413) when even the emptied disk could not hold one.

A disk already under ``min_free_mb`` when the patch started made the recorder's start fail (the 507 meant for an
upload, raised in ``start()``): no URL, no QR code, the phones' uploads refused at the door, and the recorder never
came up once room was made. It now starts, and refuses takes until there is room, as it does mid-show. The refusal
was told only to the phone ("tell the performer"): the console now says it once each time the disk gets full.

A take refused 507 is no take refused for good (the phone keeps it and sends it again), so it never ended and the
run's summary said nothing of it: a show that ended on a full disk summed up as if every take had come in. The takes
refused for the full disk and not stored since (by their phone's take id) are the node's ``held_on_phones`` status,
which the summary tells (:meth:`DiskWatch.held`). Each count is reported under the lock it is counted under: told
after it, two request threads' counts could arrive in the wrong order, the summary left with the older one. A take
whose write failed for want of room (ENOSPC, the disk filled between the check and the write) is a 507 as well
(:meth:`DiskWatch.full_on_write`): it was a 500, not counted, though its phone kept it all the same.

A disk filling up (under ``warn_free_mb``) is a warning, as the microphone's: nothing is refused yet, and as an error
it listed the recorder among the run's "nodes with errors" at every start on a machine with under 2 GB free. A full
one (takes refused, 507) stays an error: phones are being turned away. It ended only with a rebuild of the node: once
room was made and takes were stored again, the editor still showed the recorder in "disk is full". So did a take
refused as too large for the room left and a write that failed for want of room (ENOSPC, EDQUOT: a quota is no full
disk to the check), neither of which is the disk found full. Each disk error now ends once a take is stored and the look
before it found room: the disk not full, with room for the largest take told too large since the error as well
(:meth:`DiskWatch.held`). Waiting also for none refused for the disk to be held on the phones, a phone that got its 507
and never came back (its page closed, its battery dead) kept the error for the rest of the show, room made and other
phones' takes stored; its take is left to the ``held_on_phones`` count. The ``disk`` status, with its line, ends it (the
console says the recorder is back, with the line). Told ``about`` the disk (:data:`DISK`): the recorder's URL
reported opened ended every error of the node, one the disk has nothing to do with ("the recorder's state could not
be written") unmended; only the disk errors end so. Both are decided under one lock, so that a take stored as another
thread tells a disk error never ends it before it is told, and the end is told once. Room made above ``warn_free_mb``
as well, the console said it twice ("has room again", the filling warning's end, then "is back: ... has room for takes
again"): while a disk error stands, the watch's ``disk_room`` line is left to the end's. The looks themselves are taken
one at a time (request threads store takes at once): two at once each found the disk newly full, and told it twice.

A take folder that cannot be written (a card's lock switch, a disk mounted read-only, permissions), told at the start
or by a take's failed write, stood on the node until it was rebuilt, the folder made writable and takes stored again.
It is told about the disk as well, and ends as the disk errors do: at the next take stored (the console says the
folder can be written again, once).
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.disk_space import FreeSpaceWatch
from exsampling_patch.nodes.web_recorder.upload import UploadError

#: What the disk errors are told ``about``, and the status key that ends them (an opened key of the runtime's).
DISK = "disk"


def amount(size: float, decimals: int = 0) -> str:
    """``size`` bytes in MB with ``decimals``, in kB under about 1 MB: "a take (0.0 MB) was refused: ... (0 MB free)"
    read as an empty take refused from an empty disk, and a phone's take is often tens of kB."""
    return f"{size / 1e6:.{decimals}f} MB" if size >= 0.95e6 else f"{size / 1e3:.0f} kB"


def disk_room(folder: Path) -> int | None:
    """The most bytes this user could ever have free on the file system of ``folder``, all of its files gone (its size
    less what is reserved for root); None if it cannot be told."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return None
    return (st.f_blocks - (st.f_bfree - st.f_bavail)) * st.f_frsize


class DiskWatch:
    """Checks the free space of ``folder`` before each take is stored; ``error`` and ``status`` are the node's
    ``report_error`` (told ``about`` :data:`DISK`) and ``report_status``, ``shown`` the warning its line shows
    (:class:`FreeSpaceWatch`)."""

    def __init__(self, folder: Path, warn_mb: float, min_mb: float, error: Callable[[str, str], None],
                 status: Callable[..., Any], shown: Callable[[], str] | None = None) -> None:
        self.folder = folder
        self.warn_mb = warn_mb
        self.min_mb = min_mb
        self._report_error = error
        self._status = status
        self._space = FreeSpaceWatch(folder, warn_mb, min_mb, self._error, self._space_status, self._filling,
                                     self._full, warn=lambda line: status(warning=line), shown=shown)
        self._too_large = -1  # the size of the last take told too large for the room left (under _held_lock)
        self._held: set[Any] = set()  # the takes refused 507 and not stored since (their phones' keys for them)
        self._held_lock = threading.Lock()  # held() is called on the server's request threads
        self._erred = False  # a disk error told that no take stored since has ended
        self._unwritable = False  # the folder told as not writable, and no take stored since
        self._wanted = 0  # the bytes of the largest take told too large since that error: the room that ends it
        self._free = 0  # the bytes free at the last look, for the line that ends it
        self._look_lock = threading.Lock()  # the free space watch's crossings, each told by one look (HTTP threads)

    def _filling(self, free: int) -> str:
        return (f"the take folder's disk is filling up: {amount(free)} free; takes are refused below "
                f"{self.min_mb:g} MB ({self.folder})")

    def _full(self, free: int) -> str:
        return (f"the take folder's disk is full: {amount(free)} free, under {self.min_mb:g} MB: takes are "
                f"refused, the phones keep them and send them again, until there is room ({self.folder})")

    def _error(self, line: str, wanted: int = 0, too_large: int | None = None) -> None:
        """Tell a disk error, which the next take stored with room (for a take of ``wanted`` bytes too) ends
        (:meth:`held`). ``too_large``: the size of a take told too large for the room left, told once (not at each of
        its phone's retries) until :meth:`held` ends the error; looked at and set under the lock :meth:`held` resets
        it under, so that two request threads checking the same take at once tell it once."""
        with self._held_lock:
            if too_large is not None:
                if too_large == self._too_large:
                    return
                self._too_large = too_large
            self._erred = True
            self._wanted = max(self._wanted, wanted)
            self._report_error(line, DISK)

    def _space_status(self, **status: Any) -> None:
        """The free space watch's status, less its ``disk_room`` line while a disk error stands: the end's says it."""
        if self._erred:
            status.pop("disk_room", None)
        self._status(**status)

    def _look(self) -> int:
        """The bytes free now (:meth:`FreeSpaceWatch.look`)."""
        with self._look_lock:
            self._free = self._space.look()
            return self._free

    def held(self, key: Any, refused: bool) -> None:
        """A take (``key``: its phone's id for it, None where it sent none) refused for the full disk (``refused``: a
        507), or stored: the takes refused and not stored since are reported as ``held_on_phones`` when their count
        changes. Stored with room found by the look before it, it ends the disk error that stands (the ``disk``
        status): a take held on a phone that never comes back is left to the count."""
        with self._held_lock:  # reported under it: each count told in the order counted, the last one standing
            before = len(self._held)
            if refused:
                self._held.add(key)
            else:
                self._held.discard(key)
            if len(self._held) != before:
                self._status(held_on_phones=len(self._held))
            room = not self._space.full and self._free - self._wanted >= self.min_mb * 1e6
            # A take stored: the folder can be written. Not told while a full disk's error stands without room: the
            # one status ends every error told about the disk.
            if refused or not ((self._erred and room) or (self._unwritable and not self._erred)):
                return
            said = []
            if self._unwritable:
                said.append(f"the take folder {self.folder} can be written again")
            if self._erred:
                said.append(f"the take folder's disk has room for takes again: {amount(self._free)} free "
                            f"({self.folder})")
            # The take told too large is told again if refused again: its error has ended.
            self._erred, self._unwritable, self._wanted, self._too_large = False, False, 0, -1
            self._status(**{DISK: "; ".join(said)})

    def cannot_write(self, line: str) -> None:
        """Tell that the take folder cannot be written, an error the next take stored ends (:meth:`held`)."""
        with self._held_lock:
            self._unwritable = True
            self._report_error(line, DISK)

    def dropped(self, key: Any) -> None:
        """A take (``key``) refused for good: its phone drops it, so it is no longer held there if it was; nothing
        stored, it ends no disk error."""
        with self._held_lock:
            if key in self._held:
                self._held.discard(key)
                self._status(held_on_phones=len(self._held))

    def write_failed(self, error: OSError) -> UploadError | None:
        """A take passed :meth:`check` but its write failed with ``error``: told, then :meth:`full_on_write`'s answer.
        The phone is answered 500 or 507 and sends the take again, but the console said nothing (the traceback went to
        the libraries' log): a take folder gone or a disk failing lost every take unseen by the performer. Without the
        take's file name: each retry is then the same error, counted rather than told anew. Told about the disk where
        it is one that is out of room (ENOSPC, EDQUOT): it ends once takes are stored again."""
        line = (f"a take from a phone could not be stored in {self.folder}: {error.strerror or error}; the phone "
                "keeps it and sends it again")
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            self._error(line)
        elif error.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            self.cannot_write(line)
        else:
            self._report_error(line, "")
        return self.full_on_write(error)

    def full_on_write(self, error: OSError) -> UploadError | None:
        """A take passed :meth:`check` but its write failed with ``error``: the 507 to answer where that is a full
        disk (ENOSPC or EDQUOT, or the disk found under ``min_mb`` now: it filled up since, told once as
        :meth:`check` tells it), so that its phone is told to keep it and the take is counted as held on the phones;
        None where the write failed for another reason."""
        free = self._look()
        if error.errno not in (errno.ENOSPC, errno.EDQUOT) and not self._space.full:
            return None
        return UploadError(507, f"the recorder's disk is full ({amount(free)} free): this take could not be "
                                f"written ({error.strerror or error}); it is stored once there is room; tell the "
                                "performer")

    def check(self, incoming: int) -> None:
        """Report a filling disk (once each time it crosses ``warn_mb``) and a full one (once each time it crosses
        ``min_mb``); raise :class:`UploadError` 507 if the disk is under ``min_mb``, or if ``incoming`` bytes would
        leave less than ``min_mb`` (that take told as too large, once); 413 if they would even on the disk emptied."""
        room = disk_room(self.folder)
        if room is not None and self.min_mb * 1e6 < room < incoming + self.min_mb * 1e6:
            # No room made can ever take it: refused for good (413), or its phone sent it again every few seconds for
            # the rest of the show, told "it is stored once there is room". Not where min_mb is more than the disk
            # holds: no take fits, a shorter one neither, and the disk is told full (a setting to change).
            raise UploadError(413, f"this take ({amount(incoming, 1)}) can never be stored: the recorder's disk "
                                   f"holds {amount(room)}, and {self.min_mb:g} MB of it is kept free; record a "
                                   "shorter take")
        # Full is the disk itself under min_mb, not one take too large for the room left: told as full, a large take
        # read "N MB free, under M MB" with N above M, and the line came back at each retry between small takes.
        free = self._look()
        if self._space.full:
            # Not "this take was not kept": the phone keeps it and sends it again (507 is retried), and says so.
            raise UploadError(507, f"the recorder's disk is full ({amount(free)} free): it stores no take until "
                                   "there is room; tell the performer")
        if free - incoming < self.min_mb * 1e6:
            size = amount(incoming, 1)
            self._error(f"a take ({size}) was refused: it would leave less than {self.min_mb:g} MB free on the take "
                        f"folder's disk ({amount(free)} free); its phone keeps it and sends it again, until there "
                        f"is room ({self.folder})", wanted=incoming, too_large=incoming)
            raise UploadError(507, f"this take ({size}) would leave less than {self.min_mb:g} MB free on the "
                                   f"recorder's disk ({amount(free)} free): it is stored once there is room; "
                                   "tell the performer")

    def check_at_start(self) -> None:
        """:meth:`check`, told but not raised: a full disk refuses takes, it does not keep the recorder down. (A take
        folder that cannot be written is tried by :meth:`~.folders.TakeFolder.make_at_start`, and told with
        :meth:`cannot_write`.)"""
        with contextlib.suppress(UploadError):
            self.check(0)
