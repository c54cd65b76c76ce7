"""Shared memory for handing data to a child process (the sampler's audio process, the classifier's process):
an anonymous, memory-only file that both processes map. Its descriptor reaches the child through
``subprocess.Popen(pass_fds=...)`` or over a Unix socket (``multiprocessing.reduction.send_handle``)."""

from __future__ import annotations

import mmap
import os
import tempfile

__all__ = ["anonymous_file", "map_shared"]

_POPULATE = getattr(mmap, "MAP_POPULATE", 0)


def anonymous_file(nbytes: int, name: str) -> int:
    """A new file of ``nbytes`` zero bytes that lives in memory only (``memfd``; a deleted temporary file where
    there is none); returns its descriptor, which the caller closes. ``name`` shows in ``/proc/PID/fd``."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create(name, os.MFD_CLOEXEC)  # memory only: never written to a disk
    else:  # pragma: no cover - not Linux
        with tempfile.TemporaryFile() as handle:
            fd = os.dup(handle.fileno())
    try:
        os.ftruncate(fd, nbytes)
    except BaseException:  # refused (over RLIMIT_FSIZE, say): the caller gets no descriptor to close
        os.close(fd)
        raise
    return fd


def map_shared(fd: int, nbytes: int, *, read_only: bool = False, populate: bool = True) -> mmap.mmap:
    """``nbytes`` of the file ``fd`` mapped shared. ``populate``: fault every page in now (where the system can),
    so that the first access, perhaps on a realtime thread, does not pay for it."""
    flags = mmap.MAP_SHARED | (_POPULATE if populate else 0)
    if read_only:
        return mmap.mmap(fd, nbytes, flags=flags, prot=mmap.PROT_READ)
    return mmap.mmap(fd, nbytes, flags=flags)
