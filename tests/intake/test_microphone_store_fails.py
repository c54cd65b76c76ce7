"""The microphone's take folder gone mid-show: each take it cannot store is told, and the next take is cut all the
same. Takes from audio looped through the JACK dummy server, as in test_microphone.py."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from tests.intake.tone_bursts import microphone, recording, two_bursts
from tests.waiting import wait_for


@pytest.mark.jack
def test_each_take_that_cannot_be_stored_is_told_and_assembly_goes_on(tmp_path: Path) -> None:
    """Storing raised out of take assembly, which was run again a second later from the newest audio: the take was
    told as an error naming a temporary file, and the next take, recorded within that second, was lost untold."""
    play = two_bursts()
    context = NodeContext(tmp_path)
    folder = tmp_path / "takes"

    def folder_gone() -> None:  # the folder gone, a file in its place: nothing can be stored
        folder.rename(tmp_path / "takes-moved")
        folder.write_text("not a folder", encoding="utf-8")

    with recording(microphone(context, folder), play, before=folder_gone):
        wait_for(lambda: play.done and len(context.errors) >= 2, 15)
    errors = [str(error) for error in context.errors]
    assert len(errors) == 3, errors
    for count, error in enumerate(errors[:2], 1):  # each kept in memory (test_microphone_disk_full.py)
        assert re.fullmatch(rf"take mic-\S+ \(0\.4\d s\) could not be stored in {re.escape(str(folder))}: File "
                            rf"exists; kept in memory until it can be \({count} takes?, 0\.\d MB of 100 MB\)",
                            error), errors
    # the folder never came back: both lost at the stop, named, each given its end
    assert errors[2].startswith("2 takes kept in memory were lost as the microphone stopped: not stored (File "
                                "exists): mic-"), errors
    assert [fate for fate, _ in context.fates] == ["error", "error"], context.fates
    assert not [port for port, _ in context.emitted if port == "take"]
