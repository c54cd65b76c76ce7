"""The take store's journal of takes that are done (``.processed``, exsampling_patch/takes.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.takes import TakeStore


@pytest.mark.parametrize("node_id", ["room mic", "room\u2028mic", "room\x85mic", "room\rmic"])
def test_a_take_marked_done_is_done_whatever_its_id_holds(tmp_path: Path, node_id: str) -> None:
    """A microphone's take ids begin with its node id, which may hold a space (or any character but a dot, and no
    surrounding spaces): the journal is one take id a line, read up to each "\\n" only."""
    store = TakeStore(tmp_path)
    take = store.store(Take(np.zeros(480, np.float32), 48000, take_id=f"{node_id}-20250101-120000-0001"))
    store.mark_processed(take)
    assert take.take_id in store.processed_ids()
    assert store.unfinished() == []  # not passed on again at the next start
    assert TakeStore(tmp_path).unprocessed() == []


@pytest.mark.parametrize("kill_at", [1, 2])
def test_a_store_cut_off_by_a_kill_leaves_the_take_whole_or_not_at_all(tmp_path: Path, kill_at: int,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """A microphone's take is stored as two files. The audio went first: a kill before the sidecar left audio that
    unfinished() (which lists sidecars) never lists, so the take was never passed on, and no phone sends it again.
    Whatever the write a kill cuts off, the take is listed at the next start, or no audio of it is in place."""
    import exsampling_patch.takes as takes

    writes = []
    real = takes.write_atomic

    def killed_at(path: Path, write: object, durable: bool = True) -> None:
        writes.append(path)
        if len(writes) == kill_at:
            raise KeyboardInterrupt  # the process dies here
        real(path, write, durable)

    monkeypatch.setattr(takes, "write_atomic", killed_at)
    store = TakeStore(tmp_path)
    with pytest.raises(KeyboardInterrupt):
        store.store(Take(np.full(480, 0.1, np.float32), 48000, take_id="mic-1"))
    monkeypatch.setattr(takes, "write_atomic", real)
    audio = [p for p in tmp_path.glob("*.wav")]
    assert audio == [] or [p for p, _ in TakeStore(tmp_path).unfinished()] == audio, list(tmp_path.iterdir())
