"""The folder source pointed at a take folder, recursively: it passes on the takes, not what the take folder keeps
for itself (issue 16: a take found unreadable is set aside in ``damaged/``, its end told already)."""

from __future__ import annotations

import mmap
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.takes import DAMAGED_FOLDER, TakeStore, write_take
from tests.waiting import wait_for


def take(take_id: str) -> Take:
    return Take(np.full(800, 0.25, np.float32), 8000, take_id=take_id, source="mic")


def file_name(take: Take) -> str:
    """The name of the file ``take`` was read from (a folder source's takes each have one)."""
    assert take.path is not None, take.take_id
    return take.path.name


def settled(node: FolderSource, seconds: float = 10.0) -> None:
    """Return once two scans begun after this call found every file read as it is (or left alone): a take that should
    not come (a file read twice, half-written first; one that should have been skipped) has come by then, however slow
    the host. A fixed sleep guessed how long that takes."""
    since = node.idle_scans
    assert wait_for(lambda: node.idle_scans >= since + 2, seconds), "the folder source never caught up"


def emitted(folder: Path, expected: int) -> list[str]:
    """The files the folder source passes on when started on ``folder`` (recursive, the files already there), once
    it has passed on ``expected`` of them (or 10 s on) and caught up with every file there (:func:`settled`)."""
    context = NodeContext(folder)
    node = FolderSource("inbox", {"folder": str(folder), "recursive": True, "include_existing": True,
                                  "poll_interval": 0.01, "settle_time": 0.05}, context)
    node.start()
    try:
        # Files there at start are read once they stayed unchanged for settle_time: a fixed 0.3 s read 3 of 6 on a
        # busy host (decoding an MP3 and an OGG among them), so the ones expected are waited for.
        wait_for(lambda: len(context.emitted) >= expected)
        settled(node)  # any more (a file that should have been skipped) came by now
    finally:
        node.stop()
    assert context.errors == []
    return sorted(Path(message.path).relative_to(folder).as_posix() for _, message in context.emitted)


def test_a_take_folders_damaged_and_hidden_folders_are_skipped(tmp_path: Path) -> None:
    """Before: the damaged take (and anything in a hidden folder) was passed on as a new take."""
    folder = tmp_path / "takes"
    store = TakeStore(folder)
    store.store(take("good"))
    broken = store.store(take("broken"))
    assert broken.path is not None
    broken.path.write_bytes(b"RIFF\x00\x00not a wav")
    store.set_aside(broken.path, "broken", "stored take unreadable")
    write_take(take("aside"), folder / DAMAGED_FOLDER / "aside.wav")  # a readable one too: still not passed on
    write_take(take("hidden"), folder / ".trash" / "hidden.wav")
    write_take(take("dot"), folder / ".dot.wav")
    write_take(take("nested"), folder / "session" / "nested.wav")
    assert emitted(folder, 2) == ["good.wav", "session/nested.wav"]


def test_a_damaged_folder_that_is_not_a_take_folders_is_watched(tmp_path: Path) -> None:
    """A library's own folder named damaged/ (no take journal beside it) holds recordings like any other."""
    write_take(take("crackle"), tmp_path / "library" / DAMAGED_FOLDER / "crackle.wav")
    assert emitted(tmp_path / "library", 1) == [f"{DAMAGED_FOLDER}/crackle.wav"]


def test_every_kind_of_file_classify_reads_is_a_take_by_default(tmp_path: Path) -> None:
    """Before, the default patterns were WAV, FLAC and OGG: an MP3 or AIFF one-shot that `exsampling classify
    --patch` put in a slot was passed over by the patch's folder source without a word."""
    hit = np.sin(np.linspace(0, 200, 4000)).astype(np.float32) * 0.5
    for name in ("kick.wav", "kick.flac", "kick.ogg", "kick.mp3", "kick.aiff", "old.AIF"):
        sf.write(tmp_path / name, hit, 44100, format="AIFF" if name.endswith(".AIF") else None)
    (tmp_path / "notes.txt").write_text("not audio", encoding="utf-8")
    assert emitted(tmp_path, 6) == ["kick.aiff", "kick.flac", "kick.mp3", "kick.ogg", "kick.wav", "old.AIF"]


# -- a file is read once it is whole -------------------------------------------------------------------------
# A recorder or a copy writes a file over seconds, stalling between writes longer than a scan (a network copy,
# a recorder waiting for its buffer, libsndfile updating its header at close). Before, a file whose size and
# time stayed the same for one scan (0.1 s) was read: half-written, then again once it changed (the take store
# kept it twice, one-2.wav, one of them truncated).

RATE = 8000
needs_close_events = pytest.mark.skipif(not folder_module.close_events_available(),
                                        reason="no close events here (not Linux, or no watchdog)")


class Running:
    """A folder source running on ``folder`` (the files there at start left alone unless ``include_existing``)."""

    def __init__(self, folder: Path, **params: object) -> None:
        self.context = NodeContext(folder)
        self.node = FolderSource("inbox", {"folder": str(folder), **params}, self.context)

    def __enter__(self) -> Running:
        self.node.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.node.stop()

    def takes(self) -> list[Take]:
        return [message for _, message in self.context.emitted]

    def wait_for(self, count: int, timeout: float) -> list[Take]:
        """The takes once there are ``count`` of them (or at ``timeout``), checked every 10 ms."""
        deadline = time.monotonic() + timeout
        while len(self.takes()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return self.takes()


def chunks(seconds: float, parts: int) -> list[np.ndarray]:
    """A ramp of ``seconds`` at 8 kHz (each frame a different value: a truncated read shows), in ``parts``."""
    frames = int(seconds * RATE)
    samples = (np.arange(frames, dtype=np.float32) % 2000 - 1000) / 4000
    return np.array_split(samples, parts)


def write_slowly(path: Path, parts: list[np.ndarray], pause: float, *, flush: bool = True) -> np.ndarray:
    """Write a WAV the way a recorder does: the header, then ``parts`` with ``pause`` between them, then close.

    With ``flush`` each part's samples reach the file at once, but libsndfile leaves the header's RIFF and data
    lengths 0 until the close; libsndfile reads such a data chunk as running to the end of the file, so the file
    reads as a whole, shorter WAV while the writer waits: the worst case, nothing but the writer knows more is
    coming."""
    with sf.SoundFile(path, "w", samplerate=RATE, channels=1, subtype="PCM_16") as out:
        for part in parts:
            time.sleep(pause)
            out.write(part)
            if flush:
                out.flush()
    return np.concatenate(parts)


def assert_one_whole_take(takes: list[Take], path: Path, written: np.ndarray) -> None:
    assert [file_name(t) for t in takes] == [path.name], [(t.path, t.samples.shape) for t in takes]
    assert takes[0].samples.shape == (len(written), 1)
    np.testing.assert_allclose(takes[0].samples[:, 0], written, atol=1 / 32768)


def test_a_file_written_slowly_is_read_once_and_whole(tmp_path: Path) -> None:
    """Pauses longer than a scan and than the old quiet scan: one take, every frame, once it is closed."""
    with Running(tmp_path) as run:
        written = write_slowly(tmp_path / "one.wav", chunks(1.0, 4), pause=0.4)
        run.wait_for(1, timeout=5.0)
        settled(run.node)  # anything more came by now
        takes = run.takes()
    assert run.context.errors == []
    assert_one_whole_take(takes, tmp_path / "one.wav", written)


def test_a_file_copied_slowly_is_read_once_and_whole(tmp_path: Path) -> None:
    """A network copy: the bytes of a finished WAV arrive in pieces (its header already says the full length)."""
    source = tmp_path / "elsewhere.wav"
    written = chunks(0.5, 1)[0]
    sf.write(source, written, RATE, subtype="PCM_16")
    data = source.read_bytes()
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    with Running(inbox) as run, (inbox / "copied.wav").open("wb") as out:
        for start in range(0, len(data), len(data) // 3 + 1):
            out.write(data[start:start + len(data) // 3 + 1])
            out.flush()
            time.sleep(0.4)
        out.close()
        run.wait_for(1, timeout=5.0)
        settled(run.node)
        takes = run.takes()
    assert run.context.errors == []
    assert_one_whole_take(takes, inbox / "copied.wav", written)


@needs_close_events
def test_a_file_open_for_writing_is_not_read_however_long_it_stalls(tmp_path: Path) -> None:
    """Where the system tells when a writer closes a file, a stall longer than the quiet time does not matter."""
    with Running(tmp_path, settle_time=0.6) as run:
        written = write_slowly(tmp_path / "stalled.wav", chunks(0.5, 2), pause=1.0)
        run.wait_for(1, timeout=30.0)
        settled(run.node)
        takes = run.takes()
    assert run.context.errors == []
    assert_one_whole_take(takes, tmp_path / "stalled.wav", written)


@needs_close_events
def test_a_closed_file_is_read_on_its_close_not_after_the_quiet_time(tmp_path: Path) -> None:
    """Once its writer closes it, a file is read without waiting for the quiet time: with a quiet time of a minute,
    only the close can have had it read (the wait is a hang's limit, half the quiet time)."""
    with Running(tmp_path, settle_time=60.0) as run:
        written = write_slowly(tmp_path / "closed.wav", chunks(0.5, 2), pause=0.2)
        takes = run.wait_for(1, timeout=30.0)
    assert run.context.errors == []
    assert_one_whole_take(takes, tmp_path / "closed.wav", written)


@needs_close_events
def test_a_file_renamed_into_the_folder_is_read_at_once(tmp_path: Path) -> None:
    with Running(tmp_path, settle_time=60.0) as run:  # only the rename can have it read within the wait
        written = chunks(0.25, 1)[0]
        sf.write(tmp_path / ".dropped.wav.part", written, RATE, subtype="PCM_16", format="WAV")
        os.replace(tmp_path / ".dropped.wav.part", tmp_path / "dropped.wav")
        takes = run.wait_for(1, timeout=30.0)
    assert run.context.errors == []
    assert_one_whole_take(takes, tmp_path / "dropped.wav", written)


def test_without_close_events_a_file_is_read_once_it_stayed_unchanged_for_the_quiet_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not Linux, a network share written from another machine, no watchdog: the quiet time (``settle_time``)
    alone says when a file is finished; pauses shorter than it do not get a file read half-written."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", False)
    with Running(tmp_path, settle_time=1.0) as run:
        assert run.node.watching == "quiet time"
        written = write_slowly(tmp_path / "slow.wav", chunks(1.0, 4), pause=0.4)
        closed = time.monotonic()
        run.wait_for(1, timeout=30.0)
        waited = time.monotonic() - closed
        settled(run.node)
        takes = run.takes()
    assert run.context.errors == []
    assert_one_whole_take(takes, tmp_path / "slow.wav", written)
    # Halfway to the quiet time: 0.9 s left 0.1 s for this thread to be held up between the close and reading the
    # clock, which a busy host can take; a read at the close (no quiet time at all) still fails.
    assert waited > 0.5, f"read {waited:.2f} s after its last change, before the quiet time (1 s)"


@pytest.mark.parametrize("close_events", [True, False])
def test_a_file_exported_again_over_one_read_is_a_new_take(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, close_events: bool) -> None:
    """Re-exported over by the user after it was read: read again (a new recording), and whole again."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", close_events)
    with Running(tmp_path, settle_time=0.5) as run:
        first = write_slowly(tmp_path / "loop.wav", chunks(0.5, 2), pause=0.1)
        assert len(run.wait_for(1, timeout=5.0)) == 1
        second = write_slowly(tmp_path / "loop.wav", chunks(1.0, 3)[::-1], pause=0.3)
        run.wait_for(2, timeout=5.0)
        settled(run.node)
        takes = run.takes()
    assert run.context.errors == []
    assert [len(t.samples) for t in takes] == [len(first), len(second)]
    np.testing.assert_allclose(takes[1].samples[:, 0], second, atol=1 / 32768)


def test_files_already_there_are_read_after_the_quiet_time(tmp_path: Path) -> None:
    """Files there at start (``include_existing``) were written before anything watched them: nothing says
    they are closed, so the quiet time decides."""
    written = chunks(0.25, 1)[0]
    sf.write(tmp_path / "old.wav", written, RATE, subtype="PCM_16")
    started = time.monotonic()  # before the first scan, which first sees the file: the quiet time counts from that
    with Running(tmp_path, include_existing=True, settle_time=1.0) as run:
        takes = run.wait_for(1, timeout=10.0)
    assert_one_whole_take(takes, tmp_path / "old.wav", written)
    # When it was passed on, not when this thread saw it: a late wake-up here makes neither a pass nor a failure.
    read_after = takes[0].meta["stored_at"] - started
    assert read_after >= 1.0, f"read {read_after:.2f} s after the start, before the quiet time (1 s)"


@pytest.mark.parametrize("close_events", [True, False])
def test_a_file_deleted_and_put_back_is_read_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, close_events: bool) -> None:
    """Deleted from the drop folder, then copied back with its times kept (``rsync -t``): a new
    arrival. Before, the source remembered every path it had read with its size and time, deleted or not, so
    the file put back (same size, same time) was never read again."""
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", close_events)
    backup = tmp_path / "backup.wav"
    written = chunks(0.25, 1)[0]
    sf.write(backup, written, RATE, subtype="PCM_16")
    inbox = tmp_path / "inbox"
    inbox.mkdir()

    def put_back() -> None:  # as rsync -t does: copied with its times to a hidden name, then renamed in
        shutil.copy2(backup, inbox / ".hit.wav.part")
        os.replace(inbox / ".hit.wav.part", inbox / "hit.wav")

    with Running(inbox, settle_time=0.2, poll_interval=0.02) as run:
        put_back()
        assert len(run.wait_for(1, timeout=3.0)) == 1
        (inbox / "hit.wav").unlink()
        settled(run.node)  # scanned without it
        put_back()
        run.wait_for(2, timeout=3.0)
        settled(run.node)  # anything more came by now
        takes = run.takes()
    assert run.context.errors == []
    assert [file_name(t) for t in takes] == ["hit.wav", "hit.wav"]
    assert [s["takes"] for s in run.context.statuses if "takes" in s] == [1, 2]


def test_the_takes_count_counts_takes_read_not_files_there_before(tmp_path: Path) -> None:
    """The node's status says how many takes it passed on; before, it counted the files there at start too."""
    for name in ("old1.wav", "old2.wav"):
        sf.write(tmp_path / name, chunks(0.1, 1)[0], RATE, subtype="PCM_16")
    with Running(tmp_path, settle_time=0.1, poll_interval=0.02) as run:
        sf.write(tmp_path / "new.wav", chunks(0.1, 1)[0], RATE, subtype="PCM_16")
        assert len(run.wait_for(1, timeout=3.0)) == 1
    assert [s["takes"] for s in run.context.statuses if "takes" in s] == [1]


@needs_close_events
def test_a_file_whose_times_alone_changed_after_it_was_read_is_not_read_again(tmp_path: Path) -> None:
    """``cp -p`` (and a file manager keeping times) sets a file's times after closing it: where close events
    say it was not written since it was read, that is not a new recording. Before, it was read twice."""
    written = chunks(0.25, 1)[0]
    with Running(tmp_path, settle_time=0.2, poll_interval=0.02) as run:
        sf.write(tmp_path / "kept.wav", written, RATE, subtype="PCM_16")
        assert len(run.wait_for(1, timeout=3.0)) == 1
        os.utime(tmp_path / "kept.wav", ns=(1_000_000_000, 1_000_000_000))  # as cp -p does after its close
        settled(run.node)  # a second read (once quiet for settle_time) came by now
        assert len(run.takes()) == 1, "read again for its times alone"
        sf.write(tmp_path / "kept.wav", written[::-1], RATE, subtype="PCM_16")  # written again: a new recording
        takes = run.wait_for(2, timeout=3.0)
    assert run.context.errors == []
    assert [len(t.samples) for t in takes] == [len(written)] * 2
    np.testing.assert_allclose(takes[1].samples[:, 0], written[::-1], atol=1 / 32768)


# -- close events lost: the system's event queue overflowed -------------------------------------------------------
# inotify queues at most max_queued_events events; past that it drops them and says only that it did
# (IN_Q_OVERFLOW), a burst of thousands of files while the patch is busy. Before, a file open for writing when its
# close event was dropped waited for a next close that never came, and a file rewritten while its events were
# dropped was taken for one whose times alone changed: neither was ever read.

FLOOD = r"""
import mmap, os, sys, time
folder, flags_path, late_path, again_path, count = sys.argv[1:]
with open(flags_path, "r+b") as file:
    flags = mmap.mmap(file.fileno(), 4)
late, again = open(late_path, "rb").read(), open(again_path, "rb").read()
out = os.open(os.path.join(folder, "late.wav"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
os.write(out, late[:len(late) // 2])  # heard: open for writing
flags[0] = 1
while not flags[1]:
    time.sleep(0.001)
noise = [os.path.join(folder, ".noise-0"), os.path.join(folder, ".noise-1")]
for i in range(int(count)):  # one event each (two files in turn: inotify merges an event repeating the last)
    os.utime(noise[i % 2])
os.write(out, late[len(late) // 2:])
os.close(out)  # dropped: the queue is full
with open(os.path.join(folder, "again.wav"), "wb") as rewrite:  # dropped too: written, not just new times
    rewrite.write(again)
flags[2] = 1
"""


@needs_close_events
def test_files_whose_close_events_were_lost_in_an_overflow_are_read_after_the_quiet_time(tmp_path: Path) -> None:
    """A real overflow: a second process fills the queue while this one is busy (it holds the interpreter, as a
    model running in the patch does), then closes a file it was writing and rewrites one already read."""
    try:
        queue = int(Path("/proc/sys/fs/inotify/max_queued_events").read_text())
    except (OSError, ValueError):
        pytest.skip("the inotify queue's length is not known here")
    if queue > 1 << 17:
        pytest.skip(f"an inotify queue of {queue} events is too long to fill in a test")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    late, first, again = chunks(0.5, 1)[0], chunks(0.2, 1)[0], chunks(0.3, 1)[0][::-1]
    sf.write(tmp_path / "late.wav", late, RATE, subtype="PCM_16")
    sf.write(tmp_path / "again.wav", again, RATE, subtype="PCM_16")
    (tmp_path / "flags").write_bytes(bytes(4))
    for name in (".noise-0", ".noise-1"):
        (inbox / name).touch()
    with Running(inbox, settle_time=0.5, poll_interval=0.02) as run, \
            (tmp_path / "flags").open("r+b") as file, mmap.mmap(file.fileno(), 4) as flags:
        sf.write(inbox / "again.wav", first, RATE, subtype="PCM_16")
        assert len(run.wait_for(1, timeout=3.0)) == 1
        child = subprocess.Popen([sys.executable, "-c", FLOOD, str(inbox), str(tmp_path / "flags"),
                                  str(tmp_path / "late.wav"), str(tmp_path / "again.wav"), str(queue + 1000)])
        try:
            deadline = time.monotonic() + 10.0
            while not flags[0] and time.monotonic() < deadline:
                time.sleep(0.01)
            closes = run.node._closes
            assert closes is not None
            assert wait_for(lambda: inbox / "late.wav" in closes.snapshot([inbox / "late.wav"])[1])  # open for writing
            assert len(run.takes()) == 1
            switch = sys.getswitchinterval()
            sys.setswitchinterval(100.0)  # no other thread of this process runs (reads events) until it waits
            try:
                flags[1] = 1
                deadline = time.monotonic() + 20.0
                while not flags[2] and time.monotonic() < deadline:
                    pass  # busy: holds the interpreter, reads no events
            finally:
                sys.setswitchinterval(switch)
            assert child.wait(timeout=10.0) == 0
        finally:
            child.kill()
        run.wait_for(3, timeout=30.0)  # read though their closes were lost with the events
        settled(run.node)  # anything more came by now
        takes = run.takes()
    assert sorted(file_name(t) for t in takes[1:]) == ["again.wav", "late.wav"], [t.path for t in takes]
    by_name = {file_name(t): t for t in takes[1:]}
    np.testing.assert_allclose(by_name["late.wav"].samples[:, 0], late, atol=1 / 32768)
    np.testing.assert_allclose(by_name["again.wav"].samples[:, 0], again, atol=1 / 32768)
    assert run.context.errors and all("overflowed" in str(e) for e in run.context.errors), run.context.errors
