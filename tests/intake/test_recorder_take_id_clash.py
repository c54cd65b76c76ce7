"""A phone's upload given the id of a take already in the recorder's folder: a recorder of the same name (a live edit's,
a Stop then Run) in the same second, with the same count and random part, and the take's files were renamed over the
earlier take's (its audio gone, its journal row taken). The id is now one free in the folder.

The clash is made real through a real upload over HTTPS: the folder holds a take file under every id the recorder's
first take can be given in one second but 16 (the count 0001 and each random part of two bytes: 65,520 empty files);
the take must get one of those 16. Without the check it gets a random part, all but surely one of the files'.

Making that many files takes seconds on a busy machine, longer than a second's turn, so the second is not one to come:
the process's local time, which take ids are written in, is set (``TZ``, whole seconds off UTC) to read as the second
the folder was filled for as the upload is sent. An upload whose id falls in another second (a machine too busy) is
sent again to a recorder started anew on the folder, whose count starts again from 1, until one falls in it.

Why so many files: without the check the take gets a random part of two bytes, which clashes only where the folder
holds a file under it; the test fails without the check with the chance of the parts held (65,520 of 65,536: all but
surely). Half as many files would leave it one chance in two."""

from __future__ import annotations

import calendar
import contextlib
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.takes import file_stem

from .conftest import Client, rec_of, recorder_engine, sine

PARTS = 1 << 16  # the random part's values: two bytes
FREE = 16  # random parts left free: the recorder's search for one stays short
#: How long uploads are sent again while each one's id falls in another second than the one the folder was filled
#: for (each must be named within one real second: a busy machine misses some), a guard against a hang.
RETRY_SECONDS = 60.0


def fill(folder: Path, name: str, free: set[int]) -> None:
    """An empty take file in ``folder`` under each id ``name`` (recorder, second) with count 0001 can be given, but
    those with a random part in ``free``."""
    folder.mkdir(parents=True, exist_ok=True)
    start = f"{folder / file_stem(name)}-0001"  # the rest of the id is a file name's already
    for part in range(PARTS):
        if part not in free:
            os.close(os.open(f"{start}{part:04x}.wav", os.O_CREAT | os.O_WRONLY))


@contextlib.contextmanager
def local_time_reads(second: int) -> Iterator[None]:
    """For the block, the process's local time reads as UTC's ``second`` (since the epoch) from the real second begun
    now on: ``TZ`` set to the whole seconds between them."""
    begun = int(time.time()) + 1
    # Take ids are named by time.strftime, whose clock (time(2)) lags time.time()'s by up to a tick on Linux (5 ms
    # here): waited for too. Before, an upload named in the second's first milliseconds read the second before, and
    # most tries missed the second.
    while calendar.timegm(time.gmtime()) < begun:
        time.sleep(max(0.001, begun - time.time()))
    east = second - begun
    hours, rest = divmod(abs(east), 3600)
    was = os.environ.get("TZ")
    os.environ["TZ"] = f"XXX{'-' if east >= 0 else '+'}{hours:02d}:{rest // 60:02d}:{rest % 60:02d}"
    time.tzset()
    try:
        yield
    finally:
        if was is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = was
        time.tzset()


def test_an_uploaded_take_gets_an_id_its_folder_does_not_hold(tmp_path: Path, recorder_state: Path) -> None:
    folder = tmp_path / "takes"
    second = int(time.time())
    name = f"Mika-{time.strftime('%Y%m%d-%H%M%S', time.gmtime(second))}"
    free = {secrets.randbelow(PARTS) for _ in range(FREE)}
    fill(folder, name, free)
    wav = encode_wav_pcm16(sine(), 48000)
    deadline, tries = time.monotonic() + RETRY_SECONDS, 0
    while True:
        tries += 1
        engine = recorder_engine(tmp_path, recorder_state)  # its first take's count is 0001
        try:
            client = Client(engine, recorder_state / "recorder-cert.pem")
            assert rec_of(engine)._store.folder == folder
            with local_time_reads(second):
                status, reply = client.upload(wav, recorder="Mika", take_id=f"clash-{secrets.token_hex(4)}")
        finally:
            engine.stop()
        assert status == 201, reply
        if reply["take_id"].startswith(f"{name}-0001"):
            break
        assert time.monotonic() < deadline, (f"no upload's take id fell within the second its folder was filled for, "
                                             f"in {tries} tries over {RETRY_SECONDS:g} s")
    assert int(reply["take_id"][-4:], 16) in free, reply  # no earlier take's files taken
    assert (folder / f"{file_stem(reply['take_id'])}.wav").stat().st_size > 0
    assert len(list(folder.glob(f"{name}-0001*.wav"))) == PARTS - len(free) + 1  # every file there before is there
