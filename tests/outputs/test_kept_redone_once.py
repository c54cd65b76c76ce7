"""A take ableton_max kept at a stop (another run held its folder, so its sender could not send) reaches the Max for
Live device once at the next start, though it goes there twice over: the outbox hands over the kept bundle, and the
folder source passes the take on again (it never ended: the node kept it open until sent), so the node sends it anew.

A real folder source, fixed_slot and ableton_max over real UDP, the device a UDP socket; the other run's hold on the
folder is a real lock on its lock file. The next start's own bundle goes with ``skip_if_sent``, after the kept one in
the sender's pipe: the kept one is sent and logged, the redone one skipped. The other run may still hold the folder
at that start: both then wait in the sender, in the same order. Or the kept file's own lock is held past its wait at
that start (a stuck process): the kept bundle waits for the start after, and the redone one goes first; the kept
one, handed over again, is then skipped, as its key is logged."""

from __future__ import annotations

import fcntl
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO

import pytest
from pythonosc.osc_bundle import OscBundle

from exsampling_patch.nodes.ableton import AbletonMax
from exsampling_patch.nodes.osc_outbox import unsent_path
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import write_take

from .helpers import receive_all, sine_take


def started(tmp_path: Path, port: int, ended: list[TakeEnded] | None = None) -> Engine:
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(tmp_path / "inbox"), "poll_interval": 0.05}))
    patch.add_node(NodeSpec("slots", "fixed_slot", {"slot": "HH"}))
    patch.add_node(NodeSpec("live", "ableton_max", {"port": port, "folder": str(tmp_path / "live")}))
    patch.connect("inbox.take", "slots.take")
    patch.connect("slots.assignment", "live.assignment")
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    if ended is not None:
        engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    return engine


def all_done(engine: Engine, log: Path) -> bool:
    """Whether the node's sender is done with every bundle (the kept ones handed over too): none can come later."""
    node = engine.node("live")
    assert isinstance(node, AbletonMax)
    return not unsent_path(log).exists() and not node.outbox.pending_files()


def wait_until(done: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, what
        time.sleep(0.01)


def held(lock: Path) -> IO[str]:
    """``lock`` held by a real lock of its own, as another process holds it, until the file returned is closed."""
    opened = open(lock, "a")  # noqa: SIM115 (closed by the caller, in the middle of a run for one test)
    fcntl.flock(opened, fcntl.LOCK_EX)
    return opened


def first_run_kept(tmp_path: Path, port: int) -> None:
    """A run that stops, while another run holds the folder, with a take from the inbox kept unsent."""
    engine = started(tmp_path, port)
    try:
        made = write_take(sine_take(440.0, seconds=0.1), tmp_path / "knock.wav")
        assert made.path is not None
        os.replace(made.path, tmp_path / "inbox" / "knock.wav")
        wait_until(lambda: engine.status.get("live", {}).get("slot") == "HH", "the take never reached live")
    finally:
        engine.stop()
    assert engine.status["live"]["unsent"] == 1


def labels(datagrams: list[bytes]) -> list[str]:
    return [str(m.params[0]) for d in datagrams for m in OscBundle(d) if m.address == "/label"]


# released_first: the other run lets the folder go before the next start (the kept bundle goes at once, the redone
# one after it); else after it (both wait in the sender, and go in the order handed over).
@pytest.mark.parametrize("released_first", [True, False])
def test_a_kept_take_passed_on_again_reaches_the_device_once(tmp_path: Path, released_first: bool) -> None:
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    port = device.getsockname()[1]
    (tmp_path / "inbox").mkdir()
    (tmp_path / "live").mkdir()
    log = tmp_path / "live" / ".sent-live.txt"
    other_run = held(log.with_name(log.name + ".lock"))  # another run's sender holds the folder
    try:
        first_run_kept(tmp_path, port)
        assert unsent_path(log).stat().st_size > 0
        if released_first:
            other_run.close()
        ended: list[TakeEnded] = []
        engine = started(tmp_path, port, ended)
        try:
            wait_until(lambda: engine.status.get("inbox", {}).get("recovered") is True, "the take was not redone")
            if not released_first:
                other_run.close()
            # The redone take ends once its sender is done with its bundle, which it has after the kept one.
            wait_until(lambda: bool(ended) and all_done(engine, log), "the sender was not done with the bundles")
            got = receive_all(device, quiet=0.1)
        finally:
            engine.stop()
        assert labels(got) == ["HH"], labels(got)
        assert engine.status["live"].get("already_sent") is True  # the kept one went, the redone one was skipped
        assert engine.status["live"].get("unsent", 0) == 0 and not unsent_path(log).exists()
    finally:
        other_run.close()
        device.close()


def test_a_kept_take_sent_again_first_does_not_reach_the_device_a_second_time(tmp_path: Path) -> None:
    device = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    device.bind(("127.0.0.1", 0))
    port = device.getsockname()[1]
    (tmp_path / "inbox").mkdir()
    (tmp_path / "live").mkdir()
    log = tmp_path / "live" / ".sent-live.txt"
    try:
        with held(log.with_name(log.name + ".lock")):  # another run's sender holds the folder
            first_run_kept(tmp_path, port)
        with held(unsent_path(log).with_name(unsent_path(log).name + ".lock")):  # stuck: kept on
            engine = started(tmp_path, port)
            try:
                wait_until(lambda: engine.status.get("inbox", {}).get("recovered") is True, "the take was not redone")
                got = receive_all(device, quiet=0.2, first=10.0)
            finally:
                engine.stop()
        assert labels(got) == ["HH"] and unsent_path(log).exists()  # the redone take went; the kept one waits
        engine = started(tmp_path, port)
        try:
            wait_until(lambda: all_done(engine, log), "the kept bundle was not handed over, or not done")
            got = receive_all(device, quiet=0.1)
        finally:
            engine.stop()
        assert labels(got) == [], labels(got)
    finally:
        device.close()
