"""Takes the microphone a live edit replaced stores after its stop are handed on to the rebuilt node and passed on as
the takes its start found are: told "recovered", the console said ", recovered from the last run", run's summary
counted them among those, the show log marked them recovered, though they were recorded seconds before in this run.
They are passed on as this run's.

A real engine, the edit made with engine.update; two tone bursts played into the microphone through the JACK dummy
server, the replaced node's first take kept in memory by a full disk and its second's write held until the edit is
made (test_microphone_rebuilt_late); the stage console fed the events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import NodeStatus, TakeEnded
from tests.intake.conftest import probe_of, registry
from tests.intake.rebuilt_rig import console_text
from tests.intake.test_microphone_rebuilt_late import FullThenSlow, SlowDiskMic, mic_patch
from tests.intake.tone_bursts import RATE, frames_heard, playing_into, two_bursts

pytestmark = pytest.mark.jack


def test_takes_handed_on_late_to_the_rebuilt_microphone_are_not_told_recovered(tmp_path: Path) -> None:
    folder = tmp_path / "takes"
    slow = SlowDiskMic.store = FullThenSlow(folder)
    reg = registry()
    reg.register(SlowDiskMic, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    events: list[Any] = []
    engine.events.subscribe(events.append, NodeStatus)
    engine.events.subscribe(events.append, TakeEnded)
    play = two_bursts()
    edited = mic_patch(folder, warn_free_mb=1.0)  # another setting: rebuilt
    try:
        engine.start(mic_patch(folder))
        old = engine.node("mic")
        assert isinstance(old, Microphone)
        with playing_into(old.jack_client, play, RATE, frames_heard(old)):
            assert slow.storing.wait(30), "the second take was never cut"
        assert engine.update(edited) is not None  # assembly outlives the stop's join
        slow.full = False  # the first take, kept in memory, is stored as assembly ends
        slow.go.set()
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
