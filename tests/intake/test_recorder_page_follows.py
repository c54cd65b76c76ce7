"""The phone's recording page follows what the recorder says as it runs (a real headless Chromium, its microphone
fed from a WAV file, against the real recorder), not only what it said when the page loaded."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from .conftest import BROWSER, probe_of, rec_of, recorder_engine, sine

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright")]


def microphone(folder: Path) -> Path:
    fed = folder / "mic.wav"
    sf.write(fed, sine(440.0, 8.0, 48000, 0.4), 48000, subtype="PCM_16")  # longer than any take here
    return fed


def test_a_page_loaded_before_the_recorder_restarted_stops_takes_at_its_new_max_seconds(tmp_path: Path) -> None:
    """A page left open across a restart with a shorter max_seconds (a live edit) stopped its takes at the length it
    loaded with, and each was refused as too long (413): the performer lost every take until they reloaded."""
    engine = recorder_engine(tmp_path, max_seconds=1.5)
    try:
        run = subprocess.run(["node", str(BROWSER / "record_timer.js"), rec_of(engine).local_url,
                              str(microphone(tmp_path))], capture_output=True, text=True, timeout=90,
                             env={**os.environ, "PHONE_LOADED_MAX_SECONDS": "4"})
        assert run.returncode == 0, run.stderr + run.stdout
        shown = json.loads(run.stdout.strip().splitlines()[-1])["shown"]
        assert "Stopped at 1.5 s, the longest take: sending…" in shown, shown
        assert shown[-1].startswith("Received"), shown
        take = probe_of(engine).wait_for(1)[0]
        assert 1.4 < take.duration < 1.7, take.duration
    finally:
        engine.stop()
