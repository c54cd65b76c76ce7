"""The takers of late takes (:mod:`exsampling_patch.nodes.late_takers`), one lock a take folder: a take stored late in
one folder was held, with one lock for the kind of node, until another folder's start had listed that folder (its
journal, each sidecar and each audio's header read from disk); its phone's answer waited as long."""

from __future__ import annotations

import threading
from pathlib import Path

from exsampling_patch.nodes.late_takers import LateTakers


def test_a_take_handed_on_in_one_folder_does_not_wait_for_another_folders_listing(tmp_path: Path) -> None:
    takers: LateTakers[str] = LateTakers()
    taken: list[tuple[Path, str]] = []
    handed = threading.Event()
    other, listed = tmp_path / "other", tmp_path / "listed"
    other.mkdir()
    listed.mkdir()
    with takers.listing(other, lambda audio, about: taken.append((audio, about))):
        pass  # the node running on "other" since its start
    results: list[bool] = []

    def hand_on() -> None:  # the replaced node's request, storing a take late in "other"
        results.append(takers.hand_on(other, other / "late.wav", "late"))
        handed.set()

    with takers.listing(listed, lambda audio, about: None):  # a start on another folder, reading its disk
        thread = threading.Thread(target=hand_on)
        thread.start()
        assert handed.wait(30), "the take handed on in one folder waited for another folder's listing"
    thread.join(30)
    assert results == [True] and taken == [(other / "late.wav", "late")]
    takers.leave(other, lambda audio, about: None)  # not its taker: it stays
    assert takers.hand_on(other, other / "again.wav", "again")
    assert not takers.hand_on(tmp_path / "none", tmp_path / "none" / "a.wav", "a")  # no node runs there


def test_a_folders_lock_is_dropped_once_no_taker_runs_there(tmp_path: Path) -> None:
    # Kept for good before: web_recorder.late's table by run and node id made one for every run and recorder
    takers: LateTakers[str] = LateTakers()
    taken: list[str] = []

    def take(audio: Path, about: str) -> None:
        taken.append(about)

    with takers.listing(tmp_path, take):
        waiting = threading.Thread(target=lambda: takers.hand_on(tmp_path, tmp_path / "a.wav", "while listing"))
        waiting.start()  # on the folder's lock, or after the listing: handed to the taker either way
    waiting.join(30)
    assert taken == ["while listing"]
    assert takers._folders, "dropped while its taker runs"
    takers.leave(tmp_path, take)
    assert not takers.hand_on(tmp_path, tmp_path / "b.wav", "after")
    assert takers._folders == {}
