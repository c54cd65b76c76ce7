"""The phone's recording page follows what the recorder says as it runs (a real headless Chromium, its microphone
fed from a WAV file, against the real recorder), not only what it said when the page loaded."""

from __future__ import annotations

from pathlib import Path

import pytest

from .conftest import microphone, probe_of, rec_of, recorder_engine, run_phone

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]


def test_a_page_loaded_before_the_recorder_restarted_stops_takes_at_its_new_max_seconds(tmp_path: Path) -> None:
    """A page left open across a restart with a shorter max_seconds (a live edit) stopped its takes at the length it
    loaded with, and each was refused as too long (413): the performer lost every take until they reloaded."""
    fed, browser = microphone()
    engine = recorder_engine(tmp_path, max_seconds=1.5)
    try:
        shown = run_phone("record_timer.js", rec_of(engine).local_url, fed,
                          env={**browser, "PHONE_LOADED_MAX_SECONDS": "4"})["shown"]
        assert "Stopped at 1.5 s, the longest take: sending…" in shown, shown
        assert shown[-1].startswith("Received"), shown
        take = probe_of(engine).wait_for(1)[0]
        assert 1.4 < take.duration < 1.7, take.duration
    finally:
        engine.stop()
