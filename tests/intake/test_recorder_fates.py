"""The recorder writes a take down as done when it has ended (not when it is queued), a phone's retry after a
restart has one effect, the phone's list shows each take's end, and a filling disk is reported before takes
are refused (issue 16: the kill -9, silent take and disk rows)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import seen as seen_module
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.runtime import NodeError, TakeEnded
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, registry, sine

GATE = threading.Event()


class Held(Node):
    """A sink whose handler waits for GATE: a take in flight for as long as the test wants."""

    type_name = "test_held"
    hang_after = 60.0
    take = Input(TAKE, multiple=True)

    def start(self) -> None:
        self.entered = threading.Event()
        self.got: list[Take] = []

    def on_take(self, take: Take) -> None:
        self.entered.set()
        GATE.wait(20)
        self.got.append(take)


class Stopping(Node):
    """A sink whose handler waits until its node is stopped, then fails, as the classifier does when the patch
    stops while takes are queued for it ("the classifier's process is stopped")."""

    type_name = "test_stopping"
    hang_after = 60.0
    take = Input(TAKE, multiple=True)

    def start(self) -> None:
        self.entered = threading.Event()
        self.stopped = threading.Event()
        self.failed = 0

    def on_take(self, take: Take) -> None:
        self.entered.set()
        self.stopped.wait(20)
        self.failed += 1
        raise RuntimeError("the classifier's process is stopped")

    def stop(self) -> None:
        self.stopped.set()
        super().stop()


def engine_of(tmp_path: Path, state: Path, sink: str, events: list[Any] | None = None, **params: Any) -> Engine:
    reg = registry()
    reg.register(Held, "tests")
    reg.register(Stopping, "tests")
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(tmp_path / "takes"), "state_folder": str(state),
                                                   "host": "127.0.0.1", "port": 0, "print_qr": False, **params}))
    if sink == "trim":
        patch.add_node(NodeSpec("trim", "trim", {}))
        patch.connect("rec.take", "trim.take")
        sink = "test_probe"
        patch.add_node(NodeSpec("probe", sink, {}))
        patch.connect("trim.out", "probe.take")
    else:
        patch.add_node(NodeSpec("probe", sink, {}))
        patch.connect("rec.take", "probe.take")
    engine = Engine(reg, base_dir=tmp_path, pin_workers=False)
    if events is not None:
        engine.events.subscribe(events.append)
    engine.start(patch)
    assert not engine.errors, engine.errors
    return engine


def test_a_take_is_done_when_it_has_ended_not_when_it_is_queued(tmp_path: Path, recorder_state: Path) -> None:
    """Before: the journal marked a take when it was queued; a kill -9 then lost it for good."""
    GATE.clear()
    engine = engine_of(tmp_path, recorder_state, "test_held")
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        status, reply = client.upload(encode_wav_pcm16(sine(), 48000), take_id="t1")
        assert status == 201
        held: Any = engine.node("probe")
        assert held.entered.wait(5)
        assert reply["take_id"] not in TakeStore(tmp_path / "takes").processed_ids()  # in flight: not done
    finally:
        engine.stop(timeout=0.3)  # as if the process died: the handler is still busy with it
    GATE.set()
    GATE.clear()
    engine = engine_of(tmp_path, recorder_state, "test_held")  # the next start redoes it
    try:
        held = engine.node("probe")
        assert held.entered.wait(5)
        GATE.set()
        assert engine.wait_idle(5)
        assert [t.take_id for t in held.got] == [reply["take_id"]] and held.got[0].meta["recovered"] is True
        assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
    finally:
        GATE.set()
        engine.stop()


def test_takes_failing_because_the_patch_stops_are_redone_at_the_next_start(tmp_path: Path,
                                                                            recorder_state: Path) -> None:
    """Ctrl+C during a burst: the nodes stopped with takes still queued, each failed on its stopped node, ended as
    an error ("error in classifier: ... process is stopped", a line each on the console) and was written down as
    done: never passed on again, though the phone was told "received". A take that the stop cuts off is not done:
    it ends nowhere, is not reported as a node's error, and is passed on at the next start."""
    events: list[Any] = []
    engine = engine_of(tmp_path, recorder_state, "test_stopping", events)
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        wav = encode_wav_pcm16(sine(), 48000)
        stored = [client.upload(wav, take_id=f"cut-{i}")[1]["take_id"] for i in range(3)]
        stopping: Any = engine.node("probe")
        assert stopping.entered.wait(5)
    finally:
        engine.stop(timeout=0.3)  # the first take is being handled, two are queued
    assert stopping.failed >= 1  # the handler did fail on its stopped node
    assert not [e for e in events if isinstance(e, NodeError)], events
    assert not [e for e in events if isinstance(e, TakeEnded)], events
    assert TakeStore(tmp_path / "takes").processed_ids() & set(stored) == set()
    engine = engine_of(tmp_path, recorder_state, "test_probe")  # the next start passes all three on
    try:
        assert sorted(t.take_id for t in probe_of(engine).wait_for(3)) == sorted(stored)
    finally:
        engine.stop()


def test_a_phones_retry_after_a_restart_has_one_effect(tmp_path: Path, recorder_state: Path) -> None:
    """Before: the take-id table lived in memory; the retry was stored and played a second time."""
    wav = encode_wav_pcm16(sine(), 48000)
    engine = engine_of(tmp_path, recorder_state, "test_probe")
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        status, first = client.upload(wav, take_id="retry-1")
        assert status == 201 and probe_of(engine).wait_for(1)
        assert engine.wait_idle()
    finally:
        engine.stop()
    engine = engine_of(tmp_path, recorder_state, "test_probe")
    try:
        again = Client(engine, recorder_state / "recorder-cert.pem")
        again.phone_key = client.phone_key  # the same phone, retrying
        status, second = again.upload(wav, take_id="retry-1")
        assert status == 200 and second["duplicate"] is True and second["take_id"] == first["take_id"]
        assert engine.wait_idle(settle=0.2)
        assert probe_of(engine).received == []
        assert len(list((tmp_path / "takes").glob("*.wav"))) == 1
    finally:
        engine.stop()


def test_a_stored_take_not_yet_acknowledged_is_still_known_after_a_crash(tmp_path: Path,
                                                                        recorder_state: Path) -> None:
    """A kill between storing a take and writing its id down: the retry finds it through the recovered take."""
    wav = encode_wav_pcm16(sine(), 48000)
    engine = engine_of(tmp_path, recorder_state, "test_probe")
    client = Client(engine, recorder_state / "recorder-cert.pem")
    try:
        status, first = client.upload(wav, take_id="lost-ack")
        assert status == 201 and engine.wait_idle()
    finally:
        engine.stop()
    # as if the process had died before the seen entry and the done mark were written
    seen = recorder_state / seen_module.SEEN_FILE
    seen.write_text("".join(line + "\n" for line in seen.read_text().splitlines() if "lost-ack" not in line))
    journal = tmp_path / "takes" / ".processed"
    journal.write_text(journal.read_text().replace(first["take_id"] + "\n", ""))
    engine = engine_of(tmp_path, recorder_state, "test_probe")
    try:
        assert probe_of(engine).wait_for(1)[0].take_id == first["take_id"]  # recovered, once
        again = Client(engine, recorder_state / "recorder-cert.pem")
        again.phone_key = client.phone_key
        status, second = again.upload(wav, take_id="lost-ack")
        assert status == 200 and second.get("duplicate") is True and second["take_id"] == first["take_id"]
        assert engine.wait_idle(settle=0.2) and len(probe_of(engine).received) == 1
    finally:
        engine.stop()


def test_a_silent_take_tells_the_phone_it_was_silent(tmp_path: Path, recorder_state: Path) -> None:
    """Before: 201 "received", trim dropped it, the phone showed "received" forever."""
    engine = engine_of(tmp_path, recorder_state, "trim")
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        status, reply = client.upload(encode_wav_pcm16(np.zeros(48000, np.float32), 48000), take_id="hush")
        assert status == 201 and engine.wait_idle(settle=0.1)
        status, listing = client.request("GET", "/api/takes")
        (row,) = listing["takes"]
        assert row["fate"] == "dropped" and row["end"] == "silent" and row["status"] == "dropped"
        assert reply["take_id"] in TakeStore(tmp_path / "takes").processed_ids()
    finally:
        engine.stop()


def test_a_filling_disk_is_reported_before_takes_are_refused(tmp_path: Path, recorder_state: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A disk filling up is a warning (nothing is refused yet): as an error, every start on a machine with under 2 GB
    free listed the recorder among the run's "nodes with errors". A full one, takes refused, is the error."""
    free = [10_000 * 10**6]
    monkeypatch.setattr(disk_space, "disk_free", lambda folder: free[0])
    engine = engine_of(tmp_path, recorder_state, "test_probe", warn_free_mb=1000.0, min_free_mb=100.0)
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        wav = encode_wav_pcm16(sine(), 48000)
        assert client.upload(wav, take_id="d1")[0] == 201
        assert "rec" not in engine.errors
        free[0] = 500 * 10**6
        assert client.upload(wav, take_id="d2")[0] == 201  # still taken, and the performer is told
        assert "disk is filling up: 500 MB free" in engine.status["rec"]["warning"], engine.status["rec"]
        assert "rec" not in engine.errors, engine.errors  # a warning: no error yet
        assert engine.status["rec"]["disk_low"] is True
        free[0] = 50 * 10**6
        status, reply = client.upload(wav, take_id="d3")
        assert status == 507 and "disk is full" in reply["error"]
        assert "the take folder's disk is full: 50 MB free" in engine.errors["rec"]  # phones turned away: an error
        # the phone keeps the take and sends it again: the answer must not tell it the take is lost
        assert "not kept" not in reply["error"], reply
        free[0] = 10_000 * 10**6
        assert client.upload(wav, take_id="d3")[0] == 201  # the phone's retry, once there is room
    finally:
        engine.stop()
