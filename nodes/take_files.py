"""The copies of takes written for another program to load (``ableton_max``, ``ableton_live``, ``osc_send``), and
which of them to keep."""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections import OrderedDict
from collections.abc import Callable, Collection
from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import Node, StandingWarning
from exsampling_patch.nodes.osc_outbox import kept_files
from exsampling_patch.takes import (
    named_stem,
    new_shared_part,
    remove_dead_parts,
    sidecar_path,
    take_metadata,
    write_atomic,
    write_audio,
)
from exsampling_patch.wording import counted

__all__ = ["PENDING", "TakeFiles", "swept"]

PENDING = "(not sent yet)"
"""A .kept-<name>.json's list of the copies bundles not sent yet name, beside the slots'."""

UNSLOTTED = "(no slot)"
"""A .kept-<name>.json's list of the copies kept apart from every slot (``assigned(None, ...)``), beside the slots'."""


class TakeFiles:
    """Gives each take a file Live can load: its own, or a copy written for Live when the patch changed it.

    A trimmed or normalised take is no longer the file it was recorded to (``Take.path`` is None); Live
    must load what the sampler plays, so it is written here. The recording itself is already safe on disk,
    so the copy is not flushed (it still appears whole or not at all). A take that is its own file (unchanged)
    is given as it is, in the take folder, which is never cleaned here.

    :meth:`write_ahead` writes a take's copy while the take is still being classified, so that its
    assignment only has to send OSC. Copies written ahead for takes that were never assigned (the gate
    turned them down) are removed once ``keep_ahead`` newer ones wait. Copies handed to Live are kept while a
    slot or its history may need them: the newest ``keep_per_slot`` of each slot (:meth:`assigned`); older ones
    are removed, except those ``pending`` names (files of bundles not sent yet: a sender waiting for another run's
    folder, or kept at a stop for the next start). The ones kept are listed in ``.kept-<name>.json`` in the
    folder, so that at the next start copies that no slot needs any more (from earlier runs) are removed too.
    """

    def __init__(self, folder: Path, keep_ahead: int = 8, keep_per_slot: int = 8, name: str = "live",
                 pending: Callable[[], Collection[str]] = frozenset) -> None:
        self.folder = folder
        self.pending = pending
        self.keep_ahead = keep_ahead
        self.keep_per_slot = keep_per_slot
        # take id -> (take, its copy, whether write_ahead made that file): only a file made ahead and never
        # handed out may be removed (one handed out before, under the same name, is Live's)
        self._ahead: OrderedDict[str, tuple[Take, Path, bool]] = OrderedDict()
        self._slots: dict[str | None, list[Path]] = {}  # slot -> the copies Live had for it, oldest first
        self._index = folder / f".kept-{name}.json"
        self.removed = 0
        self.leftovers: list[Path] = []  # temporary files of killed writers the last sweep removed

    def sweep(self) -> int:
        """Remove copies left by earlier runs that no node's list of kept copies names; returns how many. The
        temporary files killed writers left (:meth:`remove_leftovers`) go too, listed in ``leftovers``."""
        if not self.folder.is_dir():
            return 0
        self.leftovers = self.remove_leftovers()
        kept: set[str] = set()
        # Bundles a stop kept, for a next start to send; or wrote aside from the file, its lock held too long.
        # A crash between writing an aside file and renaming it leaves it as ..<that>.tmp: read once recovered.
        unsent = {*self.folder.glob(".sent-*.txt.unsent"),
                  *(p.with_name("." + p.name.lstrip(".").partition(".unsent.aside-")[0] + ".unsent")
                    for p in (*self.folder.glob(".sent-*.txt.unsent.aside-*"),
                              *self.folder.glob("..sent-*.txt.unsent.aside-*.tmp")))}
        try:
            for path in unsent:
                kept.update(kept_files(path))
        except OSError:  # what they name cannot be told (a lock held, an unreadable file): remove nothing now
            return 0
        for index in self.folder.glob(".kept-*.json"):
            try:
                kept.update(str(p) for paths in json.loads(index.read_text(encoding="utf-8")).values() for p in paths)
            except (OSError, ValueError, AttributeError, TypeError):
                continue
        started = time.time()
        count = 0
        for path in self.folder.glob("*.wav"):
            try:
                stale = path.stat().st_mtime < started - 1.0
            except OSError:
                continue
            if stale and str(path) not in kept:
                self._remove(path)
                count += 1
        return count

    def remove_leftovers(self) -> list[Path]:
        """Remove the temporary files (``.*.part``: a copy's audio, its sidecar, a list of kept copies) that a
        kill left in the folder; returns them. Only those whose writer has ended (the pid in the name,
        :func:`writer_gone`): another run may be writing into this folder now. One named before names held pids,
        once it is :data:`LEFTOVER_AGE` old."""
        return remove_dead_parts(self.folder)

    def write_ahead(self, take: Take) -> None:
        """Write the copy of a take that may soon be assigned (nothing to do for a take that is its own file)."""
        if take.path is not None:
            return
        earlier = self._ahead.pop(take.take_id, None)
        if earlier is not None:  # its copy, if made here, is rewritten under the same name
            self._drop_ahead(earlier)
        path, made = self._write(take)
        if earlier is not None and earlier[1] == path:
            made = made or earlier[2]
        self._ahead[take.take_id] = (take, path, made)
        while len(self._ahead) > self.keep_ahead:
            self._drop_ahead(self._ahead.popitem(last=False)[1])

    def path_for(self, take: Take) -> Path:
        """The file to give Live for ``take``: its own, the copy written ahead for it, or a copy written now."""
        if take.path is not None:
            return take.path
        ahead = self._ahead.pop(take.take_id, None)
        if ahead is not None and ahead[0].samples is take.samples and ahead[0].sample_rate == take.sample_rate:
            return ahead[1]
        if ahead is not None:  # changed since: its copy, never handed out, makes way for this one
            self._drop_ahead(ahead)
        return self._write(take)[0]

    def assigned(self, slot: str | None, path: Path) -> None:
        """Live was given ``path`` for ``slot``: keep it, and remove this slot's copies past ``keep_per_slot``.
        ``slot`` None: a history apart from every slot's (osc_send's takes sent as ``/take``), as no name can be."""
        if path.parent != self.folder:
            return  # a take's own file: the archive, never removed
        history = self._slots.setdefault(slot, [])
        if path in history:
            history.remove(path)
        history.append(path)
        self.prune(slots=(slot,))

    def prune(self, slots: Collection[str | None] | None = None) -> None:
        """Remove the copies past ``keep_per_slot`` of ``slots`` (all: ``None``) whose bundles are done, and write
        the index. A copy still pending when its slot moved on stays until a later prune: the next assignment of
        that slot, or the node's stop, once its sender has said it is done."""
        pending = set(self.pending())
        for slot in self._slots if slots is None else slots:
            history = self._slots.get(slot, [])
            for old in history[:-self.keep_per_slot]:
                if str(old) in pending:  # stays in the history (and the index) until its bundle is done
                    continue
                history.remove(old)
                if not self._in_slots(old) and not any(old == p for _, p, _ in self._ahead.values()):
                    self._remove(old)
        index = {s: [str(p) for p in paths] for s, paths in self._slots.items() if s is not None}
        # The history of no slot (JSON keys are names): for the sweep, which reads every list, beside a slot so named.
        if None in self._slots:
            index[UNSLOTTED] = index.get(UNSLOTTED, []) + [str(p) for p in self._slots[None]]
        # An earlier run's kept bundles (no slot has them) for the sweep; a slot so named adds to the same list.
        if others := sorted(pending - {p for paths in index.values() for p in paths}):
            index[PENDING] = index.get(PENDING, []) + others
        text = json.dumps(index)
        with contextlib.suppress(OSError):  # the list is for the next start's sweep; the show goes on
            write_atomic(self._index, lambda tmp: tmp.write_text(text, encoding="utf-8"), durable=False)

    def _in_slots(self, path: Path) -> bool:
        return any(path in paths for paths in self._slots.values())

    def _remove(self, path: Path) -> None:
        path.unlink(missing_ok=True)
        path.with_name(path.name + ".json").unlink(missing_ok=True)
        self.removed += 1

    def _drop_ahead(self, entry: tuple[Take, Path, bool]) -> None:
        """Remove a copy written ahead that is no longer wanted, if it was made here and Live never heard of it."""
        _, path, made = entry
        if made and not self._in_slots(path) and not any(path == p for _, p, _ in self._ahead.values()):
            self._remove(path)

    def _write(self, take: Take) -> tuple[Path, bool]:
        """The copy of ``take``, and whether it was written now (not found, identical, under its name).

        Named as the take is named (a folder's file: Live shows a sample by its file), its id keeping it unique in a
        run. A take that comes with its own id (a sidecar dropped again, a show replay) has that name in every run:
        a file of that name with other audio is an earlier run's copy that Live or a slot's history may still load,
        so this one takes the next free ``-<n>`` instead of writing over it."""
        stem, n = named_stem(take), 1
        path = self.folder / f"{stem}.wav"
        tmp: Path | None = None
        try:
            while True:
                if path.exists() or path.is_symlink():
                    if _same_audio(path, take):
                        return path, False
                else:
                    if tmp is None:
                        tmp = self._write_tmp(take, stem)
                    # Whether the name is free and taking it is one step: another run writing a take of the same
                    # id into this folder at the same moment takes the next name, never this copy's.
                    if _claim(tmp, path):
                        _write_sidecar(path, take)
                        return path, True
                    continue  # taken meanwhile: its audio may be this take's
                n += 1
                path = self.folder / f"{stem}-{n}.wav"
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)

    def _write_tmp(self, take: Take, stem: str) -> Path:
        """The copy's audio, whole, under a name of its own (hidden, no ``.wav``: a sweep never takes it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = new_shared_part(self.folder / stem)
        try:
            write_audio(tmp, take.samples, take.sample_rate)  # 32-bit float: no conversion (Live and Max read it)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return tmp


def swept(node: Node, files: TakeFiles) -> StandingWarning:
    """Sweep ``files``' folder at ``node``'s start, and say once (a warning: the console's line) if temporary files
    that a killed run left there were removed: a performer who finds them gone knows why. Returns the warning, which
    the next take sent ends (:meth:`~exsampling_patch.node.StandingWarning.ended`)."""
    files.sweep()
    warning = StandingWarning()
    if count := len(files.leftovers):
        node.report_status(warning=f"removed {counted(count, 'temporary file')} that a killed run "
                                   f"left in {files.folder} (writes it never finished)")
        warning.told()
    return warning


def copy_for_live(node: Node, files: TakeFiles, assignment: SlotAssignment) -> Path | None:
    """The file Live is given for the assignment's take; None where its copy cannot be written (a full disk, the
    folder gone or not writable): told on the node by take and folder, not as a bare ``OSError`` that named neither
    Live nor where."""
    try:
        return files.path_for(assignment.take)
    except (OSError, RuntimeError) as error:  # soundfile's errors are RuntimeErrors
        reason = f"not sent to Live: its audio could not be written to {files.folder}: {error}"
        node.report_error(f"{assignment.take.name} {reason}")
        node.tell_fate(assignment, "error", reason)
        return None


def write_ahead(files: TakeFiles, take: Take) -> None:
    """Write the copy of a take on its way to an assignment; where it cannot be, its assignment tries again and
    tells why (said once, for the take that was to go to Live, not twice)."""
    with contextlib.suppress(OSError, RuntimeError):
        files.write_ahead(take)


def _write_sidecar(path: Path, take: Take) -> None:
    """The copy's sidecar, readable as the copy is (:func:`~exsampling_patch.takes.new_shared_part`), whole or not
    at all."""
    text = json.dumps(take_metadata(take.derive(path=path, meta={"subtype": "FLOAT"})), indent=1)
    target = sidecar_path(path)
    tmp = new_shared_part(target)
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _claim(tmp: Path, path: Path) -> bool:
    """Give ``tmp``'s audio the name ``path`` if no file holds it; False if one does. A hard link appears whole and
    fails if the name is held; where the file system has none, the name is held by an empty file first."""
    try:
        os.link(tmp, path)
        return True
    except FileExistsError:
        return False
    except OSError:
        pass
    try:
        open(path, "xb").close()
    except FileExistsError:
        return False
    os.replace(tmp, path)
    return True


def _same_audio(path: Path, take: Take) -> bool:
    """Whether ``path`` holds ``take``'s samples exactly, at its rate (an unreadable file does not)."""
    try:
        info = sf.info(str(path))
        if (info.samplerate, info.frames, info.channels) != (take.sample_rate, take.frames, take.channels):
            return False
        samples, _ = sf.read(str(path), dtype="float32", always_2d=True)
    except (OSError, RuntimeError):  # soundfile's LibsndfileError is a RuntimeError
        return False
    return bool(np.array_equal(samples, take.samples))
