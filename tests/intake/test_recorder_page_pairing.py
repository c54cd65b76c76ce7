"""A phone's page left open while the recorder restarts with a new pairing token (rotate_token): it says so before a
take is recorded (a real headless Chromium against the real recorder)."""

from __future__ import annotations

import json
import os
import subprocess
import time
from pathlib import Path

import pytest

from .conftest import BROWSER, rec_of, recorder_engine

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright")]


def test_a_page_whose_pairing_changed_says_so_before_a_take_is_recorded(tmp_path: Path) -> None:
    """Its take list, asked every 2 s, was answered 401 and the page went on as if paired: the performer learnt that
    the phone must scan the new QR code only from a take recorded and refused, in the middle of the show."""
    signals = tmp_path / "signals"
    signals.mkdir()
    engine = recorder_engine(tmp_path, tmp_path / "state")
    back = None
    phone = subprocess.Popen(["node", str(BROWSER / "pairing_changed.js"), rec_of(engine).local_url, str(signals)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    try:
        deadline = time.monotonic() + 30
        while not (signals / "ready").exists():
            assert phone.poll() is None and time.monotonic() < deadline, phone.communicate()
            time.sleep(0.05)
        port = rec_of(engine).server.port
        engine.stop()
        back = recorder_engine(tmp_path, tmp_path / "state", port=port, rotate_token=True)
        out, err = phone.communicate(timeout=60)
    finally:
        if phone.poll() is None:
            phone.kill()
            phone.communicate()
        engine.stop()
        if back is not None:
            back.stop()
    assert phone.returncode == 0, err + out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == [], result
    assert result["info"] == "The recorder's pairing changed: scan its new QR code (or open its new link) on this " \
                             "phone before recording.", result
    assert result["isError"], result
