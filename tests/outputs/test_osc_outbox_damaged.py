"""Takes ableton_max kept at a stop (``.sent-<node>.txt.unsent``) survive a crash and a damaged file: a record cut
short, garbage between records or a damaged header spoils that record only; it is told by name (file, record,
why), every intact record still goes, the node starts, and the file is kept aside.

Before, the file was length-prefixed frames back to back: an append after a frame cut short was read as part of
it (one garbled datagram sent, the frames after it lost), and a damaged JSON header raised out of the node's
start."""

from __future__ import annotations

import fcntl
import os
import socket
import threading
import time
from pathlib import Path

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.osc_outbox import Outbox, unsent_path
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.runtime.events import NodeStarted

from .helpers import receive_all, sine_take
from .test_osc_outbox_kept import sounds


def kept(folder: Path, to: tuple[str, int], payloads: list[bytes]) -> bytes:
    """What one stop appends to the kept file: a run whose sender waits for another run's ``folder`` (its lock held
    here) stops with ``payloads`` handed over."""
    folder.mkdir()
    log = folder / ".sent-live.txt"
    with open(log.with_name(log.name + ".lock"), "a") as other_run:
        fcntl.flock(other_run, fcntl.LOCK_EX)
        outbox = Outbox(log, lambda error: None)
        outbox.start()
        for payload in payloads:
            outbox.send(to, socket.AF_INET, payload, f"{payload.decode()}\tHH")
        assert outbox.close(timeout=0.2) == len(payloads)
    return unsent_path(log).read_bytes()


def damage(path: Path, offset: int, byte: bytes) -> None:
    data = bytearray(path.read_bytes())
    data[offset:offset + 1] = byte
    path.write_bytes(bytes(data))


def test_a_damaged_kept_file_sends_every_intact_record_and_names_each_damaged_one(tmp_path: Path) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    to = receiver.getsockname()
    log = tmp_path / ".sent-live.txt"
    unsent = unsent_path(log)
    errors: list[str] = []
    try:
        one_two = kept(tmp_path / "a", to, [b"one", b"two"])
        three = kept(tmp_path / "b", to, [b"three"])
        four_five = kept(tmp_path / "c", to, [b"four", b"five"])
        six = kept(tmp_path / "d", to, [b"six"])
        # The stops' appends, one after the other: a crash cut the append of "three" short, garbage was written
        # between records, and the first record's header was damaged.
        unsent.write_bytes(one_two + three[:len(three) // 2] + four_five + b"\x00\xffnot a bundle\n{}" + six)
        damage(unsent, 6, b"z")
        damaged = unsent.read_bytes()

        again = Outbox(log, errors.append)
        assert again.start((socket.AF_INET, to)) == 4  # the node's start does not fail
        assert receive_all(receiver, first=10.0) == [b"two", b"four", b"five", b"six"]  # whole, in order
        asides = list(tmp_path.glob(".sent-live.txt.unsent.damaged-*"))
        assert not unsent.exists() and len(asides) == 1 and asides[0].read_bytes() == damaged
        assert len(errors) == 3, errors
        assert errors[0].startswith(f"a take kept for Live is not sent: record 1 of {unsent} is damaged (its length "
                                    f"or checksum is unreadable")
        assert errors[1].startswith(f"a take kept for Live is not sent: record 3 of {unsent} is damaged (cut short (")
        assert errors[2].startswith(f"{unsent} holds 17 bytes that are no record after record 5")
        assert all(error.endswith(f"; the file is kept as {asides[0]}") for error in errors)
        assert again.close() == 0

        third = Outbox(log, errors.append)  # each went once: a third start has nothing to send
        assert third.start((socket.AF_INET, to)) == 0
        assert third.close() == 0
        assert receive_all(receiver, quiet=0.3) == []
    finally:
        receiver.close()


def test_a_node_whose_kept_file_has_a_damaged_header_starts_and_sends_the_rest(tmp_path: Path) -> None:
    """The copy an intact kept record names also survives the start's sweep of old copies (before, the sweep read
    the damaged file as naming none, and removed it)."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    live = tmp_path / "live"
    live.mkdir()
    log = live / ".sent-live.txt"
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {"port": receiver.getsockname()[1], "folder": str(live)}))
    try:
        with open(log.with_name(log.name + ".lock"), "a") as other_run:
            fcntl.flock(other_run, fcntl.LOCK_EX)
            engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
            engine.start(patch)
            for i in range(2):
                engine.inject("live", "assignment", SlotAssignment("one", sine_take(220.0 * (i + 1), seconds=0.05)))
            assert engine.wait_idle(5, settle=0.05)
            engine.stop()
            assert engine.status["live"]["unsent"] == 2
        damage(unsent_path(log), 6, b"z")
        old = time.time() - 3600
        for copy in live.glob("*.wav"):
            os.utime(copy, (old, old))

        again = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
        started: list[str] = []
        again.events.subscribe(lambda event: started.append(event.node_id), NodeStarted)
        again.start(patch)
        try:
            named = sounds(receive_all(receiver, first=10.0))
            assert started == ["live"]
            assert len(named) == 1 and Path(named[0]).is_file(), named
            assert "record 1 of" in again.errors["live"]
        finally:
            again.stop()
    finally:
        receiver.close()


def test_two_runs_that_stop_at_once_keep_every_bundle(tmp_path: Path) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    to = receiver.getsockname()
    log = tmp_path / ".sent-live.txt"
    runs = [Outbox(log, lambda error: None) for _ in range(2)]
    # 100 a run: the 200 kept bundles fit the receiver's default buffer (256 such datagrams here) when the next
    # start sends them faster than this test reads, as on a busy machine; 400 lost some there.
    sent = {run: [f"{n}-{i}".encode() for i in range(100)] for n, run in enumerate(runs)}
    try:
        with open(log.with_name(log.name + ".lock"), "a") as other_run:
            fcntl.flock(other_run, fcntl.LOCK_EX)
            for run, payloads in sent.items():
                run.start()
                for payload in payloads:
                    run.send(to, socket.AF_INET, payload, f"{payload.decode()}\tHH")
            closed: list[int] = []
            stops = [threading.Thread(target=lambda run=run: closed.append(run.close(timeout=0.2))) for run in runs]
            for stop in stops:
                stop.start()
            for stop in stops:
                stop.join()
            assert closed == [100, 100]
        again = Outbox(log, lambda error: None)
        assert again.start((socket.AF_INET, to)) == 200
        got = receive_all(receiver, first=10.0)
        assert sorted(got) == sorted(p for payloads in sent.values() for p in payloads)
        assert again.close() == 0
    finally:
        receiver.close()
