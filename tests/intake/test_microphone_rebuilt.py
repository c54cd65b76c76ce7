"""A microphone a live edit rebuilds while a take it passed on is still in flight (an output waiting for Live): the
rebuilt node's start listed the take folder's takes not done, found that take among them and passed it on again as
the last run's, so the same take went through the patch twice (loaded twice). A take ending after the swap put the
new node in its cell and before its start() was told to the new node, whose take_ended failed on the take store its
start() makes (an error on the node): not written down as done, and no longer in flight, the start passed it on again.
A take the runtime had ended but not yet told the microphone (its observers are told first) was passed on again as
well. And one whose end came once the edit had changed the folder was written down as done in the new folder: in the old
one it stayed not done, passed on again when that folder was next used.

A real engine, the edit made with engine.update; the microphone records from the JACK dummy server (nothing is
played: the take is one stored before the engine's start, which the first start passes on as the last run's)."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import TakeEnded
from exsampling_patch.takes import TakeStore

from .rebuilt_rig import EndsBeforeStart, HeldEnd, hooked, idle_errors
from .test_folder_rebuilt import Holds, holds_registry

pytestmark = pytest.mark.jack


class EndBeforeStart(EndsBeforeStart, Microphone):
    """A microphone that calls the test's hook from its prepare() (:class:`EndsBeforeStart`)."""

    type_name = "test_mic_end_before_start"


def mic_patch(folder: Path, **params: object) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("mic", "test_mic_end_before_start", {
        "sample_rate": 48000, "threshold_db": -3.0, "folder": str(folder), "buffer_seconds": 2.0, **params}))
    patch.add_node(NodeSpec("holds", "test_holds", {}))
    patch.connect("mic.take", "holds.take")
    return patch


def stored_take(folder: Path) -> str:
    """A take stored and not done, as a run killed before its end left it: the first start passes it on."""
    samples = (0.3 * np.sin(2 * np.pi * 330 * np.arange(4800) / 48000)).astype(np.float32)
    take = Take(samples, 48000, take_id="mic-20261206-120000-0001", source="mic")
    TakeStore(folder).store(take, subtype="FLOAT")
    return take.take_id


def started(folder: Path, base: Path, observer: HeldEnd | None = None) -> tuple[Engine, Holds]:
    registry = holds_registry()
    if "test_mic_end_before_start" not in registry:
        registry.register(EndBeforeStart, "test")
    engine = Engine(registry, base_dir=base)
    if observer is not None:
        engine.events.subscribe(observer, TakeEnded)
    engine.start(mic_patch(folder))
    holds = engine.node("holds")
    assert isinstance(holds, Holds)
    return engine, holds


def test_a_take_in_flight_as_the_microphone_is_rebuilt_goes_through_once(tmp_path: Path) -> None:
    folder = tmp_path / "takes"
    take_id = stored_take(folder)
    engine, holds = started(folder, tmp_path)
    try:
        assert [take.take_id for take in holds.wait_for(1)] == [take_id]
        old = engine.node("mic")
        assert engine.update(mic_patch(folder, warn_free_mb=1.0)) is not None  # another setting: rebuilt
        assert engine.node("mic") is not old
        holds.let_go()
        errors = idle_errors(engine)
    finally:
        engine.stop()
    assert [take.take_id for take in holds.held] == [take_id]  # once, not again as the last run's
    assert errors == {}
    assert take_id in TakeStore(folder).processed_ids()


def test_a_take_ending_between_the_rebuilds_swap_and_its_start_goes_through_once(tmp_path: Path) -> None:
    folder = tmp_path / "takes"
    take_id = stored_take(folder)
    engine, holds = started(folder, tmp_path)
    told_before_start: list[bool] = []

    def end_the_take(new: Microphone) -> None:  # the new node, in its cell, not started
        assert isinstance(new, EndBeforeStart) and engine.node("mic") is new
        holds.let_go()
        told_before_start.append(new.told.wait(30))

    try:
        assert len(holds.wait_for(1)) == 1
        with hooked(EndBeforeStart, "at_prepare", end_the_take):
            assert engine.update(mic_patch(folder, warn_free_mb=1.0)) is not None  # another setting: rebuilt
        assert told_before_start == [True]  # its end came to the new node before its start
        errors = idle_errors(engine)
    finally:
        engine.stop()
    assert [take.take_id for take in holds.held] == [take_id]  # once, not again as the last run's
    assert errors == {}  # its end was told on the node as an error in take_ended
    assert take_id in TakeStore(folder).processed_ids()


def test_the_end_of_a_take_passed_on_before_an_edit_changed_the_folder_is_written_down_there(tmp_path: Path) -> None:
    folder, other = tmp_path / "takes", tmp_path / "other"
    take_id = stored_take(folder)
    engine, holds = started(folder, tmp_path)
    try:
        assert len(holds.wait_for(1)) == 1
        assert engine.update(mic_patch(other)) is not None
        holds.let_go()
        assert engine.wait_idle(10, settle=0.3)
    finally:
        engine.stop()
    assert [take.take_id for take in holds.held] == [take_id]
    assert take_id in TakeStore(folder).processed_ids()  # not passed on again when this folder is next used
    assert TakeStore(other).processed_ids() == set()


def test_a_take_ended_but_not_yet_told_as_the_microphone_is_rebuilt_goes_through_once(tmp_path: Path) -> None:
    """Ended by the runtime (no longer in flight), its observers told, the microphone not yet: not done on disk."""
    folder = tmp_path / "takes"
    take_id = stored_take(folder)
    held = HeldEnd()
    engine, holds = started(folder, tmp_path, held)
    letting_go = threading.Thread()
    try:
        assert len(holds.wait_for(1)) == 1
        letting_go = threading.Thread(target=holds.let_go)  # its end is told on this thread, held by the observer
        letting_go.start()
        assert held.ending.wait(20)  # ended, its source not told yet
        assert engine.update(mic_patch(folder, warn_free_mb=1.0)) is not None  # another setting: rebuilt
        held.go.set()
        errors = idle_errors(engine)
    finally:
        held.go.set()
        if letting_go.is_alive():
            letting_go.join(30)
        engine.stop()
    assert [take.take_id for take in holds.held] == [take_id]  # once, not again as the last run's
    assert errors == {}
    assert take_id in TakeStore(folder).processed_ids()
