"""The take store's journal of takes that are done (``.processed``, exsampling_patch/takes.py)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.takes import TakeStore, sidecar_path


@pytest.mark.parametrize("node_id", ["room mic", "room\u2028mic", "room\x85mic", "room\rmic"])
def test_a_take_marked_done_is_done_whatever_its_id_holds(tmp_path: Path, node_id: str) -> None:
    """A microphone's take ids begin with its node id, which may hold a space (or any character but a dot, and no
    surrounding spaces): the journal is one take id a line, read up to each "\\n" only."""
    store = TakeStore(tmp_path)
    take = store.store(Take(np.zeros(480, np.float32), 48000, take_id=f"{node_id}-20250101-120000-0001"))
    store.mark_processed(take)
    assert take.take_id in store.processed_ids()
    assert store.unfinished() == []  # not passed on again at the next start
    assert TakeStore(tmp_path).unprocessed() == []


@pytest.mark.parametrize("kill_at", [1, 2])
def test_a_store_cut_off_by_a_kill_leaves_the_take_whole_or_not_at_all(tmp_path: Path, kill_at: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A microphone's take is stored as two files. The audio went first: a kill before the sidecar left audio that
    unfinished() (which lists sidecars) never lists, so the take was never passed on, and no phone sends it again.
    Whatever the write a kill cuts off, the take is listed at the next start, or no audio of it is in place."""
    import exsampling_patch.takes as takes

    writes = []
    real = takes.write_atomic

    def killed_at(path: Path, write: object, durable: bool = True, private: bool = True) -> None:
        writes.append(path)
        if len(writes) == kill_at:
            raise KeyboardInterrupt  # the process dies here
        real(path, write, durable, private)

    monkeypatch.setattr(takes, "write_atomic", killed_at)
    store = TakeStore(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        store.store(Take(np.full(480, 0.1, np.float32), 48000, take_id="mic-1"))
    monkeypatch.setattr(takes, "write_atomic", real)
    audio = [p for p in tmp_path.glob("*.wav")]
    assert audio == [] or [p for p, _ in TakeStore(tmp_path).unfinished()] == audio, list(tmp_path.iterdir())


def aged(path: Path, seconds: float) -> Path:
    """``path`` as if last written ``seconds`` ago."""
    at = path.stat().st_mtime - seconds
    os.utime(path, (at, at))
    return path


def test_a_kills_leftovers_are_removed_once_old_and_nothing_a_store_may_still_write(tmp_path: Path) -> None:
    """Kills in the middle of storing left hidden temporary files and sidecars without audio in the take folder,
    never passed on and never cleaned. The next start removes them once older than any store could still be writing
    (LEFTOVER_AGE); a younger one may be another process's store under way, and a take is left whole."""
    from exsampling_patch.takes import DAMAGED_FOLDER, LEFTOVER_AGE, write_take

    store = TakeStore(tmp_path)
    stored = store.store(Take(np.full(480, 0.1, np.float32), 48000, take_id="kept"))
    assert stored.path is not None
    old = LEFTOVER_AGE + 60

    def file(name: str, age: float, text: str = "x") -> Path:
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return aged(path, age)

    sidecar = '{"take_id": "%s"}'
    leftovers = [
        file(".mic-1.wav.k2j4_x9a.part", old),  # write_take's audio, cut off
        file(".mic-2.wav.json.abcdefgh.part", old),  # write_take's sidecar, cut off
        file(".phone-1.wav.part", old),  # the web recorder's audio, cut off
        file(".phone-2.wav.json.part", old),  # its sidecar, cut off before the audio's rename
        file("mic-3.wav.json", old, sidecar % "mic-3"),  # the sidecar landed, its audio never did
        file(".kept.wav.abcdefgh.part", old),  # a store of the same take that died: the stored take stays
    ]
    left = [
        file(".mic-4.wav.abcdefgh.part", 5),  # young: a store under way (another process's)
        file("mic-5.wav.json", 5, sidecar % "mic-5"),  # young: its audio is being written
        file("mic-6.wav.json", old, sidecar % "mic-6"),  # old, but its audio is being written
        file(".mic-6.wav.qwertyui.part", 5),
        file("notes.wav.json", old, '{"mine": 1}'),  # no take's sidecar
        file(".phone-3.wav.json.part", old, sidecar % "phone-3"),  # the recorder completes it (finish_interrupted)
        file("phone-3.wav", old),
        file(".name.wav.tmp", old),  # no store's name
        file(".mic-7.wav.a.part", old),
        file("sub/.mic-8.wav.abcdefgh.part", old),  # sub-folders are not the store's
        stored.path, sidecar_path(stored.path), tmp_path / ".processed",
    ]
    store.mark_done("kept")
    removed = TakeStore(tmp_path).remove_leftovers()
    assert sorted(removed) == sorted(leftovers)
    assert not any(path.exists() for path in leftovers)
    assert all(path.exists() for path in left), [path for path in left if not path.exists()]
    assert TakeStore(tmp_path).remove_leftovers() == []

    # A sidecar left behind by set_aside cut off by a kill (its audio already in damaged/): moved beside its audio.
    broken = store.store(Take(np.full(480, 0.1, np.float32), 48000, take_id="broken"))
    assert broken.path is not None
    write_take(Take(np.full(480, 0.1, np.float32), 48000, take_id="earlier"), tmp_path / DAMAGED_FOLDER / "broken.wav")
    (tmp_path / DAMAGED_FOLDER).mkdir(exist_ok=True)
    os.replace(broken.path, tmp_path / DAMAGED_FOLDER / "broken-2.wav")
    aged(sidecar_path(broken.path), old)
    assert TakeStore(tmp_path).remove_leftovers() == []
    assert not sidecar_path(broken.path).exists()
    moved = json.loads((tmp_path / DAMAGED_FOLDER / "broken-2.wav.json").read_text(encoding="utf-8"))
    assert moved["take_id"] == "broken"
    assert json.loads((tmp_path / DAMAGED_FOLDER / "broken.wav.json").read_text(encoding="utf-8"))["take_id"] == \
        "earlier"


def test_set_asides_temporary_file_in_damaged_is_removed_once_old(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """set_aside writes the moved sidecar (with how the take ended) into damaged/ under a temporary name; a kill
    there left that file in damaged/ for ever: remove_leftovers looked at the take folder's own files only. It is
    now removed once old, the sidecar it stood for moved beside its audio, and a young one is left alone."""
    import exsampling_patch.takes as takes
    from exsampling_patch.takes import DAMAGED_FOLDER, LEFTOVER_AGE

    store = TakeStore(tmp_path)
    broken = store.store(Take(np.full(480, 0.1, np.float32), 48000, take_id="broken"))
    assert broken.path is not None
    real = takes.write_atomic

    def killed_after_writing(path: Path, write: object, durable: bool = True, private: bool = True) -> None:
        tmp = path.with_name(f".{path.name}.k2j4x9ab.part")
        write(tmp)  # type: ignore[operator]
        raise KeyboardInterrupt  # the process dies before the rename

    monkeypatch.setattr(takes, "write_atomic", killed_after_writing)
    with pytest.raises(KeyboardInterrupt):
        store.set_aside(broken.path, "broken", "unreadable")
    monkeypatch.setattr(takes, "write_atomic", real)
    damaged = tmp_path / DAMAGED_FOLDER
    (part,) = damaged.glob(".*.part")
    young = damaged / ".other.wav.json.abcdefgh.part"  # another set_aside under way
    young.write_text("x", encoding="utf-8")
    aged(part, LEFTOVER_AGE + 60)
    aged(sidecar_path(broken.path), LEFTOVER_AGE + 60)
    removed = TakeStore(tmp_path).remove_leftovers()
    assert removed == [part] and not part.exists() and young.exists()
    assert json.loads(sidecar_path(damaged / "broken.wav").read_text(encoding="utf-8"))["take_id"] == "broken"
    assert TakeStore(tmp_path).unfinished() == []


CUT_SHORT = """
import os, resource, signal, sys
from exsampling_patch.takes import TakeStore

signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write past the limit fails (EFBIG), as on a full disk
size = os.path.getsize(sys.argv[2])
resource.setrlimit(resource.RLIMIT_FSIZE, (size + 5, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
try:
    TakeStore(sys.argv[1]).mark_done(sys.argv[3])
except OSError as error:
    print(error.errno, error.strerror, error.filename, sep="|")
"""


def cut_short(folder: Path, take_id: str) -> str:
    """``take_id`` marked done in ``folder``'s take store with room for 5 bytes of its line (a file size limit, in a
    child process: the write past it fails, EFBIG, as on a full disk); what it raised."""
    import subprocess
    import sys

    cut = subprocess.run([sys.executable, "-c", CUT_SHORT, str(folder), str(folder / ".processed"), take_id],
                         capture_output=True, text=True, check=True, timeout=60)
    return cut.stdout.strip()


def test_a_take_marked_done_after_a_line_cut_short_is_done(tmp_path: Path) -> None:
    """A full disk cut the journal's last line short; the next id appended, once there was room again, was read as
    part of that line: its take, ended, was passed on again at every start."""
    import errno

    store = TakeStore(tmp_path)
    store.mark_done("first-take")
    journal = tmp_path / ".processed"
    assert cut_short(tmp_path, "second-take") == f"{errno.ENOSPC}|the disk is full|{journal}"  # a short write
    store.mark_done("third-take")
    assert store.processed_ids() == {"first-take", "third-take"}


def test_a_line_cut_short_is_taken_back_and_no_take_it_names_is_lost(tmp_path: Path) -> None:
    """Cut after 5 bytes, the id mic-12 left "mic-1", another take's id: kept (ended by the next line since
    9edf05ca), it was read back as an entry, and take mic-1, never ended, was taken for done and never passed on
    again. The cut line is now taken back."""
    store = TakeStore(tmp_path)
    for take_id in ("mic-1", "mic-12"):
        store.store(Take(np.zeros(480, np.float32), 48000, take_id=take_id))
    store.mark_done("first-take")
    assert cut_short(tmp_path, "mic-12") != ""
    assert (tmp_path / ".processed").read_bytes() == b"first-take\n" + b"\n" * 5  # blanked: blank lines are skipped
    store.mark_done("mic-13")
    assert "mic-1" not in store.processed_ids()
    assert [data["take_id"] for _, data in TakeStore(tmp_path).unfinished()] == ["mic-1", "mic-12"]


def test_a_last_line_left_cut_short_is_no_id_and_is_dropped(tmp_path: Path) -> None:
    """As a run whose take-back failed too left it, or an older version: the last line without its newline is no
    take id (it may be a part of one, another take's), and the next id written drops it."""
    store = TakeStore(tmp_path)
    store.store(Take(np.zeros(480, np.float32), 48000, take_id="mic-1"))
    journal = tmp_path / ".processed"
    journal.write_bytes(b"first-take\nmic-1")
    assert store.processed_ids() == {"first-take"}
    assert [data["take_id"] for _, data in store.unfinished()] == ["mic-1"]
    store.mark_done("third-take")
    # the fragment blanked in place, after the new line (begun with a newline of its own) showed it dead
    assert journal.read_bytes() == b"first-take\n\n\n\n\n\n\nthird-take\n"


def test_a_line_cut_inside_a_character_is_no_id_and_the_others_are_read(tmp_path: Path) -> None:
    """An id cut inside a character by a full disk, ended by an older version's next line: strict UTF-8 raised on
    the whole journal, and with it the microphone's (or web recorder's) start."""
    store = TakeStore(tmp_path)
    journal = tmp_path / ".processed"
    journal.write_bytes("first-take\nmic \u00e9t\u00e9-1".encode()[:-3] + b"\nthird-take\n")
    assert store.processed_ids() >= {"first-take", "third-take"}
    assert store.unfinished() == []
