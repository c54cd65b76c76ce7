"""Takes the microphone a live edit replaced stores after its stop, once the rebuilt node has started: a take whose
storing outlasted the stop's join of take assembly (a slow disk), and a take kept in memory while the disk was full,
written by assembly's end, past that join. The rebuilt node's start had listed the take folder before they were there:
they stayed on disk, not done, passed on only at the next run's start (if any); in this one they never reached their
end, and the performer was not told. Now they are handed to the microphone started on the folder since
(nodes/microphone_late.py), which passes them on as ones found at its start.

A real engine, the edit made with engine.update; two tone bursts played into the microphone through the JACK dummy
server. The replaced node's take folder is a store whose first take's writes fail (a full disk) and whose second
take's write waits, as a slow disk's, until the test has made the edit."""

from __future__ import annotations

import errno
import threading
from pathlib import Path
from typing import ClassVar

import pytest

from exsampling_patch.messages import Take
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore
from tests.intake.conftest import probe_of, registry
from tests.intake.tone_bursts import MIC_PARAMS, RATE, frames_heard, playing_into, two_bursts

pytestmark = pytest.mark.jack


class FullThenSlow(TakeStore):
    """The first take's writes fail while :attr:`full`; the second take's first write waits for :attr:`go`."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.full = True
        self.first: str | None = None
        self.storing, self.go = threading.Event(), threading.Event()

    def store(self, take: Take, subtype: str | None = None) -> Take:
        self.first = self.first or take.take_id
        if take.take_id == self.first:
            if self.full:
                raise OSError(errno.ENOSPC, "No space left on device")
        elif not self.storing.is_set():
            self.storing.set()
            assert self.go.wait(60), "the test never let the slow write go on"
        return super().store(take, subtype)


class SlowDiskMic(Microphone):
    """A microphone whose first start stores through :attr:`store` (the test's), set after its start."""

    type_name: ClassVar[str] = "test_mic_slow_disk"
    store: ClassVar[FullThenSlow | None] = None

    def start(self) -> None:
        super().start()
        if SlowDiskMic.store is not None:
            self._store, SlowDiskMic.store = SlowDiskMic.store, None  # the room writes through self._store


def mic_patch(folder: Path, **params: object) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("mic", "test_mic_slow_disk", {**MIC_PARAMS, "sample_rate": RATE, "folder": str(folder),
                                                          **params}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("mic.take", "probe.take")
    return patch


def test_takes_the_replaced_microphone_stores_after_its_stop_go_to_the_rebuilt_one(tmp_path: Path) -> None:
    folder = tmp_path / "takes"
    slow = SlowDiskMic.store = FullThenSlow(folder)
    reg = registry()
    reg.register(SlowDiskMic, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    play = two_bursts()
    try:
        engine.start(mic_patch(folder))
        old = engine.node("mic")
        assert isinstance(old, Microphone)
        with playing_into(old.jack_client, play, RATE, frames_heard(old)):
            assert slow.storing.wait(30), "the second take was never cut"
        assert engine.update(mic_patch(folder, warn_free_mb=1.0)) is not None  # rebuilt; assembly outlives the join
        assert engine.node("mic") is not old
        slow.full = False  # the first take, kept in memory, is stored as assembly ends
        slow.go.set()
        received = probe_of(engine).wait_for(2, 30)
        assert engine.wait_idle(10, settle=0.3)
    finally:
        slow.go.set()
        engine.stop()
    ids = [take.take_id for take in received]
    assert len(ids) == 2 and slow.first in ids, ids
    assert set(ids) <= TakeStore(folder).processed_ids()  # their ends told in this run, written down as done
    assert [data["take_id"] for _, data in TakeStore(folder).unfinished()] == []
