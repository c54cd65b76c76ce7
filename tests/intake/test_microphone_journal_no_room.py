"""A microphone take whose end the full disk did not let the take store's journal (``.processed``) write down: the
console names the journal and says the disk is full.

Before, the line said only "No space left on device"; and a line the full disk cut short stayed in the journal,
where a part of it could read as another take's id (tests/core/test_take_journal.py). Here the journal is
``/dev/full``, where each write fails as on a full disk.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.takes import PROCESSED_JOURNAL


@pytest.mark.jack
def test_a_take_end_the_full_disk_refused_is_told_naming_the_journal(tmp_path: Path) -> None:
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {"folder": str(tmp_path / "takes")}, context)
    mic.start()
    journal = tmp_path / "takes" / PROCESSED_JOURNAL
    journal.symlink_to("/dev/full")  # after the start's read of the journal: read, it never ends
    try:
        mic.take_ended(TakeEnded("map", take_id="mic-1", recorder="mic", fate="slot", reason="slot HH",
                                 slots=("HH",)))
    finally:
        mic.stop()
        journal.unlink()
    assert [str(error) for error in context.errors] == [
        f"take mic-1 ended but could not be written down as done (the disk is full: {journal}); "
        "it is passed on again at the next start"]
