"""Takes the microphone a live edit replaced stores after its stop's join of take assembly, but before the rebuilt
microphone's start lists the take folder: the listing found them, not done and never passed on, and passed them on
as the last run's: told "recovered" (their meta, their status, the console's ", recovered from the last run", run's
summary, the show log), though recorded seconds before in this run; the replaced node's hand-on, coming after, found
them known already. A take stored in this run is now told so whichever way it is passed on.

A real engine, the edit made with engine.update; two tone bursts played into the microphone through the JACK dummy
server, the replaced node's first take kept in memory by a full disk and its second's write held past the stop's
join (test_microphone_rebuilt_late); both let go, and stored, by the new node's prepare(), before its start."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.messages import Take
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import NodeStatus, TakeEnded
from tests.intake.conftest import probe_of, registry
from tests.intake.rebuilt_rig import EndsBeforeStart, console_text, hooked
from tests.intake.test_microphone_rebuilt_late import FullThenSlow, SlowDiskMic, mic_patch
from tests.intake.tone_bursts import MIC_PARAMS, RATE, frames_heard, playing_into, two_bursts

pytestmark = pytest.mark.jack


class CountedStore(FullThenSlow):
    """:class:`FullThenSlow`, with ``both`` set once two takes are stored."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.stored, self.both = 0, threading.Event()

    def store(self, take: Take, subtype: str | None = None) -> Take:
        stored = super().store(take, subtype)
        self.stored += 1
        if self.stored == 2:
            self.both.set()
        return stored


class ListsAfterHook(EndsBeforeStart, SlowDiskMic):
    """A microphone that calls the test's hook from its prepare(), before its start lists the take folder."""

    type_name = "test_mic_lists_after_hook"


def test_takes_stored_after_the_stop_and_before_the_new_listing_are_not_told_recovered(tmp_path: Path) -> None:
    folder = tmp_path / "takes"
    slow = SlowDiskMic.store = CountedStore(folder)
    reg = registry()
    reg.register(SlowDiskMic, "tests")
    reg.register(ListsAfterHook, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    events: list[Any] = []
    engine.events.subscribe(events.append, NodeStatus)
    engine.events.subscribe(events.append, TakeEnded)
    edited = Patch()
    edited.add_node(NodeSpec("mic", ListsAfterHook.type_name, {**MIC_PARAMS, "sample_rate": RATE,
                                                                "folder": str(folder)}))
    edited.add_node(NodeSpec("probe", "test_probe", {}))
    edited.connect("mic.take", "probe.take")
    stored_first: list[bool] = []

    def store_the_takes(new: Microphone) -> None:  # in its cell, not started: it has not listed the folder
        slow.full = False  # the first take, kept in memory, is stored as assembly ends
        slow.go.set()
        stored_first.append(slow.both.wait(30))

    play = two_bursts()
    try:
        engine.start(mic_patch(folder))
        old = engine.node("mic")
        assert isinstance(old, Microphone)
        with playing_into(old.jack_client, play, RATE, frames_heard(old)):
            assert slow.storing.wait(30), "the second take was never cut"
        with hooked(ListsAfterHook, "at_prepare", store_the_takes):
            assert engine.update(edited) is not None  # assembly outlives the stop's join
        assert stored_first == [True]
        received = probe_of(engine).wait_for(2, 30)
        assert engine.wait_idle(10, settle=0.3)
    finally:
        slow.go.set()
        engine.stop()
    assert len(received) == 2, received
    assert [take.take_id for take in received if take.meta.get("recovered")] == []
    assert [e.status for e in events if isinstance(e, NodeStatus) and e.status.get("recovered")] == []
    printed = console_text(edited, events)
    assert all(take.take_id in printed for take in received) and "recovered" not in printed, printed
