"""The microphone's take folder gone mid-show: each take it cannot store is told, and the next take is cut all the
same. Takes from audio looped through the JACK dummy server, as in test_microphone.py."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from tests.intake.tone_bursts import BurstPlayer, playing_into

RATE = 48000


@pytest.mark.jack
def test_each_take_that_cannot_be_stored_is_told_and_assembly_goes_on(tmp_path: Path) -> None:
    """Storing raised out of take assembly, which was run again a second later from the newest audio: the take was
    told as an error naming a temporary file, and the next take, recorded within that second, was lost untold."""
    bursts = [(0.6, 0.3), (1.2, 0.3)]  # (start, length) in seconds: the second within a second of the first's end
    play = BurstPlayer(bursts, 2.2, RATE)

    context = NodeContext(tmp_path)
    folder = tmp_path / "takes"
    mic = Microphone("mic", {"threshold_db": -20.0, "pre_roll": 0.0, "hang": 0.1, "min_length": 0.1,
                             "folder": str(folder), "blocksize": 256}, context)
    mic.start()
    try:
        folder.rename(tmp_path / "takes-moved")  # the folder gone, a file in its place: nothing can be stored
        folder.write_text("not a folder", encoding="utf-8")
        with playing_into(mic.jack_client, play, RATE):
            deadline = time.monotonic() + 15
            while (not play.done or len(context.errors) < 2) and time.monotonic() < deadline:
                time.sleep(0.05)
    finally:
        mic.stop()
    errors = [str(error) for error in context.errors]
    assert len(errors) == 2, errors
    for error in errors:
        assert re.fullmatch(rf"a take of 0\.4\d s could not be stored in {re.escape(str(folder))}: File exists; "
                            "it is lost", error), errors
    assert not [port for port, _ in context.emitted if port == "take"]
