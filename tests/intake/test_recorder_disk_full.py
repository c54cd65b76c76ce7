"""A take folder's disk already full when the patch starts: the recorder starts all the same and refuses takes
(507, which the phones send again) until there is room, and the performer is told once. Through a real engine and
real HTTPS, on the real disk of the test's folder, made "full" by a ``min_free_mb`` above its free space. A take
too large for the room left is told as such, not as a full disk (its free space set by the test there: a real
disk's moves as others write)."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.run import counts_of
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.disk import DiskWatch
from exsampling_patch.nodes.web_recorder.upload import UploadError, encode_wav_pcm16
from exsampling_patch.runtime import Engine, NodeError, NodeRecovered, NodeStatus

from .conftest import Client, needs_dev_full, rec_of, recorder_console, recorder_engine, sine
from .test_recorder_after_stored import Phone


@pytest.fixture
def free(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The take folder's disk's free space in bytes, as each of the recorder's looks sees it: 10 GB until the test
    sets it (a real disk's moves as others write)."""
    room = [10_000 * 10**6]
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: room[0])
    return room


@contextlib.contextmanager
def disk_recorder(tmp_path: Path, recorder_state: Path, **options: Any) -> Iterator[tuple[Engine, Client, list[Any]]]:
    """A recorder run by an engine (``options`` go to recorder_engine), a phone's client of it, and the runtime's
    events; the engine stopped at the end."""
    events: list[Any] = []
    engine = recorder_engine(tmp_path, recorder_state, events=events, **options)
    try:
        yield engine, Client(engine, recorder_state / "recorder-cert.pem"), events
    finally:
        engine.stop()


class SecondCheck:
    """Two request threads checking a take of ``size`` bytes against one watch at once: the test's own, and this
    second one, started where the test likes. ``settled`` is set once the second comes to a Gate (where it waits
    for the first, which holds it) or is done: the first goes on then."""

    def __init__(self, size: int, match: str | None = None) -> None:
        self.size, self.match = size, match
        self.settled = threading.Event()
        self.thread = threading.Thread(target=self.check)
        self.watch: DiskWatch | None = None

    def check(self) -> None:
        try:
            assert self.watch is not None
            with pytest.raises(UploadError, match=self.match):
                self.watch.check(self.size)
        finally:
            if threading.current_thread() is self.thread:
                self.settled.set()

    def both(self, watch: DiskWatch) -> None:
        """The test thread's check of ``watch``, then the second's end."""
        self.watch = watch
        self.check()
        self.thread.join()


class Gate:
    """A lock that says when the second thread comes to it (the first holds it then: the second waits)."""

    def __init__(self, second: SecondCheck) -> None:
        self._lock = threading.Lock()
        self._second = second

    def __enter__(self) -> None:
        if threading.current_thread() is self._second.thread:
            self._second.settled.set()
        self._lock.acquire()

    def __exit__(self, *exc: object) -> None:
        self._lock.release()


def test_a_recorder_started_on_a_full_disk_starts_and_refuses_takes(tmp_path: Path, recorder_state: Path) -> None:
    """Its start failed on the 507 meant for an upload: no URL, no QR code, every phone's upload refused at the
    door, the recorder never up once room was made, and the phone's "tell the performer" told no one."""
    free_mb = shutil.disk_usage(tmp_path).free / 1e6
    with disk_recorder(tmp_path, recorder_state, check=False, min_free_mb=free_mb + 1e6,
                       warn_free_mb=free_mb + 2e6) as (engine, client, events):
        rec = rec_of(engine)
        assert getattr(rec, "server", None) is not None and rec.url, engine.errors  # it listens, with its URL
        wav = encode_wav_pcm16(sine(), 48000)
        for _ in range(2):  # a phone's retry too
            status, reply = client.upload(wav, take_id="on-a-full-disk")
            assert status == 507 and "disk is full" in reply["error"], reply
    told = [event.error for event in events if isinstance(event, NodeError) and event.node_id == "rec"]
    assert len(told) == 1 and told[0].startswith("the take folder's disk is full: "), told
    assert "takes are refused, the phones keep them and send them again, until there is room" in told[0], told
    assert not list((tmp_path / "takes").glob("*.wav"))


def test_a_take_too_large_for_the_room_left_is_not_told_as_a_full_disk(tmp_path: Path, recorder_state: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1 MB take with 100 MB free and 99.5 MB kept free was told "disk is full: 100 MB free, under 99.5 MB", and
    the line came back at each of its phone's retries between other phones' small takes."""
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: 100 * 10**6)
    with disk_recorder(tmp_path, recorder_state, min_free_mb=99.5, warn_free_mb=50.0) as (_, client, events):
        large = encode_wav_pcm16(sine(seconds=10.0), 48000)  # 0.96 MB
        small = encode_wav_pcm16(sine(seconds=0.5), 48000)
        for attempt in range(3):  # the large take's phone retries while another sends small takes
            status, reply = client.upload(large, take_id="large")
            assert status == 507, reply
            assert reply["error"].startswith("this take (1.0 MB) would leave less than 99.5 MB free"), reply
            assert client.upload(small, recorder="Noa", take_id=f"small-{attempt}")[0] == 201
    told = [event.error for event in events if isinstance(event, NodeError) and event.node_id == "rec"]
    assert len(told) == 1 and told[0].startswith("a take (1.0 MB) was refused: it would leave less than 99.5 MB"), told
    assert not any("disk is full" in line for line in told), told
    assert len(list((tmp_path / "takes").glob("*.wav"))) == 3


def test_a_take_larger_than_the_disk_can_ever_hold_is_refused_for_good(tmp_path: Path, recorder_state: Path) -> None:
    """A take that would leave less than min_free_mb free even on the disk emptied was refused 507 ("it is stored once
    there is room"), which its phone sends again every few seconds for the rest of the show. Refused for good (413),
    the phone drops it and shows why, and the console says so. The test folder's real disk, min_free_mb set to all but
    half a megabyte of it."""
    st = os.statvfs(tmp_path)
    room_mb = (st.f_blocks - (st.f_bfree - st.f_bavail)) * st.f_frsize / 1e6
    with disk_recorder(tmp_path, recorder_state, check=False, min_free_mb=room_mb - 0.5,
                       warn_free_mb=room_mb) as (_, client, events):
        large = encode_wav_pcm16(sine(seconds=10.0), 48000)  # 0.96 MB
        for _ in range(2):  # a script's retry is refused the same
            status, reply = client.upload(large, take_id="never-fits")
            assert status == 413, reply
            assert reply["error"].startswith("this take (1.0 MB) can never be stored: the recorder's disk "), reply
            assert reply["error"].endswith(" MB of it is kept free; record a shorter take"), reply
    told = [event.status["refused_take"] for event in events
            if isinstance(event, NodeStatus) and event.status.get("refused_take")]
    assert len(told) == 2 and "a take from Mika at 127.0.0.1 was refused, not stored: this take (1.0 MB)" in told[0]
    assert not list((tmp_path / "takes").glob("*.wav"))


def test_a_take_whose_write_finds_the_disk_filled_up_is_a_507_counted_as_held(tmp_path: Path, recorder_state: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The disk had room at the check but filled up before the take was written (another writer): the write's
    failure was a 500, and the take, kept by its phone and sent again all the same, was not counted as held there.
    Free space as the check saw it, then as seen after the write failed (set here: a real disk's moves as others
    write); the write fails for real, a file in the take folder's place (as in test_microphone_disk_full.py)."""
    free = [10_000 * 10**6]  # the free space each look sees, in turn; the last one stands
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: free.pop(0) if len(free) > 1 else free[0])
    takes = tmp_path / "takes"
    with disk_recorder(tmp_path, recorder_state, min_free_mb=100.0, warn_free_mb=50.0) as (engine, client, events):
        wav = encode_wav_pcm16(sine(), 48000)
        shutil.rmtree(takes)
        takes.write_bytes(b"")  # each write into the folder fails
        free[:] = [10_000 * 10**6, 50 * 10**6]  # the check's look: room; the one after the write failed: full
        status, reply = client.upload(wav, take_id="filled-up")
        assert status == 507, (status, reply)
        assert reply["error"].startswith("the recorder's disk is full (50 MB free): this take could not be "
                                         "written ("), reply
        assert counts_of(engine, "held_on_phones") == {"rec": 1}  # on its phone: in the run's summary
        takes.unlink()
        takes.mkdir()
        free[:] = [10_000 * 10**6]  # room again
        assert client.upload(wav, take_id="filled-up")[0] == 201  # the phone's retry
        assert counts_of(engine, "held_on_phones") == {}
    told = [event.error for event in events if isinstance(event, NodeError) and event.node_id == "rec"]
    assert told[0].startswith(f"a take from a phone could not be stored in {takes}: "), told
    assert told[1].startswith("the take folder's disk is full: 50 MB free, under 100 MB"), told
    assert len(list(takes.glob("*.wav"))) == 1


@needs_dev_full
def test_a_write_that_fails_for_want_of_room_is_a_full_disk(tmp_path: Path) -> None:
    """ENOSPC (a real one: /dev/full's) is the disk full whatever its free space reads (a quota, the blocks reserved
    for root): a 507, its phone keeps the take. Another failure is none (a 500, sent again as well)."""
    watch = DiskWatch(tmp_path, 0.0, 0.0, lambda text, about: None, lambda **status: None)
    with pytest.raises(OSError) as full, open("/dev/full", "wb", buffering=0) as device:
        device.write(b"take")
    assert full.value.errno == errno.ENOSPC
    refusal = watch.full_on_write(full.value)
    assert refusal is not None and refusal.status == 507, refusal
    assert "could not be written (No space left on device)" in str(refusal), refusal
    with pytest.raises(OSError) as other:
        (tmp_path / "no-such-folder" / "take.wav").write_bytes(b"take")
    assert watch.full_on_write(other.value) is None


class RetriesWhileCounted(NodeContext):
    """A runtime that, told of a take held on its phone (``held_on_phones``: 1), has that phone send it again at
    once, as a phone can as soon as its 507 is answered, and keeps the retry's answer."""

    def __init__(self, base_dir: Path, free: list[int]) -> None:
        super().__init__(base_dir)
        self.phone: Phone | None = None
        self.free = free
        self.retried: list[int] = []

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        super().report_status(node_id, status)
        if status.get("held_on_phones") == 1 and self.phone is not None and not self.retried:
            self.free[0] = 10_000 * 10**6  # room made at once
            self.retried.append(self.phone.upload(encode_wav_pcm16(sine(), 48000), take_id="counted")[0])


def test_a_take_is_counted_as_held_before_its_phone_may_send_it_again(tmp_path: Path, recorder_state: Path,
                                                                      free: list[int]) -> None:
    """The take's claim was released before it was counted as held: a retry stored in between ("stored", nothing to
    uncount) was then counted as held by the refusal told after it, in the run's summary for ever. Now it is counted
    first: a retry that comes while it is being counted is still "being uploaded" (409, sent again), and one stored
    after it uncounts it."""
    free[0] = 50 * 10**6
    context = RetriesWhileCounted(tmp_path, free)
    rec = WebRecorder("rec", {"folder": str(tmp_path / "takes"), "state_folder": str(recorder_state),
                              "host": "127.0.0.1", "port": 0, "print_qr": False, "min_free_mb": 100.0,
                              "warn_free_mb": 50.0}, context)
    rec.start()
    try:
        context.phone = phone = Phone(rec, recorder_state / "recorder-cert.pem")
        assert phone.upload(encode_wav_pcm16(sine(), 48000), take_id="counted")[0] == 507
        assert context.retried == [409]  # its claim still held while it was counted
        held = [status["held_on_phones"] for status in context.statuses if "held_on_phones" in status]
        assert held == [0, 1], held
        assert phone.upload(encode_wav_pcm16(sine(), 48000), take_id="counted")[0] == 201  # sent again: stored
        held = [status["held_on_phones"] for status in context.statuses if "held_on_phones" in status]
        assert held == [0, 1, 0], held
    finally:
        rec.stop()


def test_a_full_disks_error_ends_once_takes_are_stored_again(tmp_path: Path, recorder_state: Path,
                                                            free: list[int]) -> None:
    """"The take folder's disk is full" is an error: nothing ended it but a rebuild of the node, so once room was made
    and takes came in again, the editor still showed the recorder in it. The first check that finds room ends it; the
    console says the recorder is back, and why. Free space set (a real disk's moves as others write)."""
    with disk_recorder(tmp_path, recorder_state, min_free_mb=100.0, warn_free_mb=50.0) as (engine, client, events):
        wav = encode_wav_pcm16(sine(), 48000)
        free[0] = 50 * 10**6  # filled up mid-show
        assert client.upload(wav, take_id="held")[0] == 507
        assert engine.errors["rec"].startswith("the take folder's disk is full: 50 MB free"), engine.errors
        free[0] = 10_000 * 10**6  # room made
        assert client.upload(wav, take_id="held")[0] == 201  # the phone's retry
        assert "rec" not in engine.errors, engine.errors
    assert [event.how for event in events if isinstance(event, NodeRecovered) and event.node_id == "rec"] == ["opened"]
    printed = recorder_console(events)
    said = [line for line in printed.splitlines() if "is back" in line]
    assert len(said) == 1 and said[0].endswith(
        f" rec is back: web_recorder 'rec': the take folder's disk has room for takes again: 10000 MB free "
        f"({tmp_path / 'takes'})"), printed


def test_the_end_of_a_full_disk_ends_no_other_error_of_the_recorder(tmp_path: Path, recorder_state: Path,
                                                                   free: list[int]) -> None:
    """The full disk's end was told as the recorder's URL opened, which ends every error of the node told about
    nothing: one told before the disk filled, that room on the disk does not mend, was cleared with it."""
    other = "the recorder's state could not be written (seen.jsonl: Input/output error)"
    with disk_recorder(tmp_path, recorder_state, min_free_mb=100.0, warn_free_mb=50.0) as (engine, client, events):
        wav = encode_wav_pcm16(sine(), 48000)
        rec_of(engine).report_error(other)  # told by a request thread, as SeenTakes.remember_told tells it
        free[0] = 50 * 10**6
        assert client.upload(wav, take_id="held")[0] == 507
        assert engine.errors["rec"].startswith("the take folder's disk is full: 50 MB free"), engine.errors
        free[0] = 10_000 * 10**6
        assert client.upload(wav, take_id="held")[0] == 201
        assert engine.errors.get("rec") == other, engine.errors  # the disk's error ended, not this one
    assert not [event for event in events if isinstance(event, NodeRecovered) and event.node_id == "rec"]


def test_a_take_too_large_for_the_room_lefts_error_ends_once_it_is_stored(tmp_path: Path, recorder_state: Path,
                                                                          free: list[int]) -> None:
    """"A take (1.0 MB) was refused: it would leave less than ... free" never set the disk full, and only the full
    disk's end ended an error: once room was made and the take stored, the recorder stood in it until rebuilt. It
    stands while the take is held on its phone (small takes stored meanwhile do not end it), and ends once it is
    stored."""
    free[0] = 100 * 10**6
    with disk_recorder(tmp_path, recorder_state, min_free_mb=99.5, warn_free_mb=50.0) as (engine, client, events):
        large = encode_wav_pcm16(sine(seconds=10.0), 48000)  # 0.96 MB
        assert client.upload(large, take_id="large")[0] == 507
        assert client.upload(encode_wav_pcm16(sine(seconds=0.5), 48000), take_id="small")[0] == 201
        assert engine.errors["rec"].startswith("a take (1.0 MB) was refused"), engine.errors  # still held
        free[0] = 10_000 * 10**6  # room made
        assert client.upload(large, take_id="large")[0] == 201  # its phone's retry
        assert "rec" not in engine.errors, engine.errors
    assert [event.how for event in events if isinstance(event, NodeRecovered) and event.node_id == "rec"] == ["opened"]


@needs_dev_full
def test_a_write_that_failed_for_want_of_room_ends_once_takes_are_stored(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """"A take from a phone could not be stored in ...: No space left on device" (a real ENOSPC, /dev/full's: a quota
    or the disk filled and emptied meanwhile, never found full by a look) ended with nothing: it is told about the
    disk, and the take stored once its phone sends it again ends it. Another failure is not the disk's."""
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: 5000 * 10**6)
    told: list[tuple[str, str]] = []
    statuses: list[dict[str, Any]] = []
    watch = DiskWatch(tmp_path, 0.0, 0.0, lambda text, about: told.append((text, about)),
                      lambda **status: statuses.append(status))
    with pytest.raises(OSError) as full, open("/dev/full", "wb", buffering=0) as device:
        device.write(b"take")
    refusal = watch.write_failed(full.value)
    assert refusal is not None and refusal.status == 507, refusal
    assert told == [(f"a take from a phone could not be stored in {tmp_path}: No space left on device; the phone keeps "
                     "it and sends it again", "disk")], told
    watch.held(("Mika", "phone", "take-1"), refused=True)
    watch.held(("Mika", "phone", "take-1"), refused=False)  # sent again: stored
    assert [status for status in statuses if "disk" in status] == [
        {"disk": f"the take folder's disk has room for takes again: 5000 MB free ({tmp_path})"}], statuses
    with pytest.raises(OSError) as other:
        (tmp_path / "no-such-folder" / "take.wav").write_bytes(b"take")
    assert watch.write_failed(other.value) is None
    assert told[-1][1] == "", told  # told about nothing: the disk's end does not end it


def test_a_full_disk_with_room_again_is_said_once(tmp_path: Path, recorder_state: Path, free: list[int]) -> None:
    """Room made above warn_free_mb as well: the console said "the take folder's disk has room again" (the filling
    warning's end), then "rec is back: ... has room for takes again" (the full disk's): one line says it."""
    with disk_recorder(tmp_path, recorder_state, min_free_mb=100.0, warn_free_mb=2000.0) as (engine, client, events):
        wav = encode_wav_pcm16(sine(), 48000)
        free[0] = 50 * 10**6
        assert client.upload(wav, take_id="held")[0] == 507
        free[0] = 10_000 * 10**6
        assert client.upload(wav, take_id="held")[0] == 201
        assert "rec" not in engine.errors, engine.errors
        assert not engine.status["rec"].get("warning"), engine.status["rec"]  # the filling warning ended all the same
    printed = recorder_console(events)
    said = [line for line in printed.splitlines() if "room" in line]
    assert len(said) == 1 and said[0].endswith(
        f" rec is back: web_recorder 'rec': the take folder's disk has room for takes again: 10000 MB free "
        f"({tmp_path / 'takes'})"), printed


def test_two_request_threads_tell_a_full_disk_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The free space was looked at by each request thread at once, unlocked: a second take checked while the first
    look told the disk full found it newly full as well, and told it again. Real threads; the second starts while the
    first tells its line, and waits for the second to come to one of the watch's locks (or to end): the look's, where
    the looks are taken one at a time; the one its disk error is told under, where it found the disk newly full too."""
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: 50 * 10**6)
    told: list[str] = []
    second = SecondCheck(0)

    def telling(text: str, about: str) -> None:
        if not second.thread.is_alive() and not told:
            second.thread.start()
            # Looked at one at a time, the second waits for this look. At once, it finds the disk newly full too, and
            # waits to tell it after this line.
            second.settled.wait()
        told.append(text)

    watch = DiskWatch(tmp_path, 200.0, 100.0, telling, lambda **status: None)
    watch._look_lock, watch._held_lock = Gate(second), Gate(second)
    second.both(watch)
    assert len(told) == 1 and told[0].startswith("the take folder's disk is full: 50 MB free"), told


@pytest.mark.parametrize("again", ["no WAV", "too long"])
def test_a_held_take_refused_for_good_when_sent_again_is_held_no_longer(tmp_path: Path, recorder_state: Path,
                                                                      free: list[int], again: str) -> None:
    """A take refused for the full disk is counted as held on its phone until it is stored. Sent again and refused for
    good (its phone's copy no WAV, or longer than the recorder takes), its phone drops it, but it stayed counted: the
    run's summary said it was still on the phone, for the rest of the show."""
    with disk_recorder(tmp_path, recorder_state, min_free_mb=100.0, warn_free_mb=50.0) as (engine, client, _):
        free[0] = 50 * 10**6
        assert client.upload(encode_wav_pcm16(sine(), 48000), take_id="held")[0] == 507
        assert counts_of(engine, "held_on_phones") == {"rec": 1}
        body = b"no WAV at all" if again == "no WAV" else encode_wav_pcm16(sine(seconds=12.0), 48000)
        status, reply = client.upload(body, take_id="held")
        assert status == (415 if again == "no WAV" else 413), (status, reply)
        assert counts_of(engine, "held_on_phones") == {}, engine.status["rec"]


@pytest.mark.parametrize("refusal", ["full", "too large"])
def test_a_disk_error_ends_though_its_held_take_never_comes_back(tmp_path: Path, recorder_state: Path,
                                                                free: list[int], refusal: str) -> None:
    """A disk error ended only once no take refused for the disk was held on the phones: a phone that got its 507 and
    never came back (its page closed, its battery dead) kept the recorder in "disk is full" for the rest of the show,
    room made and other phones' takes stored. It ends at a take stored with room (room for the take refused as too
    large as well); the take gone is left to the held_on_phones count."""
    min_free_mb, refusing = (100.0, 50 * 10**6) if refusal == "full" else (99.5, 100 * 10**6)
    with disk_recorder(tmp_path, recorder_state, min_free_mb=min_free_mb,
                       warn_free_mb=50.0) as (engine, gone, events):
        free[0] = refusing
        assert gone.upload(encode_wav_pcm16(sine(seconds=10.0), 48000), take_id="gone")[0] == 507  # 0.96 MB
        assert engine.errors["rec"].startswith("the take folder's disk is full" if refusal == "full"
                                               else "a take (1.0 MB) was refused"), engine.errors
        free[0] = 10_000 * 10**6  # room made
        other = Client(engine, recorder_state / "recorder-cert.pem")
        assert other.upload(encode_wav_pcm16(sine(seconds=0.5), 48000), recorder="Noa", take_id="other")[0] == 201
        assert "rec" not in engine.errors, engine.errors
        assert counts_of(engine, "held_on_phones") == {"rec": 1}  # still on the phone gone, for the summary
    back = [event.status.get("disk") for event in events if isinstance(event, NodeStatus) and event.status.get("disk")]
    assert back == [f"the take folder's disk has room for takes again: 10000 MB free ({tmp_path / 'takes'})"], back
