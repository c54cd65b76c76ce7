"""Two takes kept on the phone through an outage (a real headless Chromium, its microphone fed from a WAV file, against
the real recorder): their tries took turns on the info line, "(try 3)" then "(try 1)", read as one take's count going
back. Each names its take while the other is on its way too."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import microphone, probe_of, rec_of, recorder_engine, run_phone

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]


def test_the_tries_of_two_kept_takes_each_name_their_take(tmp_path: Path) -> None:
    fed, browser = microphone()
    engine = recorder_engine(tmp_path)
    try:
        result = run_phone("two_takes_away.js", rec_of(engine).local_url, fed, env=browser)
        tries = [info for info in result["infos"] if info.startswith("Cannot reach the recorder")]
        assert len(tries) >= 2, result
        named = r"Cannot reach the recorder: the take is kept on this phone and sent when it answers " \
                r"\(the take of [^:]+:\d\d:\d\d( [AP]M)?: try \d+\)\."
        assert all(re.fullmatch(named, info) for info in tries), result
        assert result["info"].startswith("Received"), result
        assert len(probe_of(engine).wait_for(2)) == 2
    finally:
        engine.stop()
