"""A stored phone take that the recovery thread reads after the node's stop (Node.stop joins it for 2 s only: a
read on a slow disk outlasts that), driven directly; as the microphone's (test_microphone_stopped_take.py).

Before: read, it was told and emitted into a node (and an engine) already stopped, and without a runtime written
down as done though nothing had heard it; found unreadable, it was set aside and its end told to no one, and no
start listed it again. Now it stays on disk, not done, and the next start passes it on or tells it."""

from __future__ import annotations

from collections import deque
from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.status import BOARD
from exsampling_patch.takes import TakeStore

RATE = 8000


class StoppedAsItIsRead(deque[tuple[Path, str, None]]):
    """The takes a start listed as unfinished; the node's stop lands as the recovery thread takes the next one."""

    rec: WebRecorder | None = None

    def popleft(self) -> tuple[Path, str, None]:
        item = super().popleft()
        if self.rec is not None:
            self.rec.stop()
        return item


def recovered(folder: Path, context: NodeContext, stopping: bool) -> WebRecorder:
    """A web recorder (no server) whose recovery passes on what ``folder`` holds unfinished, in this thread."""
    rec = WebRecorder("rec", {"folder": str(folder)}, context)
    store = TakeStore(folder)
    unfinished = StoppedAsItIsRead((path, data["take_id"], None) for path, data in store.unfinished())
    rec._store, rec._board, rec._done_at_emit, rec._unfinished = store, BOARD, True, unfinished
    unfinished.rec = rec if stopping else None
    rec._recover()
    return rec


@pytest.mark.parametrize("garbled", [False, True], ids=["readable", "unreadable"])
def test_a_take_recovered_after_the_stop_is_left_for_the_next_start(tmp_path: Path, garbled: bool) -> None:
    folder = tmp_path / "takes"
    store = TakeStore(folder)
    take = store.store(Take(np.full(RATE // 2, 0.5, np.float32), RATE, take_id="ana-unfinished", source="ana"))
    ((path, _),) = store.unfinished()
    if garbled:
        path.write_bytes(b"not audio")
    context = NodeContext(tmp_path)
    recovered(folder, context, stopping=True)
    assert context.emitted == [] and context.statuses == [] and context.errors == [] and context.ended == []
    assert [data["take_id"] for _, data in TakeStore(folder).unfinished()] == [take.take_id]  # not done
    assert path.exists()  # not set aside

    later = NodeContext(tmp_path)  # the next start passes it on, or tells it unreadable
    recovered(folder, later, stopping=False)
    if garbled:
        assert [(take_id, fate) for take_id, _, fate, _ in later.ended] == [(take.take_id, "error")]
        assert len(later.errors) == 1 and not path.exists()
    else:
        assert [(port, message.take_id) for port, message in later.emitted] == [("take", take.take_id)]
        assert later.errors == []
    assert TakeStore(folder).unfinished() == []
