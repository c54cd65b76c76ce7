"""The take store: takes are files first.

Every take is written (audio, then a JSON sidecar with its metadata) and flushed to disk before it
flows on, with a temporary name and an atomic rename, so a crash never leaves half a take. A journal
of take ids that are done (ended in the patch: see :mod:`exsampling_patch.runtime.ledger`) lets a source find takes
that were stored but not done before a crash, and pass them on again. A stored take that cannot be read back is
moved aside into the ``damaged/`` subfolder with why, and written down as done: the take folder is the archive,
nothing in it is deleted, and such a take is reported once, not at every start. What a kill mid-store leaves that
is no take (a temporary file, a sidecar whose audio never landed) is removed at the next start, once it is older
than any store could still be writing (:meth:`TakeStore.remove_leftovers`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import soundfile as sf

from exsampling_patch.audio_files import NO_AUDIO as NO_AUDIO
from exsampling_patch.audio_files import UnusableAudio as UnusableAudio
from exsampling_patch.audio_files import check_audio, read_audio, write_audio
from exsampling_patch.audio_files import write_float_wav as write_float_wav
from exsampling_patch.journal_lines import append_line
from exsampling_patch.messages import Location, Take
from exsampling_patch.part_files import LEFTOVER_AGE as LEFTOVER_AGE
from exsampling_patch.part_files import fsync_folder, glob_escape, writer_gone
from exsampling_patch.part_files import new_shared_part as new_shared_part
from exsampling_patch.part_files import part_prefix as part_prefix
from exsampling_patch.part_files import part_target as part_target
from exsampling_patch.part_files import pid_runs as pid_runs
from exsampling_patch.part_files import remove_dead_parts as remove_dead_parts
from exsampling_patch.part_files import write_atomic as write_atomic

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg")
_FORMATS = {".wav": "WAV", ".flac": "FLAC", ".ogg": "OGG"}
_DEFAULT_SUBTYPES = {".wav": "PCM_16", ".flac": "PCM_16", ".ogg": "VORBIS"}
PROCESSED_JOURNAL = ".processed"
DAMAGED_FOLDER = "damaged"

log = logging.getLogger("exsampling.takes")


def file_stem(take_id: str) -> str:
    """A take id as a file name's stem: letters and digits of any script with their combining marks (a Devanagari
    name keeps its vowel signs), ``-``, ``_`` and ``.``; anything else (a ``/``, a space) becomes ``_``."""
    return "".join(c if c.isalnum() or c in "-_." or unicodedata.category(c).startswith("M") else "_"
                   for c in take_id)


NAME_BYTES = 120
"""How much of a take's name (UTF-8 bytes) :func:`named_stem` keeps: with the take's id, and the suffixes of a
sidecar and of the temporary file one is written to, well within the 255 bytes a file name may have."""


def named_stem(take: Take) -> str:
    """A take as a file name's stem that a person reads as the take is named (``Take.name``): its id, or for a
    take named by its file (a folder source's ``toms/kick.wav``) that name and its id after a ``+``
    (``toms_kick+take-20250101-203000-0003a3f2``).

    The id keeps two takes of one file (dropped twice, trimmed two ways) apart, and :func:`file_stem` never gives
    a ``+``, so no take named by its id alone has that stem. The folder's ``/`` becomes ``_`` (no separator reaches
    the path), the audio suffix goes (the file is written in a format of its own), and a leading ``.`` too (never
    a hidden file)."""
    stem = file_stem(take.take_id)
    name = take.name
    if name == take.take_id:
        return stem
    path = PurePosixPath(name)
    readable = file_stem(str(path.with_suffix("")) if path.suffix else name).lstrip(".")
    readable = readable.encode()[:NAME_BYTES].decode(errors="ignore")  # a character cut in two goes whole
    return f"{readable}+{stem}" if readable else stem


def sidecar_path(audio: Path) -> Path:
    return audio.with_name(audio.name + ".json")


def take_metadata(take: Take) -> dict[str, Any]:
    """The take's metadata as JSON-ready data (what the sidecar holds)."""
    meta = {k: v for k, v in ((k, _plain_numbers(v)) for k, v in take.meta.items()) if _jsonable(v)}
    return {
        "take_id": take.take_id,
        "source": take.source,
        "recorded_at": take.recorded_at,
        "recorded_at_iso": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(take.recorded_at)),
        "duration": round(take.duration, 6),
        "sample_rate": take.sample_rate,
        "channels": take.channels,
        "location": None if take.location is None else {
            "latitude": take.location.latitude,
            "longitude": take.location.longitude,
            "accuracy_m": take.location.accuracy_m,
        },
        "meta": meta,
    }


def _plain_numbers(value: Any) -> Any:
    """``value`` with numpy's numbers as Python's: a node's meta={"peak": np.max(...)} (a float32, no JSON) was left
    out of the sidecar without a word."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, dict):
        return {k: _plain_numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain_numbers(v) for v in value]
    return value


def _jsonable(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def write_take(take: Take, path: Path, subtype: str | None = None, durable: bool = True) -> Take:
    """Write ``take`` to ``path`` (format from the suffix) with its sidecar; returns the take with ``path`` set.

    ``subtype`` is a soundfile subtype (``"PCM_16"``, ``"PCM_24"``, ``"FLOAT"``); by default the
    take's own (``meta["subtype"]``) when the format supports it. ``durable=False`` skips the flushes
    to disk (see :func:`write_atomic`).
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in _FORMATS:
        raise ValueError(f"cannot write a take as '{suffix}': use one of {', '.join(AUDIO_SUFFIXES)}")
    file_format = _FORMATS[suffix]
    subtype = subtype or take.meta.get("subtype") or _DEFAULT_SUBTYPES[suffix]
    if not sf.check_format(file_format, subtype) or subtype == "MPEG_LAYER_III":
        # libsndfile lists MP3 inside a WAV as a WAV subtype, and cannot open one to write: a take read from
        # an MP3 is stored in the format's own default, as any other it cannot hold.
        subtype = _DEFAULT_SUBTYPES[suffix]
    path.parent.mkdir(parents=True, exist_ok=True)
    stored = take.derive(path=path, meta={"subtype": subtype})
    # The sidecar first, the audio's rename last: that rename stores the take. A kill before it leaves a sidecar
    # without audio, which the store ignores; the audio first left, after a kill, audio that no sidecar lists: a
    # take never passed on again, and a microphone's has no phone to send it again.
    # Not private: a take's own file goes to Live as it is (nodes/take_files.py path_for), and Live may run as
    # another user.
    write_atomic(sidecar_path(path),
                 lambda tmp: tmp.write_text(json.dumps(take_metadata(stored), indent=1), encoding="utf-8"), durable,
                 private=False)
    write_atomic(path, lambda tmp: write_audio(tmp, take.samples, take.sample_rate, subtype, file_format), durable,
                 private=False)
    return stored


def read_take(path: str | os.PathLike[str], source: str = "") -> Take:
    """Read an audio file (and its sidecar if there is one) as a take; a WAV whose length was never written, with the
    length it holds (:func:`~exsampling_patch.audio_files.read_audio`).

    Raises:
        UnusableAudio: the file holds no frames, or NaN or infinite samples (a damaged float file).
    """
    path = Path(path)
    samples, sample_rate, subtype = read_audio(path)
    check_audio(samples)
    fields: dict[str, Any] = {"meta": {"subtype": subtype, "file_name": path.name}}
    sidecar = sidecar_path(path)
    recorded_at = None
    if sidecar.exists():
        data = json.loads(sidecar.read_text(encoding="utf-8"))
        fields["meta"] = {**data.get("meta", {}), **fields["meta"]}
        if "take_id" in data:
            fields["take_id"] = data["take_id"]
        recorded_at = data.get("recorded_at")
        source = source or data.get("source", "")
        loc = data.get("location")
        if loc:
            fields["location"] = Location(loc["latitude"], loc["longitude"], loc.get("accuracy_m"))
    # A sidecar without its time (an older one, one written by hand) gets the file's, as without a sidecar: it got
    # "now", a restart's time, while the phone page's row for it showed the file's (web_recorder.rows.sidecar_row).
    if not isinstance(recorded_at, (int, float)) or isinstance(recorded_at, bool):
        recorded_at = path.stat().st_mtime
    fields["recorded_at"] = recorded_at
    return Take(samples=samples, sample_rate=sample_rate, source=source, path=path, frames_first=True, **fields)


class TakeStore:
    """A session's take folder: stores takes durably and remembers which ones are done."""

    def __init__(self, folder: str | os.PathLike[str], suffix: str = ".wav", make: bool = True) -> None:
        """``make``: make the folder now; not where the caller makes it (a web recorder whose folder the system
        refused at start, made at a take since)."""
        self.folder = Path(folder)
        if make:
            self.folder.mkdir(parents=True, exist_ok=True)
        self.suffix = suffix
        self._lock = threading.Lock()
        self._journal = self.folder / PROCESSED_JOURNAL

    def path_for(self, take: Take) -> Path:
        return self.folder / f"{file_stem(take.take_id)}{self.suffix}"

    def store(self, take: Take, subtype: str | None = None) -> Take:
        """Write ``take`` durably; returns it with ``path`` set. Call before the take flows anywhere."""
        return write_take(take, self.path_for(take), subtype)

    def mark_processed(self, take: Take) -> None:
        """Record that ``take`` is done (see :meth:`mark_done`)."""
        self.mark_done(take.take_id)

    def mark_done(self, take_id: str) -> None:
        """Record that a take is done: it ended in the patch (appends to the journal and flushes it to disk). Raises
        OSError (``the disk is full``, the journal its file name) where its line was not written whole: taken back,
        as a part of it read as an id could be another take's, taken for done and never passed on."""
        with self._lock:
            append_line(self._journal, take_id.encode("utf-8") + b"\n", drop_cut=True)

    def processed_ids(self) -> set[str]:
        """The take ids in the journal: one a line, each up to its "\\n" (not split on spaces, U+2028, U+0085 or
        "\\r": a microphone's take ids begin with its node id, which may hold them)."""
        if not self._journal.exists():
            return set()
        lines = self._journal.read_bytes().split(b"\n")
        # A last line without its "\n" is a write cut short (a full disk) whose take-back failed: maybe only a part
        # of an id, which could be another take's. Left out, its take is at worst passed on again, never lost; its
        # write was told as failed, and the next mark_done drops it. A line cut inside a character (an older
        # version's, ended since) is no id: strict UTF-8 raised on it, and the source's start with it.
        return {line.decode("utf-8", "surrogateescape") for line in lines[:-1] if line}

    def unprocessed(self) -> list[Path]:
        """Stored takes not yet marked done, oldest first (to pass on again after a crash)."""
        return [audio for audio, _ in self.unfinished()]

    def unfinished(self) -> list[tuple[Path, dict[str, Any]]]:
        """Stored takes not yet marked done with their sidecars' metadata, oldest first; no audio is read.

        Quick enough to call before a source takes anything new: a source that knows its unfinished takes
        (their ids, a phone's own take ids) before it listens cannot mistake a retry of one for a new take.
        """
        done = self.processed_ids()
        found = []
        for sidecar in self.folder.glob("*.json"):
            try:
                data = json.loads(sidecar.read_text(encoding="utf-8"))
                audio = sidecar.with_name(sidecar.name[: -len(".json")])
                stored_at = audio.stat().st_mtime
            except (OSError, ValueError):
                continue  # unreadable, or its audio is gone
            if not isinstance(data, dict) or not isinstance(data.get("take_id"), str):
                continue  # not a take's sidecar
            if data["take_id"] not in done:
                found.append((stored_at, audio, data))
        found.sort(key=lambda entry: entry[0])
        return [(audio, data) for _, audio, data in found]

    def remove_leftovers(self, min_age: float = LEFTOVER_AGE, now: float | None = None) -> list[Path]:
        """Remove what a kill in the middle of storing left in the folder that is no take; returns what it removed.

        A take is stored when its audio's rename lands. Before that, a kill leaves a hidden temporary file (the
        audio's or the sidecar's, ``.NAME.part`` or ``.NAME.XXXXXXXX.part``) or a sidecar whose audio never came
        (:func:`write_take` renames the sidecar first): none of them is ever passed on, and nothing cleaned them.
        Only those last written more than ``min_age`` seconds before ``now`` (:data:`LEFTOVER_AGE`) are removed:
        another process may be writing into the same folder; a temporary file that names its writer, as soon as that
        process has ended (:func:`writer_gone`). Left alone: a sidecar's temporary file beside audio
        that has no sidecar (the web recorder completes that take: ``finish_interrupted``), a sidecar whose audio is
        still being written, one that is not a take's, and anything in other sub-folders. A sidecar whose audio was
        moved into ``damaged/`` (:meth:`set_aside` cut off by a kill) is moved beside it, not removed; the temporary
        file :meth:`set_aside` was writing there (the sidecar that says how the take ended) is removed: the sidecar
        it stood for is still whole beside the audio's old name, and is moved as just said.
        """
        now = time.time() if now is None else now
        removed: list[Path] = []

        def old(path: Path) -> bool:
            try:
                return now - path.stat().st_mtime > min_age
            except OSError:
                return False  # gone meanwhile

        for part in sorted(self.folder.glob(".*.part")):
            name = part_target(part)
            if name is None or not part.is_file() or not (old(part) or writer_gone(part)):
                continue
            if name.lower().endswith(".json"):
                audio = self.folder / name[: -len(".json")]
                if audio.is_file() and not (self.folder / name).exists():
                    continue  # the web recorder's half-renamed take: finish_interrupted completes it
            part.unlink(missing_ok=True)
            removed.append(part)
        damaged = self.folder / DAMAGED_FOLDER
        for part in sorted(damaged.glob(".*.part")) if damaged.is_dir() else []:
            if part_target(part) is not None and part.is_file() and (old(part) or writer_gone(part)):
                part.unlink(missing_ok=True)
                removed.append(part)
        for sidecar in sorted(self.folder.glob("*.json")):
            audio = sidecar.with_name(sidecar.name[: -len(".json")])
            if audio.suffix.lower() not in AUDIO_SUFFIXES or audio.exists() or not old(sidecar):
                continue
            if any(part_target(p) is not None for p in self.folder.glob(f".{glob_escape(audio.name)}.*part")):
                continue  # its audio is still being written (a temporary file too young to be a leftover)
            try:
                data = json.loads(sidecar.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue
            if not isinstance(data, dict) or not isinstance(data.get("take_id"), str):
                continue  # not a take's sidecar
            aside = self._damaged_without_sidecar(audio)
            if aside is not None:
                os.replace(sidecar, sidecar_path(aside))
                log.info("moved %s beside its audio, set aside in %s", sidecar.name, DAMAGED_FOLDER)
                continue
            sidecar.unlink(missing_ok=True)
            removed.append(sidecar)
        if removed:
            fsync_folder(self.folder)
            log.info("removed %d leftovers of stores a kill cut off in %s: %s", len(removed), self.folder,
                     ", ".join(p.name for p in removed))
        return removed

    def _damaged_without_sidecar(self, audio: Path) -> Path | None:
        """The audio :meth:`set_aside` moved from ``audio`` into ``damaged/`` without its sidecar yet (a kill between
        the two moves): the last of its names there (``NAME``, ``STEM-2``...) that has no sidecar; else None."""
        damaged = self.folder / DAMAGED_FOLDER
        names = [damaged / audio.name]
        n = 2
        while (damaged / f"{audio.stem}-{n}{audio.suffix}").exists() or sidecar_path(
                damaged / f"{audio.stem}-{n}{audio.suffix}").exists():
            names.append(damaged / f"{audio.stem}-{n}{audio.suffix}")
            n += 1
        for candidate in reversed(names):
            if candidate.is_file():
                return None if sidecar_path(candidate).exists() else candidate
        return None

    def set_aside(self, audio: Path, take_id: str, reason: str) -> Path:
        """Move a stored take that cannot be passed on (its audio unreadable) into ``damaged/``, and mark it done.

        Its audio and sidecar are moved, never deleted (the take folder is the archive); the sidecar gets the
        take's end (``"ended": {"fate": "error", "reason": ...}``). Once moved it is no longer :meth:`unfinished`,
        even if the process dies before the journal is written: it is reported once. Returns the new audio path.
        """
        damaged = self.folder / DAMAGED_FOLDER
        damaged.mkdir(exist_ok=True)
        target = damaged / audio.name
        n = 2
        while target.exists() or sidecar_path(target).exists():  # never overwrite an earlier damaged take
            target = damaged / f"{audio.stem}-{n}{audio.suffix}"
            n += 1
        if audio.exists():  # first: from here on it is not unfinished (its sidecar has no audio beside it)
            os.replace(audio, target)
        sidecar = sidecar_path(audio)
        try:
            data = json.loads(sidecar.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):  # the moved sidecar says how the take ended
            data["ended"] = {"fate": "error", "reason": reason,
                             "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
            text = json.dumps(data, indent=1)
            write_atomic(sidecar_path(target), lambda tmp: tmp.write_text(text, encoding="utf-8"), private=False)
            sidecar.unlink(missing_ok=True)
        elif sidecar.exists():
            os.replace(sidecar, sidecar_path(target))
        fsync_folder(self.folder)
        fsync_folder(damaged)
        self.mark_done(take_id)
        return target
