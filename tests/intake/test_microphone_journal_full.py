"""A microphone take that ended but cannot be written down as done (its disk full: the journal does not open) is
named on the console, with the journal and that it is passed on again at the next start.

Before, take_ended raised and the console said "error in node 'mic' in take_ended(): OSError: [Errno 28] No space
left on device", naming no take (the web recorder's line, found with its take folder on a full tmpfs on
2026-12-05, read the same). Here the journal is a folder, so that opening it to append fails as the full disk did.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.takes import PROCESSED_JOURNAL


@pytest.mark.jack
def test_a_take_not_written_down_as_done_is_named(tmp_path: Path) -> None:
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {"folder": str(tmp_path / "takes")}, context)
    mic.start()
    journal = tmp_path / "takes" / PROCESSED_JOURNAL
    journal.mkdir()
    try:
        mic.take_ended(TakeEnded("map", take_id="mic-1", recorder="mic", fate="slot", reason="slot HH",
                                 slots=("HH",)))
    finally:
        mic.stop()
    assert [str(error) for error in context.errors] == [
        f"take mic-1 ended but could not be written down as done (Is a directory: {journal}); "
        "it is passed on again at the next start"]
