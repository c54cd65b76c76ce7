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
