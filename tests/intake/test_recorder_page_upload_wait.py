"""How long the phone's page waits for an upload's try before it gives it up and sends the take again (a real
headless Chromium, its microphone fed from a WAV file, against the real recorder). A connection gone silent (a phone
walking out of the Wi-Fi's range: no error ever comes) is given up soon, and sent again; each try given up waits
longer, up to as long as the recorder itself waits for the upload, never longer. Its own fixed wait (15 s and 50 kB/s,
times the try up to 4) gave up for ever on uploads the recorder still took (a slower min_upload_kbps); the recorder's
whole wait on every try held a take about 2.5 minutes after a moment's silence."""

from __future__ import annotations

import json
import os
import subprocess
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import soundfile as sf

from .conftest import BROWSER, probe_of, rec_of, recorder_engine, sine

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright")]

LONGEST_RETRY_MS = 7500  # the page's longest wait between two tries of an upload (tests/browser/phone.js)
# upload_wait.js moves the page's clock on a second at a time: a try is given up up to a second late by its clock, and
# a moment more while its clock runs on with the real one.
LATE_MS = 2000


def short_wait_ms(size: int) -> float:
    """The wait of a first try that goes silent: 15 s and a moment per 50 kB, as a working network sends it."""
    return 15000 + size / 50


def silent_tries(tmp_path: Path, most: int, **params: Any) -> dict[str, Any]:
    """upload_wait.js against a recorder with ``params``: its uploads unanswered until a try was waited on for the
    recorder's deadline, or ``most`` of them were. Each is given up by then: the take was received."""
    fed = tmp_path / "mic.wav"
    sf.write(fed, sine(440.0, 8.0, 48000, 0.4), 48000, subtype="PCM_16")
    engine = recorder_engine(tmp_path, **params)
    try:
        recorder = rec_of(engine)
        run = subprocess.run(["node", str(BROWSER / "upload_wait.js"), recorder.local_url, str(fed),
                              str(recorder.header_timeout), str(recorder.request_timeout),
                              str(recorder.min_upload_kbps), str(most)],
                             capture_output=True, text=True, timeout=150, env=dict(os.environ))
        assert run.returncode == 0, run.stderr + run.stdout
        result: dict[str, Any] = json.loads(run.stdout.strip().splitlines()[-1])
        assert result["info"].startswith("Received"), result
        assert len(result["triesAtMs"]) == len(result["waitsMs"]) + 1, result  # each given up, then sent again
        assert len(probe_of(engine).wait_for(1)) == 1
        return result
    finally:
        engine.stop()


def test_a_silent_first_try_is_sent_again_within_the_short_wait(tmp_path: Path) -> None:
    """A 1 s take (96 kB), the recorder's defaults: it waits 10 s + 120 s + 8 s for the upload, and the page waited
    that and 15 s more (about 150 s) on every try, so a take whose first try met a moment's silence arrived minutes
    late. Its first try is given up after the short wait (17 s), and the take is sent again a few seconds later."""
    result = silent_tries(tmp_path, 1)
    short = short_wait_ms(result["bytes"])
    assert result["waitsMs"][0] <= short + LATE_MS, result
    assert result["triesAtMs"][1] <= short + LONGEST_RETRY_MS + 2 * LATE_MS, result
    assert result["infos"][0].startswith("The recorder answers, but this take went unanswered"), result


def test_a_later_try_is_waited_on_as_long_as_the_recorder_waits(tmp_path: Path) -> None:
    """A 1 s take (96 kB) at min_upload_kbps 10 has 10 s + 120 s + 77 s at the recorder; the page's own fixed wait
    gave it 17 s on the first try and 68 s at the most. The tries go unanswered (upload_wait.js) while the take list
    answers: the first is given up quickly, each later one waits longer, none longer than the recorder's deadline and
    15 s for its answer, and within a few tries one is waited on past the recorder's deadline (a slow but moving
    network gets the take through). Each is said as what it is (the recorder answers), the third as a network too slow
    for the take."""
    result = silent_tries(tmp_path, 8, min_upload_kbps=10.0)
    waits, deadline = result["waitsMs"], result["deadlineMs"]
    assert waits[0] <= short_wait_ms(result["bytes"]) + LATE_MS, result  # a silent connection: given up soon
    assert all(later > earlier for earlier, later in pairwise(waits)), result  # each try waits longer
    assert all(wait <= deadline + 15000 + LATE_MS for wait in waits), result  # never past the recorder's wait
    assert waits[-1] >= deadline and len(waits) <= 5, result  # the recorder still waits for it: so does the page
    assert result["infos"][0].startswith("The recorder answers, but this take went unanswered"), result
    assert "(try 1)" in result["infos"][0], result
    assert result["infos"][2].startswith("The network is too slow for this take"), result
