"""A take whose copy for Live cannot be written is told by take and folder, on ableton_live and ableton_max.

Before, the handler raised: the console read "error in node 'live': OSError: [Errno 27] File too large" (a full
disk the same), naming neither the take nor the folder nor Live, and the upcoming copy failed the same way first.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.ableton import AbletonLive, AbletonMax

from .helpers import sine_take


@pytest.mark.parametrize("kind", [AbletonLive, AbletonMax])
def test_a_copy_that_cannot_be_written_names_the_take_and_the_folder(tmp_path: Path, kind: type) -> None:
    folder = tmp_path / "live"
    context = NodeContext()
    node = kind("live", {"port": 9, "folder": str(folder)}, context)  # port 9 (discard): nothing is sent here
    node.start()
    try:
        shutil.rmtree(folder)
        folder.write_text("a file where the folder was")  # as a full disk: the copy cannot be written
        take = sine_take(440.0, seconds=0.2)  # changed by the patch: no file of its own, a copy is needed
        node.on_upcoming(take)  # the copy written ahead fails first: its assignment tells it, once
        assert context.errors == []
        node.on_assignment(SlotAssignment("HH", take, "knock", 0.9))
        assert len(context.errors) == 1
        text = str(context.errors[0])
        assert text.startswith(f"{take.name} not sent to Live: its audio could not be written to {folder}: "), text
        assert context.fates == [("error", text[len(take.name) + 1:])]
    finally:
        node.stop()
