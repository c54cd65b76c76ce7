"""Files written whole or not at all, and what a killed writer leaves of them.

A file is written under a hidden temporary name that names its writer (``.NAME.PID-XXXXXXXX.part``), flushed and
renamed into place (:func:`write_atomic`), so a crash never leaves half a file; a later start removes the temporary
files whose writer has ended (:func:`remove_dead_parts`). The take store (:mod:`exsampling_patch.takes`) writes a
take's audio and sidecar so, and other stores their own files; its names are importable from there too.
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

#: How old (since its last write) a store's leftover must be before it is removed (:func:`remove_dead_parts`,
#: :meth:`~exsampling_patch.takes.TakeStore.remove_leftovers`).
#: A store writes its two files in seconds at most (30 MB flushed to a slow SD card); the margin is for a process
#: still writing into the same folder (a second run, a copy under a store's temporary name) that stalls: its file is
#: never touched while that could be. A kill's leftovers are hidden and only take room: they go at a later start.
LEFTOVER_AGE = 600.0
#: A store's temporary file: ``.NAME.PID-XXXXXXXX.part`` (:func:`write_atomic`'s, the web recorder's), ``.NAME.part``
#: (the web recorder's before it named its writer) or ``.NAME.XXXXXXXX.part`` (write_atomic's before it named its
#: writer), NAME a take's audio file or its sidecar.
_TEMPORARY = re.compile(r"^\.(?P<name>.+\.(?:wav|flac|ogg)(?:\.json)?)(?:\.(?:\d+-)?[a-z0-9_]{8})?\.part$",
                        re.IGNORECASE)
#: The writer's pid in a temporary file's name (:func:`part_prefix`): ``.NAME.PID-XXXXXXXX.part``.
_WRITER = re.compile(r"\.(?P<pid>\d+)-[a-z0-9_]{8}\.part$", re.IGNORECASE)


def fsync_folder(folder: Path) -> None:
    """Flush ``folder`` to disk, so that a rename in it survives a power cut; where it cannot be opened, nothing."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def part_prefix(name: str) -> str:
    """The start of the name of a temporary file written for ``name`` (``tempfile.mkstemp``'s prefix; ``.part`` its
    suffix): hidden, and naming this process, so that a later start can tell a killed writer's leftover
    (:func:`writer_gone`) from a file another process is writing."""
    return f".{name}.{os.getpid()}-"


def part_writer(part: Path) -> int | None:
    """The pid of the process that wrote the temporary file ``part`` (:func:`part_prefix`); None where its name does
    not tell (a file of another writer, or of before names held pids)."""
    match = _WRITER.search(part.name)
    return None if match is None else int(match["pid"])


def part_target(part: Path) -> str | None:
    """The name of the take's file (its audio or its sidecar) that the store's temporary file ``part`` stands for
    (``.NAME.part``, ``.NAME.PID-XXXXXXXX.part``, ``.NAME.XXXXXXXX.part``); None for another file."""
    match = _TEMPORARY.match(part.name)
    return None if match is None else match["name"]


def writer_gone(part: Path) -> bool:
    """Whether the temporary file ``part`` names its writer (:func:`part_prefix`) and that process has ended.

    This process's own are never gone (another of its nodes may be writing one); nor one whose pid runs, whatever
    runs it now (a pid may be reused: that file waits for a later start). The pid is this pid namespace's: a writer
    in another (a container sharing the folder) is not told apart."""
    pid = part_writer(part)
    if pid is None or pid <= 0 or pid == os.getpid():
        return False
    return not pid_runs(pid)


def pid_runs(pid: int) -> bool:
    """Whether a process of this pid namespace runs as ``pid`` (another user's included)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, another user's
        return True
    return True


def remove_dead_parts(folder: Path, names: tuple[str, ...] = ()) -> list[Path]:
    """Remove the temporary files (``.*.part``; with ``names``, only those written for these files) that a kill left
    in ``folder``; returns them, sorted. Only those whose writer has ended (:func:`writer_gone`): another process may
    be writing one now. One that names no writer (written before names held pids), once :data:`LEFTOVER_AGE` old."""
    patterns = [f".{glob_escape(name)}{pid}.part" for name in names for pid in ("", ".*")] or [".*.part"]
    removed = []
    now = time.time()
    for part in {part for pattern in patterns for part in folder.glob(pattern)}:
        try:
            if writer_gone(part) if part_writer(part) is not None else now - part.stat().st_mtime > LEFTOVER_AGE:
                part.unlink()
                removed.append(part)
        except OSError:  # removed meanwhile (another sweep), or not ours to remove
            continue
    return sorted(removed)


def write_atomic(path: Path, write: Any, durable: bool = True, private: bool = True) -> None:
    """Call ``write(tmp_path)``, flush it to disk, then rename it to ``path`` (and flush the folder).

    ``durable=False`` skips the flushes: the file still appears whole or not at all, for copies whose
    original is already safe on disk. The temporary file names this process (:func:`part_prefix`): a kill leaves it,
    and a later start removes it once this process has ended (:func:`writer_gone`). ``private``: the file is made
    0600 whatever the umask (a pairing token); False: as ``open`` makes files, 0666 less the umask (0644 under the
    usual 022), for a take's audio and sidecar, which a Live running as another user reads.
    """
    if private:
        fd, tmp_name = tempfile.mkstemp(prefix=part_prefix(path.name), suffix=".part", dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
    else:
        tmp = new_shared_part(path)
    try:
        write(tmp)
        if durable:
            with open(tmp, "rb+") as handle:
                os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if durable:
        fsync_folder(path.parent)


def new_shared_part(path: Path) -> Path:
    """A new, empty temporary file for ``path`` (named as :func:`part_prefix` says), made as ``open`` makes files:
    mode 0666 less the umask (0644 under the usual 022). A take's file is read by Live, which may run as another user
    (a studio's shared folder): ``tempfile.mkstemp``'s 0600, which the file kept once renamed, locked it out."""
    while True:
        part = path.with_name(f"{part_prefix(path.name)}{secrets.token_hex(4)}.part")
        try:
            os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666))
            return part
        except FileExistsError:  # another of this process's: never written over
            continue


def glob_escape(name: str) -> str:
    """``name`` with the characters that :meth:`Path.glob` reads as a pattern (``*?[``) matched as themselves."""
    return re.sub(r"([*?\[])", r"[\1]", name)
