"""Takes kept at a stop (ableton_max's sender could not send: another run held the folder) whose copies are deleted
by hand during the next run: that run's stop summary counted them as kept for the next start, which then dropped
them (Live would load nothing). The count now follows what the next start sends: a take whose file is gone is told
and dropped at the stop, and the summary says how many really wait."""

from __future__ import annotations

import fcntl
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.commands.run import unsent_counts, unsent_text
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


def run_of(patch: Patch, errors: list[str]) -> Engine:
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.events.subscribe(lambda event: errors.append(event.error), NodeError)
    engine.start(patch)
    return engine


def test_a_kept_takes_file_deleted_mid_run_is_not_counted_as_kept_at_the_stop(
        tmp_path: Path, receiver: socket.socket) -> None:
    live = tmp_path / "live"
    live.mkdir()
    log = live / ".sent-live.txt"
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {"port": receiver.getsockname()[1], "folder": str(live)}))
    slots = ["one", "two", "three"]
    errors: list[str] = []
    with open(log.with_name(log.name + ".lock"), "a") as other_run:  # another run's sender holds the folder
        fcntl.flock(other_run, fcntl.LOCK_EX)
        first = run_of(patch, errors)
        for n, slot in enumerate(slots):
            first.inject("live", "assignment", SlotAssignment(slot, sine_take(220.0 * (n + 1), seconds=0.05)))
        assert first.wait_idle(5, settle=0.05)
        first.stop()
        assert first.status["live"]["unsent"] == 3
        copies = sorted(live.glob("*.wav"))
        assert len(copies) == 3

        second = run_of(patch, errors)  # hands the three over to its sender, which waits for the folder
        assert second.status["live"]["sending_kept"] == 3
        copies[0].unlink()  # by hand, mid-run
        second.stop()
        assert second.status["live"]["unsent"] == 2
        assert unsent_text(unsent_counts(second)) == "; 2 takes not sent to Live by 'live', kept for its next start"
        assert any(f"not kept for the next start: its file {copies[0]} is gone" in e for e in errors), errors
        fcntl.flock(other_run, fcntl.LOCK_UN)

    errors.clear()
    third = run_of(patch, errors)  # sends what the summary said, no more
    try:
        named = sounds(receive_all(receiver, first=10.0))
    finally:
        third.stop()
    assert sorted(named) == [str(c.resolve()) for c in copies[1:]] and errors == []
    assert third.status["live"]["unsent"] == 0 and unsent_text(unsent_counts(third)) == ""
    assert not unsent_path(log).exists()


def test_kept_takes_not_handed_over_count_only_those_whose_files_are_there(tmp_path: Path,
                                                                           receiver: socket.socket) -> None:
    """A start without a destination hands nothing over: its close counts what the next start will send."""
    log = tmp_path / ".sent-live.txt"
    here, gone = tmp_path / "here.wav", tmp_path / "gone.wav"
    here.write_bytes(b"")
    gone.write_bytes(b"")
    errors: list[str] = []
    to = receiver.getsockname()
    with open(log.with_name(log.name + ".lock"), "a") as other_run:
        fcntl.flock(other_run, fcntl.LOCK_EX)
        outbox = Outbox(log, errors.append)
        outbox.start()
        outbox.send(to, socket.AF_INET, b"gone", "t1\tHH", files=(str(gone),))
        outbox.send(to, socket.AF_INET, b"here", "t2\tHH", files=(str(here),))
        assert outbox.close(timeout=0.2) == 2
    unresolved = Outbox(log, errors.append)
    assert unresolved.start() == 0
    gone.unlink()  # by hand, during the run
    assert unresolved.close() == 1
    again = Outbox(log, errors.append)
    assert again.start((socket.AF_INET, to)) == 1
    assert receive_all(receiver, first=10.0) == [b"here"]
    assert again.close() == 0


def test_a_take_dropped_at_the_stop_for_its_file_ends_gone_not_kept(tmp_path: Path, receiver: socket.socket) -> None:
    """Before, each bundle not sent at the stop had its ``done`` called with "kept", those dropped for a file gone
    too: their takes ended "not sent to Live yet: kept for the next start", which sends nothing of them."""
    log = tmp_path / ".sent-live.txt"
    here, gone = tmp_path / "here.wav", tmp_path / "gone.wav"
    here.write_bytes(b"")
    gone.write_bytes(b"")
    errors: list[str] = []
    words: dict[str, str] = {}
    to = receiver.getsockname()
    with open(log.with_name(log.name + ".lock"), "a") as other_run:  # the sender cannot send: the stop keeps both
        fcntl.flock(other_run, fcntl.LOCK_EX)
        outbox = Outbox(log, errors.append)
        outbox.start()
        outbox.send(to, socket.AF_INET, b"gone", "t1\tHH", files=(str(gone),), done=lambda w: words.update(t1=w))
        outbox.send(to, socket.AF_INET, b"here", "t2\tHH", files=(str(here),), done=lambda w: words.update(t2=w))
        gone.unlink()  # by hand, during the run
        assert outbox.close(timeout=0.2) == 1
    assert words == {"t1": "gone", "t2": "kept"}
    assert errors[-1] == f"a take for Live not sent is not kept for the next start: its file {gone} is gone", errors
