"""The folder source's scan with takes piling up in its folder (a show keeps them there). Before, each scan (every
``poll_interval``) matched, stat'ed and sorted every file in the folder, read or not: with 1,941 takes kept, an idle
patch spent a quarter of a core on it. Now the files read are looked at only where close events were heard of them,
and a few of them in turn (``RECHECKED_PER_SCAN``): one exported again over a take, where no event says so, is
still read again."""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.messages import Take
from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.nodes import folder_listing
from tests.intake.counting_wake import CountingWake
from tests.intake.folder_show import started_source
from tests.waiting import wait_for

RATE = 8000
KEPT = 300  # takes kept in the folder, read before (there before the node's first start: left alone)


def sound(seconds: float, reverse: bool = False) -> np.ndarray:
    samples = (np.arange(int(seconds * RATE), dtype=np.float32) % 2000 - 1000) / 4000
    return samples[::-1].copy() if reverse else samples


def kept_takes(folder: Path, count: int = KEPT) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        sf.write(folder / f"take-{i:04d}.wav", sound(0.01), RATE, subtype="PCM_16")


@pytest.mark.parametrize("close_events", [True, False])
def test_a_scan_looks_at_no_more_files_read_before_however_many_the_folder_keeps(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, close_events: bool) -> None:
    """Counted by wrapping os.stat and fnmatch: before, every scan stat'ed and matched all 300 files kept."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", close_events)
    monkeypatch.setattr(folder_module, "RECHECKED_PER_SCAN", 10)
    folder = tmp_path / "takes"
    kept_takes(folder)
    stats, matches = [0], [0]
    stat, match = os.stat, fnmatch.fnmatch

    def counting_stat(path: object, *args: object, **kwargs: object) -> os.stat_result:
        if isinstance(path, (str, Path)) and os.fspath(path).startswith(f"{folder}{os.sep}take-"):
            stats[0] += 1
        return stat(path, *args, **kwargs)  # type: ignore[arg-type]

    def counting_match(name: str, pattern: str) -> bool:
        matches[0] += 1
        return match(name, pattern)

    node, context = started_source(folder)
    try:
        wake = CountingWake(node._wake)
        node._wake = wake
        assert wait_for(lambda: wake.waits >= 3)  # past the first scans, which look at every file
        monkeypatch.setattr(os, "stat", counting_stat)
        monkeypatch.setattr(fnmatch, "fnmatch", counting_match)
        scans = wake.waits
        assert wait_for(lambda: wake.waits >= scans + 20)
        monkeypatch.undo()
        scans = wake.waits - scans
    finally:
        node.stop()
    assert context.emitted == [] and context.errors == []
    # 10 a scan in turn, and one scan's more where the count started or ended mid-scan: before, 300 a scan
    assert stats[0] <= 10 * (scans + 1), f"{stats[0]} stats in {scans} scans of {KEPT} files read before"
    assert matches[0] == 0, f"{matches[0]} name matches in {scans} scans of a folder whose names did not change"


@pytest.mark.parametrize("close_events", [True, False])
def test_a_take_exported_again_among_many_kept_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, close_events: bool) -> None:
    """Rewritten in place after it was read, among more files than a scan looks at again: read again, whole (close
    events say so at once; without them, as on a share written from another machine, the scans in turn find it)."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", close_events)
    monkeypatch.setattr(folder_module, "RECHECKED_PER_SCAN", 10)
    folder = tmp_path / "takes"
    kept_takes(folder, 100)
    node, context = started_source(folder)
    try:
        sf.write(folder / "loop.wav", sound(0.2), RATE, subtype="PCM_16")
        assert wait_for(lambda: len(context.emitted) == 1)
        time.sleep(0.3)  # scanned as read: only the scans in turn look at it again
        again = sound(0.3, reverse=True)
        with (folder / "loop.wav").open("r+b") as out:  # in place: same name, same inode, no new name listed
            sf.write(out, again, RATE, subtype="PCM_16", format="WAV")
        assert wait_for(lambda: len(context.emitted) == 2)
        time.sleep(0.3)  # anything more would come now
    finally:
        node.stop()
    takes: list[Take] = [message for _, message in context.emitted]
    assert context.errors == []
    assert [t.path.name if t.path else None for t in takes] == ["loop.wav", "loop.wav"]
    np.testing.assert_allclose(takes[1].samples[:, 0], again, atol=1 / 32768)


def test_new_files_among_many_kept_are_read_in_the_order_written_sub_folders_too(tmp_path: Path) -> None:
    """Recursive: files arriving in a sub-folder made while it runs, and beside the kept ones, read in order."""
    folder = tmp_path / "takes"
    kept_takes(folder / "old")
    node, context = started_source(folder, recursive=True, settle_time=0.3)
    try:
        time.sleep(0.2)
        staging = tmp_path / "staging"
        staging.mkdir()
        for i, where in enumerate(["new/first.wav", "old/second.wav", "third.wav"]):
            (folder / where).parent.mkdir(exist_ok=True)
            # Written and dated outside, then moved in whole: a scan that saw a file half written (its time not yet
            # set) waited out its settle time from then, and a later file, seen whole, went before it on a busy host.
            written = staging / f"{i}.wav"
            sf.write(written, sound(0.05), RATE, subtype="PCM_16")
            os.utime(written, ns=(10**18 + i, 10**18 + i))  # in order, on any file system's clock
            os.rename(written, folder / where)
        assert wait_for(lambda: len(context.emitted) == 3)
        time.sleep(0.3)  # anything more would come now
    finally:
        node.stop()
    assert context.errors == []
    assert [Path(m.path).relative_to(folder).as_posix() for _, m in context.emitted] == [
        "new/first.wav", "old/second.wav", "third.wav"]


@pytest.mark.parametrize("close_events", [True, False])
def test_a_folder_whose_time_did_not_change_is_not_listed_again_one_made_there_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, close_events: bool) -> None:
    """Listed at every scan, 2,000 names cost 0.66 ms of each, for nothing between takes: a folder whose time is
    as it was at its last listing is not listed (counted by wrapping os.listdir and os.scandir); a take made there
    changes it, and is read."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", close_events)
    monkeypatch.setattr(folder_listing, "SETTLED_NS", 0)  # the journal written at start changed its time just now
    monkeypatch.setattr(folder_listing, "RELIST_SECONDS", 3600.0)
    folder = tmp_path / "takes"
    kept_takes(folder, 20)
    listings = [0]
    listdir, scandir = os.listdir, os.scandir

    def counting_listdir(path: str | os.PathLike[str] = ".") -> list[str]:
        listings[0] += os.fspath(path) == str(folder)
        return listdir(path)

    def counting_scandir(path: str | os.PathLike[str] = ".") -> Iterator[os.DirEntry[str]]:
        listings[0] += os.fspath(path) == str(folder)
        return scandir(path)

    node, context = started_source(folder)
    try:
        wake = CountingWake(node._wake)
        node._wake = wake
        assert wait_for(lambda: wake.waits >= 3)  # past the first scans
        monkeypatch.setattr(os, "listdir", counting_listdir)
        monkeypatch.setattr(os, "scandir", counting_scandir)
        scans = wake.waits
        assert wait_for(lambda: wake.waits >= scans + 20)
        assert listings[0] == 0, f"listed {listings[0]} times in {wake.waits - scans} scans of an unchanged folder"
        sf.write(folder / "new.wav", sound(0.05), RATE, subtype="PCM_16")
        assert wait_for(lambda: len(context.emitted) == 1)
    finally:
        node.stop()
        monkeypatch.undo()
    assert context.errors == []
    assert [Path(take.path).name for _, take in context.emitted] == ["new.wav"]
