"""Takes kept at a stop are handed to the next start's sender, which waits while another run holds the folder. A
take's copy deleted by hand meanwhile still went to Live (naming a file Live cannot load), and the start's
``sending_kept`` counted it. The sender now checks a bundle's files when its turn comes: a bundle whose file is gone
is not sent, the node says so once, and its count goes down."""

from __future__ import annotations

import fcntl
import io
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.commands.run import unsent_counts, unsent_text
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.osc_outbox import Outbox, unsent_path
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError

from .helpers import receive_all, sine_take
from .test_osc_outbox_kept import sounds


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


def engine_for(patch: Patch, errors: list[str], console: StageConsole | None = None) -> Engine:
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.events.subscribe(lambda event: errors.append(event.error), NodeError)
    if console is not None:
        engine.events.subscribe(console, *console.kinds())
    return engine


def test_a_kept_take_deleted_while_its_sender_waits_is_not_sent_nor_counted(tmp_path: Path,
                                                                             receiver: socket.socket) -> None:
    live = tmp_path / "live"
    live.mkdir()
    log = live / ".sent-live.txt"
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {"port": receiver.getsockname()[1], "folder": str(live)}))
    errors: list[str] = []
    with open(log.with_name(log.name + ".lock"), "a") as other_run:  # another run's sender holds the folder
        fcntl.flock(other_run, fcntl.LOCK_EX)
        first = engine_for(patch, errors)
        first.start(patch)
        for n, slot in enumerate(["one", "two", "three"]):
            first.inject("live", "assignment", SlotAssignment(slot, sine_take(220.0 * (n + 1), seconds=0.05)))
        assert first.wait_idle(5, settle=0.05)
        first.stop()
        assert first.status["live"]["unsent"] == 3
        copies = sorted(live.glob("*.wav"))
        assert len(copies) == 3

        err = io.StringIO()
        second = engine_for(patch, errors, StageConsole(patch, err=err))
        second.start(patch)  # hands the three over; its sender waits for the folder
        assert second.status["live"]["sending_kept"] == 3
        copies[0].unlink()  # by hand, while the sender waits
        fcntl.flock(other_run, fcntl.LOCK_UN)
    try:
        named = sounds(receive_all(receiver, first=10.0))
        deadline = time.monotonic() + 5.0  # the sender's "gone" is read on the outbox's reader thread
        while second.status["live"]["sending_kept"] != 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        second.stop()
    assert sorted(named) == [str(c.resolve()) for c in copies[1:]]
    assert second.status["live"]["sending_kept"] == 2
    said = [e for e in errors if str(copies[0]) in e]
    assert said == [f"a take kept at the last stop for Live is not sent: its file {copies[0]} is gone (deleted while "
                    "it waited to go)"], errors
    assert second.status["live"]["unsent"] == 0 and unsent_text(unsent_counts(second)) == ""
    assert not unsent_path(log).exists()
    lines = [line.split(" ", 1)[1] for line in err.getvalue().splitlines() if "sending" in line]
    assert lines == [f"ableton_max 'live': sending 3 takes kept unsent at its last stop to 127.0.0.1:"
                     f"{receiver.getsockname()[1]}"], lines  # said once, at the start; not again at the drop


def test_a_takes_copy_deleted_before_its_sender_holds_the_lock_is_not_sent(tmp_path: Path,
                                                                          receiver: socket.socket) -> None:
    """A bundle of this run (not a kept one) whose file went while the sender waited: not sent, told once, not
    kept at the stop (its sender is done with it), and its key not logged (a redo writes the copy anew)."""
    log = tmp_path / ".sent-live.txt"
    here, gone = tmp_path / "here.wav", tmp_path / "gone.wav"
    here.write_bytes(b"")
    gone.write_bytes(b"")
    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    to = receiver.getsockname()
    with open(log.with_name(log.name + ".lock"), "a") as other_run:
        fcntl.flock(other_run, fcntl.LOCK_EX)
        outbox.start()
        outbox.send(to, socket.AF_INET, b"gone", "t1\tHH", files=(str(gone),))
        outbox.send(to, socket.AF_INET, b"here", "t2\tHH", files=(str(here),))
        gone.unlink()
        fcntl.flock(other_run, fcntl.LOCK_UN)
    try:
        assert receive_all(receiver, first=10.0) == [b"here"]
    finally:
        assert outbox.close() == 0
    assert [e for e in errors if "is gone" in e] == [
        f"a take for Live is not sent: its file {gone} is gone (deleted while it waited to go)"], errors
    assert outbox.kept_sending == 0
    assert log.read_text(encoding="utf-8") == "t2\tHH\n"
