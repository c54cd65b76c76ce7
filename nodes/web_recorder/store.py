"""Storing an upload: the phone's own WAV bytes and the sidecar, flushed to disk, then renamed into place.

The uploaded file is already a checked WAV, so its bytes are kept as they came (no re-encoding), and
both files are flushed before either is renamed, with one flush of the folder: the same guarantee as
:func:`exsampling_patch.takes.write_take` (a crash leaves the whole take or nothing), in less time.
:func:`check_stored` tells, from its header and its size only, whether a stored take's audio is still whole.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import soundfile as sf

from exsampling_patch.messages import Take
from exsampling_patch.nodes.web_recorder.upload import riff_chunks
from exsampling_patch.takes import sidecar_path, take_metadata


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)


def store_upload(take: Take, wav: bytes, path: Path) -> Take:
    """Write ``wav`` to ``path`` and the take's sidecar beside it, durably; returns the take with its path."""
    stored = take.derive(path=path)
    sidecar = sidecar_path(path)
    tmp_audio, tmp_sidecar = path.with_name(f".{path.name}.part"), sidecar.with_name(f".{sidecar.name}.part")
    try:
        _write_synced(tmp_audio, wav)
        _write_synced(tmp_sidecar, json.dumps(take_metadata(stored), indent=1).encode())
        os.replace(tmp_audio, path)  # audio first: a sidecar never names a missing file
        os.replace(tmp_sidecar, sidecar)
    except BaseException:
        tmp_audio.unlink(missing_ok=True)
        tmp_sidecar.unlink(missing_ok=True)
        raise
    fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return stored


def finish_interrupted(folder: Path) -> int:
    """Finish what a kill or a power cut interrupted in :func:`store_upload`; returns how many takes it completed.

    Its audio renamed into place, the sidecar still under its temporary name (the process died between the two
    renames, or the folder's flush never came): the sidecar, written and flushed before either rename, is renamed
    too, and the take is then found unfinished and passed on. Before, the audio stayed without a sidecar, never
    passed on: lost, unless the phone sent it again. (A temporary audio file left alone is left: nothing of it was
    renamed, the phone was told nothing and sends it again.)
    """
    completed = 0
    for part in folder.glob(".*.json.part"):
        sidecar = part.with_name(part.name[1:-len(".part")])
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
