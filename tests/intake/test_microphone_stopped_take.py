"""A take that assembly finishes storing after the node's stop (Node.stop joins its threads for 2 s only: a take
stored on a slow disk outlasts that), with the ring and assembly driven directly; then the next start.

Before: the thread went on to tell the take's status and emit it into a node (and an engine) already stopped: in an
engine, a take begun after its stop, whose end nobody tells; without one, written down as done though nothing had
heard it. Now it stays on disk, not done, and the next start passes it on: its end is told then."""

from __future__ import annotations

from collections import deque
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.nodes.microphone_input import InputRing
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import TakeEnded
from exsampling_patch.takes import PROCESSED_JOURNAL, TakeStore
from tests.intake.conftest import probe_of, registry

RATE = 8000


class StoppedWhileStoring(TakeStore):
    """The take folder, on a disk slow enough that the node's stop lands as a take is being stored: the stop itself
    (its join of assembly over), then the ring closed, as the input process's stop is followed."""

    mic: Microphone | None = None

    def store(self, take: Take, subtype: str | None = None) -> Take:
        stored = super().store(take, subtype)
        if self.mic is not None:
            self.mic.stop()
            self.mic._ring.close()
        return stored


def stored_after_the_stop(folder: Path) -> tuple[NodeContext, str]:
    """One take cut by assembly, the stop landing as it is stored; what the node said, and the take's id."""
    context = NodeContext(folder.parent)
    mic = Microphone("mic", {"sample_rate": RATE, "pre_roll": 0.0, "hang": 0.1, "min_length": 0.05,
                             "folder": str(folder)}, context)
    store = StoppedWhileStoring(folder)
    ring = InputRing.create(4 * RATE, 1)
    mic._ring, mic._store, mic.takes_cut = ring, store, 0
    t = np.arange(2 * RATE) / RATE
    ring.samples[: len(t), 0][(t >= 0.2) & (t < 0.5)] = 0.5  # one take
    store.mic = mic
    ring.counts[0] = len(t)
    mic._emit_take(int(0.2 * RATE), int(0.6 * RATE))  # as assembly cut it, in this thread
    unfinished = [data["take_id"] for _, data in TakeStore(folder).unfinished()]
    assert len(unfinished) == 1, unfinished  # stored, and not written down as done
    return context, unfinished[0]


def test_a_take_stored_after_the_stop_is_kept_for_the_next_start_not_emitted(tmp_path: Path) -> None:
    context, take_id = stored_after_the_stop(tmp_path / "takes")
    assert context.emitted == [], context.emitted
    assert [status for status in context.statuses if "take" in status] == [], context.statuses
    assert context.errors == []
    assert take_id.startswith("mic-")


@pytest.mark.jack
def test_the_next_start_passes_the_take_on_and_tells_its_end(tmp_path: Path) -> None:
    folder = tmp_path / "takes"
    _, take_id = stored_after_the_stop(folder)
    patch = Patch()
    patch.add_node(NodeSpec("mic", "microphone", {"folder": str(folder)}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("mic.take", "probe.take")
    engine = Engine(registry(), base_dir=tmp_path)
    events: list[Any] = []
    engine.events.subscribe(events.append)
    engine.start(patch)
    try:
        received = probe_of(engine).wait_for(1)
        assert [take.take_id for take in received] == [take_id] and received[0].meta.get("recovered")
        assert engine.wait_idle()
    finally:
        engine.stop()
    ended = [event for event in events if isinstance(event, TakeEnded) and event.take_id == take_id]
    assert [event.fate for event in ended] == ["done"], ended
    assert take_id in (folder / PROCESSED_JOURNAL).read_text().split()
    assert not engine.errors, engine.errors


class StoppedAsItIsRead(deque[tuple[Path, str]]):
    """The takes a start listed as unfinished; the node's stop lands as the recovery thread takes the next one (its
    read, on a slow disk, outlives stop's join)."""

    mic: Microphone | None = None

    def popleft(self) -> tuple[Path, str]:
        item = super().popleft()
        if self.mic is not None:
            self.mic.stop()
        return item


def test_a_stored_take_read_again_after_the_stop_is_kept_for_the_start_after(tmp_path: Path) -> None:
    folder = tmp_path / "takes"
    store = TakeStore(folder)
    take = store.store(Take(np.full(RATE // 2, 0.5, np.float32), RATE, take_id="mic-unfinished", source="mic"))
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {"sample_rate": RATE, "folder": str(folder)}, context)
    unfinished = StoppedAsItIsRead((path, data["take_id"]) for path, data in store.unfinished())
    assert [take_id for _, take_id in unfinished] == [take.take_id]
    mic._store, mic._unfinished, unfinished.mic = store, unfinished, mic
    mic._recover()  # as its thread runs it, in this thread
    assert context.emitted == [] and [s for s in context.statuses if "take" in s] == [], context.statuses
    assert [data["take_id"] for _, data in TakeStore(folder).unfinished()] == [take.take_id]  # not done
    assert context.errors == []


def test_a_stored_take_found_unreadable_after_the_stop_is_told_at_the_start_after(tmp_path: Path) -> None:
    # Before, the read that outlived the stop set the take aside, written down as done, and told its end on a node
    # (an engine) already stopped: told to no one, and no start listed it again. Now the start after tells it.
    folder = tmp_path / "takes"
    store = TakeStore(folder)
    take = store.store(Take(np.full(RATE // 2, 0.5, np.float32), RATE, take_id="mic-garbled", source="mic"))
    (path, _), = store.unfinished()
    path.write_bytes(b"not audio")  # the disk garbled it
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {"sample_rate": RATE, "folder": str(folder)}, context)
    unfinished = StoppedAsItIsRead((path, data["take_id"]) for path, data in store.unfinished())
    mic._store, mic._unfinished, unfinished.mic = store, unfinished, mic
    mic._recover()
    assert context.errors == [] and context.ended == []
    assert [data["take_id"] for _, data in TakeStore(folder).unfinished()] == [take.take_id]  # left where it was
    assert path.exists()

    later = NodeContext(tmp_path)  # the next start: it lists the take, finds it unreadable, and tells it
    mic = Microphone("mic", {"sample_rate": RATE, "folder": str(folder)}, later)
    mic._store = TakeStore(folder)
    mic._unfinished = deque((path, data["take_id"]) for path, data in mic._store.unfinished())
    mic._recover()
    assert [(take_id, fate) for take_id, _, fate, _ in later.ended] == [(take.take_id, "error")]
    assert len(later.errors) == 1 and "stored take unreadable" in str(later.errors[0])
    assert TakeStore(folder).unfinished() == [] and not path.exists()  # set aside, told once
