"""A folder source a live edit rebuilds while takes it passed on are still in flight (Live not answered yet): the
rebuilt node read those files again from the journal as the last run's ("recovered from the last run" on the
console), and the same take went through the patch twice (loaded twice into the sampler or Live). It reads again
only what a previous run left in flight; the takes of this run end as any, written down as done."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes import folder as folder_module
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import NodeStatus, TakeEnded

from .conftest import registry
from .test_folder_journal import FAST, drop, journal_lines


class Holds(Node):
    """A sink that keeps each take open (as an output waiting for Live's answer does) until :meth:`let_go`."""

    type_name = "test_holds"
    family = "test"
    take = Input(TAKE, "takes")

    def start(self) -> None:
        self.held: list[Take] = []
        self.arrived = threading.Condition()

    def on_take(self, take: Take) -> None:
        self.keep_open(take)
        with self.arrived:
            self.held.append(take)
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Take]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.held) >= count, timeout)
            return list(self.held)

    def let_go(self) -> None:
        for take in self.wait_for(0):
            self.close_take(take)


def holds_registry() -> Registry:
    found = registry()
    if "test_holds" not in found:
        found.register(Holds, "test")
    return found


def holding_patch(inbox: Path) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(inbox), **FAST}))
    patch.add_node(NodeSpec("holds", "test_holds", {}))
    patch.connect("inbox.take", "holds.take")
    return patch


def start(patch: Patch, base: Path, events: list[Any]) -> Engine:
    engine = Engine(holds_registry(), base_dir=base)
    engine.events.subscribe(events.append)
    engine.start(patch)
    return engine


def holds_of(engine: Engine) -> Holds:
    node = engine.node("holds")
    assert isinstance(node, Holds)
    return node


def recovered(events: list[Any]) -> list[str]:
    return [event.status["take"] for event in events
            if isinstance(event, NodeStatus) and event.node_id == "inbox" and event.status.get("recovered")]


def test_a_take_in_flight_through_a_live_edit_is_not_read_again_nor_told_recovered(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Each file read once quiet, none at its close event: a file the rebuilt node would read again, there at its
    # start, is read before one dropped after it.
    monkeypatch.setattr(folder_module, "CLOSE_EVENTS", False)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    events: list[Any] = []
    patch = holding_patch(inbox)
    engine = start(patch, tmp_path, events)
    try:
        drop(inbox, "kick.wav")
        assert len(holds_of(engine).wait_for(1)) == 1
        old = engine.node("inbox")
        edited = patch.copy()
        edited.nodes["inbox"].params["settle_time"] = 0.06
        engine.update(edited)  # the folder source rebuilt, kick.wav's take still held
        assert engine.node("inbox") is not old
        drop(inbox, "snare.wav")
        held = holds_of(engine).wait_for(2)  # kick.wav read again came first
        assert [take.name for take in held] == ["kick.wav", "snare.wav"], held
        assert recovered(events) == [], recovered(events)
        holds_of(engine).let_go()
        assert engine.wait_idle()
    finally:
        engine.stop()
    ends = [event.take_id for event in events if isinstance(event, TakeEnded) and event.source == "inbox"]
    assert sorted(ends) == sorted(take.take_id for take in held), ends
    # kick.wav's end, told to the rebuilt node, is written down: the next start does not read it again either
    assert {line["file"] for line in journal_lines(inbox) if line["done"]} == {"kick.wav", "snare.wav"}


def test_the_end_of_a_take_passed_on_before_an_edit_changed_the_folder_is_written_down(tmp_path: Path) -> None:
    """Told to the rebuilt node, which watches another folder: its journal did not know the take, and the first
    folder's file was read again at the next start, as never ended."""
    inbox, other = tmp_path / "inbox", tmp_path / "other"
    inbox.mkdir()
    events: list[Any] = []
    patch = holding_patch(inbox)
    engine = start(patch, tmp_path, events)
    try:
        drop(inbox, "kick.wav")
        assert len(holds_of(engine).wait_for(1)) == 1
        edited = patch.copy()
        edited.nodes["inbox"].params["folder"] = str(other)
        engine.update(edited)
        holds_of(engine).let_go()
        assert engine.wait_idle()
    finally:
        engine.stop()
    assert [line["done"] for line in journal_lines(inbox) if line["file"] == "kick.wav"] == [False, True]


def test_a_take_the_last_run_left_in_flight_is_still_read_again_as_recovered(tmp_path: Path) -> None:
    """Not only a new process: the editor's next start (a new engine, the same process) reads it again too."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    events: list[Any] = []
    engine = start(holding_patch(inbox), tmp_path, events)
    try:
        drop(inbox, "kick.wav")
        (kick,) = holds_of(engine).wait_for(1)
    finally:
        engine.stop(1.0)  # its take never ended: passed on again at the next start
    again: list[Any] = []
    engine = start(holding_patch(inbox), tmp_path, again)
    try:
        (redone,) = holds_of(engine).wait_for(1)
        assert redone.name == "kick.wav" and redone.take_id == kick.take_id
        assert recovered(again) == [kick.take_id]
        holds_of(engine).let_go()
        assert engine.wait_idle()
    finally:
        engine.stop()
    assert {line["file"] for line in journal_lines(inbox) if line["done"]} == {"kick.wav"}
