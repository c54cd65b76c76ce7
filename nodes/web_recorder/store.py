"""Storing an upload: the phone's own WAV bytes and the sidecar, flushed to disk, then renamed into place.

The uploaded file is already a checked WAV, so its bytes are kept as they came (no re-encoding), and
both files are flushed before either is renamed, with one flush of the folder: the same guarantee as
:func:`exsampling_patch.takes.write_take` (a crash leaves the whole take or nothing), in less time. A failed
rename of the sidecar undoes the audio's: the take is stored whole, or not at all, as the phone is told.
:func:`check_stored` tells, from its header and its size only, whether a stored take's audio is still whole.
"""

from __future__ import annotations

import json
import os
import secrets
from pathlib import Path

import soundfile as sf

from exsampling_patch.messages import Take
from exsampling_patch.nodes.web_recorder.upload import riff_chunks
from exsampling_patch.takes import part_prefix, part_target, sidecar_path, take_metadata


def _new_part(path: Path) -> tuple[Path, int]:
    """A new temporary file for ``path`` and its descriptor, open for writing, made as ``open`` makes files: mode 0666
    less the umask, as :func:`~exsampling_patch.takes.new_shared_part` makes a microphone's (0644 made it lack the
    group's write that a umask of 002 gives, in a studio's shared folder). Its name tells this process
    (:func:`~exsampling_patch.takes.part_prefix`): a later start removes a killed writer's at once
    (``TakeStore.remove_leftovers``) rather than once 10 minutes old, or completes the take whose audio it renamed
    (:func:`finish_interrupted`)."""
    while True:
        part = path.with_name(f"{part_prefix(path.name)}{secrets.token_hex(4)}.part")
        try:
            return part, os.open(part, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:  # another of this process's: never written over, nor removed on a failure
            continue


def _write_synced(fd: int, data: bytes) -> None:
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


class StoredUnflushed(OSError):
    """The take's files are in place, but their folder could not be flushed (a disk failing): it is stored, as the
    next start would find it (``stored``: the take with its path), and must go on as stored. Raised as a plain
    failure, the phone was answered 500, its retry stored anew, and this copy passed on again at the next start."""

    def __init__(self, error: OSError, stored: Take) -> None:
        super().__init__(error.errno, error.strerror or str(error))
        self.stored = stored


def store_upload(take: Take, wav: bytes, path: Path) -> Take:
    """Write ``wav`` to ``path`` and the take's sidecar beside it, durably; returns the take with its path (raises
    :class:`StoredUnflushed` where only the folder's flush failed)."""
    stored = take.derive(path=path)
    sidecar = sidecar_path(path)
    made: list[Path] = []  # the temporary files this call made: the only ones a failure removes
    try:
        tmp_audio, fd = _new_part(path)
        made.append(tmp_audio)
        _write_synced(fd, wav)
        tmp_sidecar, fd = _new_part(sidecar)
        made.append(tmp_sidecar)
        _write_synced(fd, json.dumps(take_metadata(stored), indent=1).encode())
        os.replace(tmp_audio, path)  # audio first: a sidecar never names a missing file
        try:
            os.replace(tmp_sidecar, sidecar)
        except BaseException:
            # Left in place, the audio would be a take no sidecar lists (never passed on) while the phone, told it
            # was not stored, sends it again as a fresh one: the audio's rename is undone (its part then removed).
            try:
                os.replace(path, tmp_audio)
            except OSError:  # the audio stays: its sidecar's part is left for the next start to complete it
                made.remove(tmp_sidecar)
            raise
    except BaseException:
        for part in made:
            part.unlink(missing_ok=True)
        raise
    try:
        fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    except OSError as error:
        raise StoredUnflushed(error, stored) from error
    return stored


def finish_interrupted(folder: Path) -> int:
    """Finish what a kill or a power cut interrupted in :func:`store_upload`; returns how many takes it completed.

    Its audio renamed into place, the sidecar still under its temporary name (the process died between the two
    renames, or the folder's flush never came): the sidecar, written and flushed before either rename, is renamed
    too, and the take is then found unfinished and passed on. Before, the audio stayed without a sidecar, never
    passed on: lost, unless the phone sent it again. (A temporary audio file left alone is left: nothing of it was
    renamed, the phone was told nothing and sends it again.)

    Whatever its writer: one still running may be between its renames too (another run sharing the folder), and is
    then told that its sidecar's rename failed, the take being passed on here; but a writer's pid, read after a
    power cut, may name a process started since, and a take left until that pid is free could wait for ever. The
    temporary files of before they named their writer (``.NAME.json.part``) are completed too.
    """
    completed = 0
    for part in folder.glob(".*.json*.part"):
        name = part_target(part)
        if name is None or not name.lower().endswith(".json"):
            continue
        sidecar = folder / name
        audio = sidecar.with_name(sidecar.name[: -len(".json")])
        try:
            if audio.is_file() and not sidecar.exists():
                os.replace(part, sidecar)
                completed += 1
        except OSError:
            continue
    if completed:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
    return completed


def check_stored(path: Path) -> None:
    """Raise if the stored take at ``path`` cannot be read back whole; cheap: its header and its size, no samples.

    libsndfile must open it (:func:`soundfile.info`), and a WAV's data chunk must hold audio and lie within the
    file: libsndfile quietly reads a WAV cut short as a shorter take (see :mod:`.upload`), and every stored upload
    was whole when stored. What the header cannot show (a bad sector inside the samples) is found when the take
    is read (:func:`exsampling_patch.takes.read_take`).
    """
    info = sf.info(str(path))
    if info.frames <= 0:
        raise ValueError("the file holds no audio")
    if info.format not in ("WAV", "WAVEX"):
        return
    with open(path, "rb") as handle:
        size = os.fstat(handle.fileno()).st_size

        def read_at(pos: int) -> bytes:
            handle.seek(pos)
            return handle.read(8)

        for chunk_id, body, length in riff_chunks(read_at, size):
            if chunk_id == b"data":
                if body + length > size:
                    raise ValueError(f"the file is cut short: its data chunk announces {length} bytes, "
                                     f"the file holds {size - body}")
                return
    raise ValueError("the file has no data chunk")
