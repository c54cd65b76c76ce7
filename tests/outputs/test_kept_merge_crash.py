"""A start adds each aside file (a stop's bundles, written beside the kept file while its lock was held) to the kept
file, then removes it. A crash between the two steps left both, holding the same records: the next start added the
aside file again, and each of its bundles went twice (an unkeyed one reached Live twice; the sent log stopped only a
keyed one). Records now carry ids, and the copies of one read as one.

The crash cannot be timed without hooks into the take-over, so the test lays down what it leaves."""

from __future__ import annotations

import shutil
import socket
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.nodes.kept_bundles import Bundle, append_kept, read_kept
from exsampling_patch.nodes.osc_outbox import Outbox, unsent_path

from .helpers import receive_all


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def crashed_merge(log: Path, to: tuple[str, int]) -> tuple[Path, Path]:
    """The kept file and an aside file as a take-over left them when it crashed after adding the aside file's
    records (two, unkeyed) to the kept file's own (one), before removing the aside file."""
    kept = unsent_path(log)
    append_kept(kept, [Bundle((socket.AF_INET, *to), b"kept", "", False)])
    aside = kept.with_name(f"{kept.name}.aside-{time.strftime('%Y%m%d-%H%M%S')}-1-1")
    staged = kept.with_name("staged")  # append_kept's records, as a stop whose lock wait ran out wrote them
    append_kept(staged, [Bundle((socket.AF_INET, *to), payload, "", False) for payload in (b"one", b"two")])
    shutil.move(staged, aside)
    with open(kept, "ab") as merged:  # the take-over's first step, done; its second (removing it) never came
        merged.write(aside.read_bytes())
    return kept, aside


def test_an_aside_file_a_crashed_start_had_added_is_sent_once(tmp_path: Path, receiver: socket.socket) -> None:
    to = receiver.getsockname()
    log = tmp_path / ".sent-live.txt"
    kept, aside = crashed_merge(log, to)

    bundles, damaged = read_kept(kept)  # what a stop's summary counts as kept
    assert [b.datagram for b in bundles] == [b"kept", b"one", b"two"] and damaged == []
    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    assert outbox.start((socket.AF_INET, to)) == 3
    assert receive_all(receiver, first=10.0) == [b"kept", b"one", b"two"]
    assert outbox.close() == 0 and errors == []
    assert not kept.exists() and not aside.exists()


def test_records_of_before_ids_are_each_read(tmp_path: Path) -> None:
    """A kept file written before records had ids: two identical records are two bundles (a take sent twice on
    purpose, to two runs' stops), as they were."""
    kept = unsent_path(tmp_path / ".sent-live.txt")
    body = b'{"to": [2, "127.0.0.1", 9], "key": "", "skip": false, "files": [], "datagram": "b2xk"}'
    record = b"\x1e%d %08x " % (len(body), zlib.crc32(body)) + body + b"\n"
    kept.write_bytes(record * 2)
    bundles, damaged = read_kept(kept)
    assert [b.datagram for b in bundles] == [b"old", b"old"] and damaged == []
