"""The phone's page waits for an upload as long as the recorder does (a real headless Chromium, its microphone fed from
a WAV file, against the real recorder). Its own wait (15 s and 50 kB/s, times the try up to 4) knew nothing of the
recorder's min_upload_kbps: with a slower one set, the page gave up on every try of uploads the recorder still took."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import soundfile as sf

from .conftest import BROWSER, probe_of, rec_of, recorder_engine, sine

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright")]


def test_the_page_waits_for_an_upload_as_long_as_the_recorder_does(tmp_path: Path) -> None:
    """A 1 s take (96 kB) at 10 kbit/s has 10 s + 120 s + 77 s at the recorder; the page gave it 17 s. The upload is
    never answered (upload_wait.js) while the take list answers, and the page's clock is moved on through the
    recorder's deadline: not given up by then, given up within 20 s after, and said as what it is (the recorder
    answers), not "Cannot reach the recorder"."""
    fed = tmp_path / "mic.wav"
    sf.write(fed, sine(440.0, 8.0, 48000, 0.4), 48000, subtype="PCM_16")
    engine = recorder_engine(tmp_path, min_upload_kbps=10.0)
    try:
        recorder = rec_of(engine)
        run = subprocess.run(["node", str(BROWSER / "upload_wait.js"), recorder.local_url, str(fed),
                              str(recorder.header_timeout), str(recorder.request_timeout), "10"],
                             capture_output=True, text=True, timeout=90, env=dict(os.environ))
        assert run.returncode == 0, run.stderr + run.stdout
        result = json.loads(run.stdout.strip().splitlines()[-1])
        assert result["givenUpAtDeadline"] == 0, result  # the recorder still waits for it: so does the page
        assert result["givenUpAfter"] == 1, result  # a silent connection is given up all the same, and sent again
        assert result["infoAfter"].startswith("The recorder answers, but this take went unanswered"), result
        assert "(try 1)" in result["infoAfter"], result
        assert result["uploads"] == 2 and result["info"].startswith("Received"), result
        assert len(probe_of(engine).wait_for(1)) == 1
    finally:
        engine.stop()
