"""The kept takes' lock (``.sent-<node>.txt.unsent.lock``) held by a process that was stopped (SIGSTOP) in the middle
of its take-over hangs neither the next start nor the next stop of a node: the start leaves the kept takes where they
are, the stop writes its own aside, the sweep removes none of their copies, and one error names the lock file and the
holder's pid. Once the holder is gone, the next start sends them all, in order.

Before, each waited for the lock without a limit: the node's start (or stop) never returned."""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.commands.run import unsent_counts, unsent_text
from exsampling_patch.nodes.kept_bundles import LOCK_WAIT, Bundle, append_kept
from exsampling_patch.nodes.osc_outbox import Outbox, unsent_path
from exsampling_patch.nodes.take_files import TakeFiles
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.stop_news import unsent_unknown

from .test_osc_outbox import receive_all
from .test_osc_outbox_damaged import kept

HANG = 30.0
"""Far past the lock's wait: a call still running then is hung (the test fails instead of hanging with it)."""


@pytest.fixture
def receiver() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@pytest.fixture
def stopped_holder(tmp_path: Path) -> Iterator[Callable[[Path], subprocess.Popen[str]]]:
    """Starts a process that takes over ``unsent`` (another start) and stops it with SIGSTOP as it holds the lock."""
    started: list[subprocess.Popen[str]] = []

    def hold(unsent: Path) -> subprocess.Popen[str]:
        script = textwrap.dedent(f"""
            import sys
            from pathlib import Path
            from exsampling_patch.nodes.kept_bundles import taking_kept
            with taking_kept(Path({str(unsent)!r})):
                print("held", flush=True)
                sys.stdin.readline()
                raise SystemExit("a take-over that must not finish")
        """)
        holder = subprocess.Popen([sys.executable, "-c", script], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)
        started.append(holder)
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        os.kill(holder.pid, signal.SIGSTOP)
        return holder

    yield hold
    for holder in started:
        holder.kill()
        holder.wait()


def returns(call: Callable[[], Any]) -> Any:
    """What ``call`` returns, run in a thread; fails if it is still running after :data:`HANG`."""
    result: list[Any] = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    thread.join(HANG)
    assert not thread.is_alive(), f"hung: still waiting after {HANG} s (the lock waits {LOCK_WAIT} s)"
    return result[0]


def test_a_start_with_the_lock_held_by_a_stopped_process_leaves_the_kept_takes_for_the_next(
        tmp_path: Path, receiver: socket.socket, stopped_holder: Callable[[Path], subprocess.Popen[str]]) -> None:
    to = receiver.getsockname()
    kept_bytes = kept(tmp_path / "live", to, [b"one", b"two"])
    log = tmp_path / "live" / ".sent-live.txt"
    unsent = unsent_path(log)
    holder = stopped_holder(unsent)

    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    assert returns(lambda: outbox.start((socket.AF_INET, to))) == 0
    assert unsent.read_bytes() == kept_bytes  # where they were, whole
    lock = f"{unsent}.lock"
    assert len(errors) == 1 and lock in errors[0] and f"process {holder.pid} " in errors[0], errors
    assert returns(outbox.close) == 0  # none of its own; the kept ones it cannot count while the lock is stuck:
    assert lock in outbox.uncounted and f"process {holder.pid}," in outbox.uncounted  # it says so, and why
    assert receive_all(receiver) == []

    holder.kill()  # stopped in its take-over: the file is left as it was
    holder.wait()
    again = Outbox(log, errors.append)
    assert again.start((socket.AF_INET, to)) == 2
    assert receive_all(receiver, first=10.0) == [b"one", b"two"]
    assert again.close() == 0 and not unsent.exists() and len(errors) == 1


def test_a_stop_counts_the_kept_takes_a_start_left_once_their_lock_is_free(
        tmp_path: Path, receiver: socket.socket, stopped_holder: Callable[[Path], subprocess.Popen[str]]) -> None:
    """The start left the kept takes in their file (its lock stuck); the holder gone by the stop, they are still
    unsent, for the next start: the stop's count has them. It said 0, and the summary nothing of them."""
    to = receiver.getsockname()
    kept(tmp_path / "live", to, [b"one", b"two"])
    log = tmp_path / "live" / ".sent-live.txt"
    holder = stopped_holder(unsent_path(log))
    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    assert returns(lambda: outbox.start((socket.AF_INET, to))) == 0
    holder.kill()
    holder.wait()
    assert returns(outbox.close) == 2 and outbox.uncounted == ""
    assert receive_all(receiver) == [] and len(errors) == 1, errors


def test_the_summary_says_kept_takes_it_cannot_count_and_why(
        tmp_path: Path, receiver: socket.socket, stopped_holder: Callable[[Path], subprocess.Popen[str]]) -> None:
    """ableton_max run and stopped while a stopped process holds the kept takes' lock: the summary (console and the
    editor's Stop alike) says takes kept earlier wait, how many unknown, and why. It said nothing: 0 unsent."""
    to = receiver.getsockname()
    kept(tmp_path / "live", to, [b"one"])
    log = tmp_path / "live" / ".sent-live.txt"
    holder = stopped_holder(unsent_path(log))
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_max", {"port": to[1], "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.start(patch)
    engine.stop()
    said = unsent_text(unsent_counts(engine), unsent_unknown(engine.status_snapshot()))
    assert said.startswith("; takes an earlier run kept for Live not sent by 'live', kept for its next start (how "
                           f"many is unknown: {unsent_path(log)}.lock is "), said
    assert f"process {holder.pid}" in said and receive_all(receiver) == []


def kept_lock_errors(errors: list[str], folder: Path) -> list[str]:
    """``errors`` but the sender's "folder in use": the test holds the sent log's lock on purpose, and the sender says
    so once it has waited ``QUIET_SECONDS`` (1 s), which the holder's start (a Python process: over a second on a
    loaded machine) may outlast before the stop, or not. Said at most once."""
    in_use = [error for error in errors if error.startswith(f"the folder {folder} is in use by another run")]
    assert len(in_use) <= 1, errors
    return [error for error in errors if error not in in_use]


def test_a_stop_with_the_lock_held_by_a_stopped_process_keeps_its_takes_aside_and_the_sweep_their_copies(
        tmp_path: Path, receiver: socket.socket, stopped_holder: Callable[[Path], subprocess.Popen[str]]) -> None:
    to = receiver.getsockname()
    live = tmp_path / "live"
    live.mkdir()
    log = live / ".sent-live.txt"
    unsent = unsent_path(log)
    copies = [live / f"take-{n}.wav" for n in range(2)]
    old = time.time() - 3600
    for copy in copies:  # copies Live has not been sent yet, from long ago: what a sweep removes if nothing names them
        copy.write_bytes(b"RIFF")
        os.utime(copy, (old, old))

    errors: list[str] = []
    with open(log.with_name(log.name + ".lock"), "a") as other_run:  # this run's sender cannot send
        fcntl.flock(other_run, fcntl.LOCK_EX)
        outbox = Outbox(log, errors.append)
        outbox.start()
        for n, copy in enumerate(copies):
            outbox.send(to, socket.AF_INET, b"take %d" % n, f"take {n}\tHH", files=(str(copy),))
        append_kept(unsent, [Bundle((socket.AF_INET, *to), b"earlier", "earlier\tHH", False)])  # another run's stop
        earlier = unsent.read_bytes()
        holder = stopped_holder(unsent)  # a start taking it over
        assert returns(lambda: outbox.close(timeout=0.2)) == 2
    asides = list(live.glob(".sent-live.txt.unsent.aside-*"))
    assert len(asides) == 1 and unsent.read_bytes() == earlier
    told = kept_lock_errors(errors, live)
    assert len(told) == 1, errors
    assert f"{unsent}.lock" in told[0] and f"process {holder.pid} " in told[0] and str(asides[0]) in told[0]
    assert returns(TakeFiles(live).sweep) == 0  # it cannot tell what the kept takes name: it removes nothing
    assert all(copy.exists() for copy in copies)

    holder.kill()
    holder.wait()
    assert TakeFiles(live).sweep() == 0  # the aside names them
    assert all(copy.exists() for copy in copies)
    again = Outbox(log, errors.append)
    assert again.start((socket.AF_INET, to)) == 3, errors
    assert receive_all(receiver, first=10.0) == [b"earlier", b"take 0", b"take 1"]
    assert again.close() == 0 and not unsent.exists() and not list(live.glob("*.aside-*"))
    assert kept_lock_errors(errors, live) == told, errors


def test_a_start_waits_for_a_stuck_holder_once_not_for_its_sweep_and_its_take_over_each(
        tmp_path: Path, receiver: socket.socket, stopped_holder: Callable[[Path], subprocess.Popen[str]]) -> None:
    """A node's start reads the kept file for its sweep, then takes it over: each waited the whole bound for the same
    stopped holder (2 s). The take-over now gives up at once, and says the holder is still the one that held it."""
    to = receiver.getsockname()
    kept_bytes = kept(tmp_path / "live", to, [b"one"])
    log = tmp_path / "live" / ".sent-live.txt"
    unsent = unsent_path(log)
    holder = stopped_holder(unsent)

    assert returns(TakeFiles(tmp_path / "live").sweep) == 0  # waited: it cannot tell what the kept takes name
    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    assert returns(lambda: outbox.start((socket.AF_INET, to))) == 0
    assert len(errors) == 1 and f"{unsent}.lock is still held by process {holder.pid}, which held it for more " \
        f"than {LOCK_WAIT:g} s moments ago" in errors[0], errors
    assert returns(outbox.close) == 0 and unsent.read_bytes() == kept_bytes


def test_another_holder_than_the_stuck_one_is_waited_for(
        tmp_path: Path, receiver: socket.socket, stopped_holder: Callable[[Path], subprocess.Popen[str]]) -> None:
    to = receiver.getsockname()
    kept(tmp_path / "live", to, [b"one"])
    log = tmp_path / "live" / ".sent-live.txt"
    unsent = unsent_path(log)
    first = stopped_holder(unsent)
    assert returns(TakeFiles(tmp_path / "live").sweep) == 0
    first.kill()
    first.wait()
    second = stopped_holder(unsent)  # another start, stopped too: not known to be stuck yet
    errors: list[str] = []
    outbox = Outbox(log, errors.append)
    assert returns(lambda: outbox.start((socket.AF_INET, to))) == 0
    assert len(errors) == 1 and f"{unsent}.lock is held by process {second.pid} for more than {LOCK_WAIT:g} s" \
        in errors[0], errors
    assert returns(outbox.close) == 0
