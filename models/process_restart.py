"""What starting the classifier's process again needs (:mod:`.process`): the model the show started with, the
watch on the process's end, and the back-off for a process that keeps dying soon after it loads its model.

The model: a process started again mid-show (after a crash) loaded its model from the file's path, so a retrain
written into that file meanwhile (``exsampling train --out`` the same file, or a copy over it) changed the show's
model at a crash. :func:`private_copy` keeps the file's bytes as they were at the start, in memory, and every
process loads those.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import stat
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from exsampling_patch.shared_memory import anonymous_file

__all__ = ["BACKOFF_FIRST", "BACKOFF_MAX", "QUICK_DEATH_SECONDS", "Backoff", "ModelCopy", "lock_unless",
           "private_copy", "wait_for_end"]

QUICK_DEATH_SECONDS = 10.0  # a process ending this soon after it loaded its model, again and again, keeps dying
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 4.0  # seconds the watch waits from a second such end in a row on, doubling
WATCH_POLL = 0.5  # seconds between looks at a stop while a process is watched


@dataclass(frozen=True)
class ModelCopy:
    """A model file's bytes as read at the start (``fd``: a memory-only file the caller closes), and what the
    file was then (device, inode, size, modification time), to tell that it has been written since."""

    fd: int
    path: str
    identity: tuple[int, int, int, int]

    def changed(self) -> str:
        """A clause for a restart's message where the file is no longer the one copied; '' where it is."""
        try:
            now = _identity(os.stat(self.path))
        except OSError:
            now = None
        if now == self.identity:
            return ""
        return f"; it loaded the model the show started with, not {self.path} as written since"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    return info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns


def private_copy(path: str | None) -> ModelCopy | None:
    """The model file at ``path`` copied into memory, or None: for the shipped model (``None``: no retrain writes
    into the installed package), and for a file that cannot be read (the process's load then says why, naming it)."""
    if path is None:
        return None
    try:
        with open(path, "rb") as source:
            info = os.fstat(source.fileno())
            if not stat.S_ISREG(info.st_mode):
                return None
            fd = anonymous_file(0, "exsampling-classifier-model")
            try:
                with open(fd, "wb", closefd=False) as copy:
                    shutil.copyfileobj(source, copy, 1 << 20)
            except BaseException:
                os.close(fd)
                raise
    except OSError:
        return None
    return ModelCopy(fd, path, _identity(info))


class Backoff:
    """How long to wait before starting a process that ended again: at once, but from the second end in a row
    within :data:`QUICK_DEATH_SECONDS` of its model's load on, :data:`BACKOFF_FIRST` doubling up to
    :data:`BACKOFF_MAX`. Why: one killed again and again soon after it loads (the OOM killer) is not started at once
    every time: each start imports torch and loads the model, a CPU's work for seconds."""

    def __init__(self) -> None:
        self.quick_deaths = 0  # ends in a row, each within QUICK_DEATH_SECONDS of its Ready

    def delay(self, ready: bool, ready_at: float) -> float:
        """Seconds to wait for an end now of a process that was ``ready`` (at monotonic time ``ready_at``)."""
        quick = ready and time.monotonic() - ready_at < QUICK_DEATH_SECONDS
        self.quick_deaths = self.quick_deaths + 1 if quick else 0
        return 0.0 if self.quick_deaths < 2 else min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** (self.quick_deaths - 2))

    def after(self, delay: float) -> str:
        """The restart message's clause for a start after ``delay`` seconds ('' for none)."""
        if not delay:
            return ""
        return (f" after {delay:g} s: it keeps dying ({self.quick_deaths} times in a row within "
                f"{QUICK_DEATH_SECONDS:g} s of loading its model)")


def lock_unless(lock: threading.Lock, stopping: threading.Event, replaced: Callable[[], bool],
                poll: float) -> bool:
    """Take ``lock`` once it is free; False if meanwhile ``stopping`` is set or ``replaced()`` says the process
    was replaced (by a take). Why wait: a take that had its answer may still hold the lock as its process dies; the
    watch gave up then, and the next take found the end and waited for a new process to load."""
    while not lock.acquire(timeout=poll):
        if stopping.is_set() or replaced():
            return False
    return True


def wait_for_end(process: subprocess.Popen[bytes], stopping: threading.Event) -> bool:
    """Wait until ``process`` has ended (True) or ``stopping`` is set (False), without reaping it: its owner does.
    False at once where the system cannot watch a process (no pidfd): the next take finds the end, as before."""
    try:
        watch = os.pidfd_open(process.pid)
    except ProcessLookupError:  # reaped already
        return True
    except (AttributeError, OSError):
        stopping.wait()
        return False
    try:
        if process.returncode is not None:  # reaped before the pidfd was opened: the pid may be another's now
            return True
        while not stopping.is_set():
            if select.select([watch], [], [], WATCH_POLL)[0]:
                return True
        return False
    finally:
        os.close(watch)
