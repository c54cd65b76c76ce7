"""A web recorder's state folder that could not be written at its start (a drive mounted read-only), run on a copy of
its files, and by a live edit writable, but another drive's: a drive swapped at the same mount point, a folder
restored from another machine.

The copy's files were merged over the folder's (:func:`.folders._merge`): its certificate, key and pairing token, which
the phones of the other drive's shows use, overwritten untold, and this run's takes seen appended whole to its own.
Only a folder that was not made at the start was checked for an identity of its own. The copy now records what the
folder held when it was copied; a folder holding another certificate, key or token since is left as it is, told, and
the run goes on in a temporary folder. The same folder made writable, its token rotated on the copy, still takes
this run's files. Real folders (as root, a tmpfs remounted read-only), :func:`.folders.state_folder` called as the
recorder's start calls it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.folders import spare_files, state_folder

from .conftest import unlock

APPENDED = ("seen-takes.jsonl", "phone-takes.jsonl")
IDENTITY = ("recorder-cert.pem", "recorder-key.pem", "token")


def files_of(folder: Path) -> dict[str, bytes]:
    return {item.name: item.read_bytes() for item in folder.iterdir() if item.is_file()}


def write_state(folder: Path, drive: str) -> None:
    for name in IDENTITY:
        (folder / name).write_text(f"{drive}'s {name}\n")
    (folder / "seen-takes.jsonl").write_text(f'{{"take": "{drive}-1"}}\n')


def copied_run(state: Path, lock: Callable[[], None], told: list[str]) -> dict[str, bytes]:
    """A start on ``state`` locked: the files of its copy as the recorder's stop hands them to the rebuilt one, with a
    take seen this run."""
    node = WebRecorder("rec", {"state_folder": str(state)})
    lock()
    used, spare = state_folder(node, state, told.append, APPENDED)
    assert spare is not None and used == spare, told
    with open(spare / "seen-takes.jsonl", "a") as seen:
        seen.write('{"take": "this-run"}\n')
    return spare_files(spare)


def test_a_copy_is_not_merged_into_another_drives_state_folder(
        tmp_path: Path, spare_temp: Path, lockable_state: tuple[Path, Callable[[], None]]) -> None:
    state, lock = lockable_state
    write_state(state, "drive-a")
    told: list[str] = []
    carried = copied_run(state, lock, told)
    unlock(state)
    write_state(state, "drive-b")  # another drive there now, writable
    own = files_of(state)
    node = WebRecorder("rec", {"state_folder": str(state)})
    used, spare = state_folder(node, state, told.append, APPENDED, carried)
    assert files_of(state) == own  # drive b's certificate, key, token and takes seen as they were
    assert spare is not None and used == spare, told
    assert files_of(spare)["token"] == b"drive-a's token\n"  # the run goes on with its own
    assert b"this-run" in files_of(spare)["seen-takes.jsonl"]
    assert told[-1].startswith(f"the state folder {state} has a certificate, key or pairing token of its own now"), told


def test_the_same_folder_writable_again_takes_the_copys_files(
        tmp_path: Path, spare_temp: Path, lockable_state: tuple[Path, Callable[[], None]]) -> None:
    state, lock = lockable_state
    write_state(state, "drive-a")
    told: list[str] = []
    carried = {**copied_run(state, lock, told), "token": b"rotated on the copy\n"}
    unlock(state)
    node = WebRecorder("rec", {"state_folder": str(state)})
    used, spare = state_folder(node, state, told.append, APPENDED, carried)
    assert used == state and spare is None, told
    assert (state / "token").read_bytes() == b"rotated on the copy\n"
    assert (state / "seen-takes.jsonl").read_text() == '{"take": "drive-a-1"}\n{"take": "this-run"}\n'
    assert sorted(files_of(state)) == sorted((*IDENTITY, "seen-takes.jsonl")), files_of(state)
