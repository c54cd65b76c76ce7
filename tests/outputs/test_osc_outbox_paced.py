"""A start that sends again hundreds of kept takes sent them all at once: a receiver's default UDP buffer holds about
256 small datagrams, so a start with 600 kept takes lost most of them before a receiver that reads slowly read them.
The sender now paces what it sends (:data:`~exsampling_patch.nodes.osc_sender.BATCH` at most every
``BATCH_SECONDS``). The receiver is ``ableton_max``'s, the original Max for Live device (not in this repository):
how often it reads is not known here, so the test's receiver reads slowly.

A real UDP receiver with its default buffer, read slowly (a thread that takes what has come, 64 at most, then
sleeps 100 ms), and a real sender process."""

from __future__ import annotations

import itertools
import socket
import threading
from pathlib import Path

from exsampling_patch.nodes.kept_bundles import Bundle, append_kept
from exsampling_patch.nodes.osc_outbox import Outbox, bundle_key, read_sent, unsent_path

KEPT = 600


def read_slowly(receiver: socket.socket, got: list[bytes], stop: threading.Event) -> None:
    """Take what has come, 64 datagrams at most, every 100 ms until ``stop``; then what is left."""
    receiver.setblocking(False)
    while True:
        last = stop.is_set()
        for _ in itertools.repeat(None) if last else range(64):
            try:
                got.append(receiver.recv(65536))
            except BlockingIOError:
                break
        if last:
            return
        stop.wait(0.1)


def test_hundreds_of_kept_bundles_all_reach_a_receiver_that_reads_slowly(tmp_path: Path) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the default buffer
    receiver.bind(("127.0.0.1", 0))
    to = receiver.getsockname()
    log = tmp_path / ".sent-live.txt"
    payloads = [f"/label take-{i:04d}".encode() for i in range(KEPT)]
    keys = [bundle_key(f"take-{i:04d}", "HH") for i in range(KEPT)]
    kept = [Bundle((socket.AF_INET, *to), p, k, False) for p, k in zip(payloads, keys, strict=True)]
    append_kept(unsent_path(log), kept)
    got: list[bytes] = []
    stop = threading.Event()
    reader = threading.Thread(target=read_slowly, args=(receiver, got, stop))
    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    reader.start()
    try:
        assert outbox.start((socket.AF_INET, to)) == KEPT
        assert outbox.close(timeout=120.0) == 0  # once the sender has sent (and logged) them all
        # everything sent is in the receiver's buffer or read by now: the reader takes what is left and ends
        stop.set()
        reader.join()
    finally:
        stop.set()
        receiver.close()
    assert sorted(got) == sorted(payloads)  # every one, once
    assert list(read_sent(log)[0]) == keys  # logged once each, in order
    assert not unsent_path(log).exists()
    assert errors == []
