"""How long the phone's page waits for an upload's try before it gives it up and sends the take again (a real
headless Chromium, its microphone fed from a WAV file, against the real recorder). A connection gone silent (a phone
walking out of the Wi-Fi's range: no error ever comes) is given up once it has not moved for 15 s, and sent again; a
try that keeps moving is waited on as long as the recorder itself waits for the upload. Waits that ignored progress
gave up uploads the recorder still took (a fixed 15 s and 50 kB/s; then twice as long each try) or held a take about
2.5 minutes after a moment's silence (the recorder's whole wait on every try)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from .conftest import microphone, probe_of, rec_of, recorder_engine, run_phone

# One Chromium for the run (phone_browsers), each script in a context of its own: not one launched per test.
pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]

NO_PROGRESS_MS = 15000  # a try that has not moved this long is given up (upload.js)
LONGEST_RETRY_MS = 7500  # the page's longest wait between two tries of an upload (tests/browser/phone.js)
# upload_wait.js moves the page's clock on a second at a time: a try is given up up to a second late by its clock, and
# a moment more while its clock runs on with the real one.
LATE_MS = 2000


def short_wait_ms(size: int) -> float:
    """The old wait of a first try, whether it moved or not: 15 s and a moment per 50 kB."""
    return 15000 + size / 50


def silent_tries(tmp_path: Path, most: int, sent_whole: bool = False, **params: Any) -> dict[str, Any]:
    """upload_wait.js against a recorder with ``params``: its uploads unanswered until a try was waited on for the
    recorder's deadline, or ``most`` of them were; held before the network, or ``sent_whole`` (read whole by a server
    that never answers). Each is given up by then: the take was received."""
    fed, browser = microphone()
    engine = recorder_engine(tmp_path, **params)
    try:
        recorder = rec_of(engine)
        result: dict[str, Any] = run_phone("upload_wait.js", recorder.local_url, fed, str(recorder.header_timeout),
                                           str(recorder.request_timeout), str(recorder.min_upload_kbps), str(most),
                                           *([tmp_path / "state"] if sent_whole else []), timeout=150, env=browser)
        assert result["info"].startswith("Received"), result
        assert len(result["triesAtMs"]) == len(result["waitsMs"]) + 1, result  # each given up, then sent again
        assert len(probe_of(engine).wait_for(1)) == 1
        return result
    finally:
        engine.stop()


def test_a_silent_first_try_is_sent_again_within_the_short_wait(tmp_path: Path) -> None:
    """A 1 s take (96 kB), the recorder's defaults: it waits 10 s + 120 s + 8 s for the upload, and the page waited
    that and 15 s more (about 150 s) on every try, so a take whose first try met a moment's silence arrived minutes
    late. Its first try, which never moves, is given up within the no-progress wait (15 s), and the take is sent again
    a few seconds later."""
    result = silent_tries(tmp_path, 1)
    short = short_wait_ms(result["bytes"])
    assert result["waitsMs"][0] <= short + LATE_MS, result
    assert result["waitsMs"][0] <= NO_PROGRESS_MS + LATE_MS, result
    assert result["triesAtMs"][1] <= short + LONGEST_RETRY_MS + 2 * LATE_MS, result
    assert result["infos"][0].startswith("The recorder answers, but this take went unanswered"), result


def test_a_small_take_whose_answer_never_comes_is_sent_again_within_the_short_wait(tmp_path: Path) -> None:
    """A 1 s take (96 kB), the recorder's defaults, its body all sent at once (a phone's socket buffer holds it: no
    progress left to see) and no answer ever coming (the phone walked out of the Wi-Fi's range). The page waited on
    its answer for the recorder's whole deadline and 15 s (about 153 s) before it sent it again. Its first try is given
    up within the short wait (15 s and a moment per 50 kB), and the take is sent again a few seconds later."""
    result = silent_tries(tmp_path, 1, sent_whole=True)
    short = short_wait_ms(result["bytes"])
    assert result["waitsMs"][0] <= short + LATE_MS, result
    assert result["triesAtMs"][1] <= short + LONGEST_RETRY_MS + 2 * LATE_MS, result
    assert result["infos"][0].startswith("The recorder answers, but this take went unanswered"), result


def test_each_unanswered_try_waits_twice_as_long_up_to_the_recorders_deadline(tmp_path: Path) -> None:
    """The same at min_upload_kbps 10 (the recorder waits 10 s + 120 s + 77 s for a 1 s take): each try sent whole and
    never answered is waited on twice as long as the last (a slow network, whose socket buffer still holds the body,
    gets the take through within a few tries), never past the recorder's deadline and 15 s, and one within 5 tries as
    long as the recorder waits. The third such try says the network is too slow for the take."""
    result = silent_tries(tmp_path, 5, sent_whole=True, min_upload_kbps=10.0)
    waits, deadline = result["waitsMs"], result["deadlineMs"]
    assert waits[0] <= short_wait_ms(result["bytes"]) + LATE_MS, result
    assert all(later > 1.5 * earlier for earlier, later in itertools.pairwise(waits)), result
    assert all(wait <= deadline + 15000 + LATE_MS for wait in waits), result
    assert waits[-1] >= deadline, result
    assert result["infos"][0].startswith("The recorder answers, but this take went unanswered"), result
    assert result["infos"][2].startswith("The network is too slow for this take"), result


def test_each_silent_try_is_given_up_within_the_no_progress_wait(tmp_path: Path) -> None:
    """A 1 s take (96 kB) at min_upload_kbps 10 has 10 s + 120 s + 77 s at the recorder. Its tries go unanswered and
    never move (upload_wait.js: held before they reach the network) while the take list answers: each is given up
    within the no-progress wait (15 s), the later ones as soon as the first (a try that does not move is not slow, it
    is stuck), and said as what it is, the recorder answering but this take unanswered: not the network too slow for
    it, which only the recorder's 408 or its whole deadline says."""
    result = silent_tries(tmp_path, 3, min_upload_kbps=10.0)
    assert len(result["waitsMs"]) == 3, result
    assert all(wait <= NO_PROGRESS_MS + LATE_MS for wait in result["waitsMs"]), result
    assert result["infos"][0].startswith("The recorder answers, but this take went unanswered"), result
    assert "(try 1)" in result["infos"][0], result
    for said in result["infos"]:
        assert said.startswith("The recorder answers, but this take went unanswered"), result


def test_an_upload_moving_slowly_but_steadily_is_not_given_up(tmp_path: Path) -> None:
    """A slow but working network: the page gave each try up after a wait that ignored its progress (15 s and a moment
    per 50 kB, twice as long each try: 17 s for a 1 s take, 34, 68, 137 s for a 10 s one), throwing away what it had
    sent and saying the network was too slow, where the recorder would have taken it. The upload is paced at 32 kB/s
    (Chromium's network emulation, upload_slow.js) while the page's clock runs 10 times as fast: by the page's clock it
    takes well past the old wait, moving all along. It is sent once, never given up, and received."""
    fed, browser = microphone()
    engine = recorder_engine(tmp_path)
    try:
        result = run_phone("upload_slow.js", rec_of(engine).local_url, fed, "32000", "10", timeout=150, env=browser)
        assert result["tries"] == 1 and result["givenUp"] == 0, result  # never cut, never sent again
        assert result["tookMs"] > short_wait_ms(result["bytes"]), result  # past the old wait's first give-up
        assert result["longestStillMs"] < NO_PROGRESS_MS, result  # it moved all along
        assert result["info"].startswith("Received"), result
        assert len(probe_of(engine).wait_for(1)) == 1
    finally:
        engine.stop()
