"""The phone's page sends one take at a time (a real headless Chromium, its microphone fed from a WAV file, against
the real recorder). Sent together, takes shared a slow link, each too slowly for the page's wait and the recorder's
pace (its 408), and were all cut and sent again together, for ever, where one after the other each went through."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import microphone, probe_of, rec_of, recorder_engine, run_phone

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]


def test_a_take_recorded_while_the_last_is_still_sending_waits_its_turn(tmp_path: Path) -> None:
    """The first upload is held on its way (one_upload_at_a_time.js) until the second take was recorded and its upload
    set off, whatever the time that takes: the second then waits for the first's answer, not sent beside it."""
    fed, browser = microphone()
    engine = recorder_engine(tmp_path)
    try:
        result = run_phone("one_upload_at_a_time.js", rec_of(engine).local_url, fed, env=browser)
        assert result["uploads"] == 2, result  # each sent once: none cut, none sent again
        assert result["openAtRelease"] == 1, result  # the first still on its way, the second not sent beside it
        assert result["most"] == 1, result  # the second waited for the first to be answered
        # and its row said so, not "uploading" as if it were on its way
        waits = [row for row in result["rowsHeld"] if "waiting its turn" in row]
        assert len(waits) == 1 and len(result["rowsHeld"]) == 2, result
        # The first's receipt names it, and the second still on its way: a plain "Received" read as the second's.
        said = r"Received the take of \S+( [AP]M)?, \d+\.\d s( \(without location: [^)]*\))?; 1 more still on its way\."
        assert re.fullmatch(said, result["infoFirst"]), result
        assert result["info"].startswith("Received"), result
        assert len(probe_of(engine).wait_for(2)) == 2
    finally:
        engine.stop()
