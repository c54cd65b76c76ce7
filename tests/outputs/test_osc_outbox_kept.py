"""Takes ableton_max kept at a stop (its sender could not send: another run held the folder) go at the next start
whole: the files their bundles name are still there, however many takes one slot had meanwhile.

Before, the node kept only the newest ``keep_per_slot`` copies of a slot on disk: a kept take past those had its
file removed before it was sent, and Live was told to load a file that no longer existed."""

from __future__ import annotations

import fcntl
import io
import os
import socket
import time
from pathlib import Path

from pythonosc.osc_bundle import OscBundle

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.osc_outbox import Outbox, unsent_path
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine

from .helpers import receive_all, sine_take


def run_of(patch: Patch) -> Engine:
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.start(patch)
    return engine


def sounds(datagrams: list[bytes]) -> list[str]:
    """The /sound (the file Live loads) of each bundle, in the order they came."""
    return [str(m.params[0]) for d in datagrams for m in OscBundle(d) if m.address == "/sound"]


def test_files_of_takes_kept_at_a_stop_outlive_the_slots_history_and_the_next_sweep(tmp_path: Path) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    live = tmp_path / "live"
    live.mkdir()
    log = live / ".sent-live.txt"
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {"port": receiver.getsockname()[1], "folder": str(live),
                                                    "keep_per_slot": 1}))
    takes = [sine_take(220.0 * (i + 1), seconds=0.05) for i in range(3)]  # no file of their own: copies for Live
    try:
        with open(log.with_name(log.name + ".lock"), "a") as other_run:  # another run's sender holds the folder
            fcntl.flock(other_run, fcntl.LOCK_EX)
            engine = run_of(patch)
            for take in takes:
                engine.inject("live", "assignment", SlotAssignment("one", take))
            assert engine.wait_idle(5, settle=0.05)
            engine.stop()
            assert engine.status["live"]["unsent"] == 3
        copies = sorted(live.glob("*.wav"))
        assert len(copies) == 3  # none removed: each is named by a bundle not sent yet
        old = time.time() - 3600
        for copy in copies:  # the next start's sweep removes old copies that nothing needs
            os.utime(copy, (old, old))

        again = run_of(patch)
        try:
            named = sounds(receive_all(receiver, first=10.0))
            assert len(named) == 3 and all(Path(name).is_file() for name in named), named
            assert sorted(Path(name) for name in named) == [c.resolve() for c in copies]
        finally:
            again.stop()
    finally:
        receiver.close()


def test_a_kept_bundle_whose_file_is_gone_is_dropped_and_told(tmp_path: Path) -> None:
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    log = tmp_path / ".sent-live.txt"
    here, gone = tmp_path / "here.wav", tmp_path / "gone.wav"
    here.write_bytes(b"")
    gone.write_bytes(b"")
    errors: list[str] = []
    to = receiver.getsockname()
    try:
        with open(log.with_name(log.name + ".lock"), "a") as other_run:
            fcntl.flock(other_run, fcntl.LOCK_EX)
            outbox = Outbox(log, errors.append)
            outbox.start()
            outbox.send(to, socket.AF_INET, b"gone", "t1\tHH", files=(str(gone),))
            outbox.send(to, socket.AF_INET, b"here", "t2\tHH", files=(str(here),))
            assert outbox.pending_files() == {str(gone), str(here)}
            assert outbox.close(timeout=0.2) == 2
        gone.unlink()
        errors.clear()  # the other run's hold, told while it waited
        again = Outbox(log, errors.append)
        assert again.start((socket.AF_INET, to)) == 1
        assert receive_all(receiver, first=10.0) == [b"here"]
        assert errors == [f"a take kept for Live is not sent: its file {gone} is gone"]
        assert again.close() == 0 and not unsent_path(log).exists()
    finally:
        receiver.close()


def test_takes_kept_at_a_stop_go_to_the_port_the_node_has_now_and_the_console_says_so(tmp_path: Path) -> None:
    """The node's port was changed between the runs (the device moved): the kept take goes to the new one. The
    console says, as the next run starts, that kept takes go now, how many and where (before, nothing did: a
    take reached Live that nobody had recorded in this run)."""
    old, new = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    old.bind(("127.0.0.1", 0))
    new.bind(("127.0.0.1", 0))
    live = tmp_path / "live"
    live.mkdir()
    log = live / ".sent-live.txt"
    before, after = Patch(), Patch()
    before.add_node(NodeSpec("live", "ableton_max", {"port": old.getsockname()[1], "folder": str(live)}))
    after.add_node(NodeSpec("live", "ableton_max", {"port": new.getsockname()[1], "folder": str(live)}))
    take = sine_take(440.0, seconds=0.05)
    try:
        with open(log.with_name(log.name + ".lock"), "a") as other_run:
            fcntl.flock(other_run, fcntl.LOCK_EX)
            engine = run_of(before)
            engine.inject("live", "assignment", SlotAssignment("one", take))
            assert engine.wait_idle(5, settle=0.05)
            engine.stop()
            assert engine.status["live"]["unsent"] == 1
        err = io.StringIO()
        console = StageConsole(after, err=err)
        again = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
        again.events.subscribe(console, *console.kinds())
        again.start(after)
        try:
            assert len(sounds(receive_all(new, first=10.0))) == 1
        finally:
            again.stop()
        assert receive_all(old, quiet=0.3) == []
        lines = [line.split(" ", 1)[1] for line in err.getvalue().splitlines()]
        assert lines == [f"ableton_max 'live': sending 1 take kept unsent at its last stop to 127.0.0.1:"
                         f"{new.getsockname()[1]}"], lines
    finally:
        old.close()
        new.close()


def test_kept_bundles_started_without_a_destination_go_first_with_the_next_send_to_its_own(tmp_path: Path) -> None:
    """The node's host could not be resolved at its start: what was kept waits, and goes first, to the first
    bundle's destination, once the node sends again; a close before that keeps it, and says so."""
    old, new = (socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2))
    old.bind(("127.0.0.1", 0))
    new.bind(("127.0.0.1", 0))
    log = tmp_path / ".sent-live.txt"
    errors: list[str] = []
    try:
        with open(log.with_name(log.name + ".lock"), "a") as other_run:
            fcntl.flock(other_run, fcntl.LOCK_EX)
            outbox = Outbox(log, errors.append)
            outbox.start()
            outbox.send(old.getsockname(), socket.AF_INET, b"kept", "t1\tHH")
            assert outbox.close(timeout=0.2) == 1
        unresolved = Outbox(log, errors.append)
        assert unresolved.start() == 0
        assert unresolved.close() == 1 and unsent_path(log).exists()  # still kept: the summary says so
        again = Outbox(log, errors.append)
        assert again.start() == 0
        assert again.send(new.getsockname(), socket.AF_INET, b"next", "t2\tHH") == 1  # the kept one went first
        assert receive_all(new, first=10.0) == [b"kept", b"next"]
        assert again.close() == 0 and not unsent_path(log).exists()
        assert receive_all(old, quiet=0.3) == []
    finally:
        old.close()
        new.close()


def test_what_another_run_keeps_while_this_one_sends_waits_for_a_start(tmp_path: Path) -> None:
    """A second run of the node stops while this one holds the folder: what it kept is not sent by this run's next
    take (it would reach Live mid-show, from a run that had stopped), but at a start."""
    receiver = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    receiver.bind(("127.0.0.1", 0))
    to = receiver.getsockname()
    log = tmp_path / ".sent-live.txt"
    errors: list[str] = []
    running = Outbox(log, errors.append)
    try:
        assert running.start() == 0
        assert running._ready.wait(10)  # its sender holds the folder
        stopped = Outbox(log, errors.append)
        stopped.start()
        stopped.send(to, socket.AF_INET, b"stopped's", "t1\tHH")
        assert stopped.close(timeout=0.2) == 1
        assert running.send(to, socket.AF_INET, b"running's", "t2\tHH") == 0
        assert receive_all(receiver, first=10.0) == [b"running's"]
        assert running.close() == 0 and unsent_path(log).exists()
        again = Outbox(log, errors.append)
        assert again.start((socket.AF_INET, to)) == 1
        assert receive_all(receiver, first=10.0) == [b"stopped's"]
        assert again.close() == 0
    finally:
        receiver.close()
