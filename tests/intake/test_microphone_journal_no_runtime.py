"""A microphone without a runtime writes each take down as done once it has emitted it: a journal it cannot write
(its disk full) is told per take, naming it, and take assembly goes on. Takes from audio looped through the JACK
dummy server, as in test_microphone.py; the journal is a folder, so that opening it to append fails as a full disk
does."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.takes import PROCESSED_JOURNAL, TakeStore
from tests.intake.tone_bursts import microphone, recording, two_bursts
from tests.waiting import wait_for


@pytest.mark.jack
def test_each_take_not_written_down_is_named_and_assembly_goes_on(tmp_path: Path) -> None:
    """Before, the journal's error was raised out of take assembly: told as a bare "Is a directory" naming no take,
    and assembly ended, run again a second later."""
    play = two_bursts()
    context = NodeContext(tmp_path)  # no runtime
    folder = tmp_path / "takes"
    journal = folder / PROCESSED_JOURNAL
    with recording(microphone(context, folder), play, before=journal.mkdir):  # after the start, which reads it
        wait_for(lambda: play.done and len(context.errors) >= 2, 15)
    takes = [take for port, take in context.emitted if port == "take"]
    assert [round(take.duration, 1) for take in takes] == [0.4, 0.4], (takes, context.errors)
    assert all(isinstance(error, str) for error in context.errors), context.errors
    assert context.errors == [
        f"take {take.take_id} ended but could not be written down as done (Is a directory: {journal}); "
        "it is passed on again at the next start" for take in takes]
    assert all(re.fullmatch(r"mic-\d{8}-\d{6}-000[12]", take.take_id) for take in takes), takes
    journal.rmdir()  # both stored, not done: the next start passes them on again
    assert [data["take_id"] for _, data in TakeStore(folder).unfinished()] == [take.take_id for take in takes]
