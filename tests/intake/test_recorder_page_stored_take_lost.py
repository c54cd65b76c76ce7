"""A take the recorder stored, then found unreadable as it restarted after a crash, is sent again by the phone's page
and stored anew (a real headless Chromium, its microphone fed from a WAV file, against the real recorder restarted).
The restarted recorder lists the lost take as an error, with its phone take id: the page counted any row of its take
as received, deleted the take kept on the phone, and the retry the recorder waited for never came."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from typing import Any

import pytest

from exsampling_patch.takes import PROCESSED_JOURNAL

from .conftest import BROWSER, microphone, probe_of, rec_of, recorder_engine, shut_down, wait_for_signal

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]

GARBAGE = b"RIFF\x10\x00\x00\x00WAVEnot audio at all"


@pytest.fixture(scope="module")
def lost_and_sent_again(tmp_path_factory: pytest.TempPathFactory, phone_browsers: None) -> dict[str, Any]:
    """The scenario run once (a browser's run is long) for the tests below: the phone script's JSON, with the lost
    take's id ("first"), the takes the restarted recorder passed on ("received") and its folder ("takes")."""
    if shutil.which("node") is None or not (BROWSER / "node_modules" / "playwright-core").exists():
        pytest.skip("playwright-core is not installed (scripts/bootstrap.sh runs npm ci in tests/browser)")
    tmp_path = tmp_path_factory.mktemp("stored_take_lost")
    fed, browser = microphone()
    signals = tmp_path / "signals"
    signals.mkdir()
    takes = tmp_path / "takes"
    engine = recorder_engine(tmp_path)
    back = None
    phone = subprocess.Popen(["node", str(BROWSER / "stored_take_lost.js"), rec_of(engine).local_url, str(fed),
                              str(signals)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **browser})
    try:
        wait_for_signal(phone, signals, "stored", 60)
        first = probe_of(engine).wait_for(1)[0].take_id
        assert engine.wait_idle(10, settle=0.3)
        port = rec_of(engine).server.port
        engine.stop()
        # The disk as a crash and a bad sector leave it: the take stored, not done, its audio unreadable.
        journal = takes / PROCESSED_JOURNAL
        journal.write_text(journal.read_text().replace(first + "\n", ""))
        (takes / f"{first}.wav").write_bytes(GARBAGE)
        back = recorder_engine(tmp_path, port=port, check=False)
        (signals / "back").write_text("")
        out, err = phone.communicate(timeout=90)
        received = [take.take_id for take in probe_of(back).wait_for(1)]
    finally:
        shut_down(phone, engine, back)
    assert phone.returncode == 0, err + out
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return {**result, "first": first, "received": received, "takes": takes}


def test_a_take_lost_by_the_recorder_at_its_restart_is_sent_again_by_the_page(
        lost_and_sent_again: dict[str, Any]) -> None:
    result, received = lost_and_sent_again, lost_and_sent_again["received"]
    assert result["statuses"] == [201, 201], result  # stored, lost, and stored anew from the phone's retry
    assert result["info"].startswith("Received"), result
    assert len(received) == 1 and received[0] != result["first"], received
    assert (result["takes"] / f"{received[0]}.wav").exists()


def test_the_take_list_shows_one_true_row_of_a_lost_take_sent_again(lost_and_sent_again: dict[str, Any]) -> None:
    # While the recorder lists the lost take's error, the page is sending the take again: its row said only the
    # error, "stored take unreadable". Once stored anew, the error row and the new one were both shown.
    sending, stored = lost_and_sent_again["whileSending"], lost_and_sent_again["onceStored"]
    assert len(sending) == 1 and "waiting" in sending[0] and "unreadable" not in sending[0], sending
    assert len(stored) == 1 and "unreadable" not in stored[0] and "waiting" not in stored[0], stored


def test_a_take_list_asked_before_the_take_was_stored_anew_tells_no_error_as_its_end(
        lost_and_sent_again: dict[str, Any]) -> None:
    # A list asked before the retry was stored, answered after the page received the take, has the lost copy's error
    # row alone: the info line told it as the take's end, "Received, not used: ... stored take unreadable", and
    # having told the end, never corrected it once the row stored anew was listed.
    late, end = lost_and_sent_again["infoOnLateList"], lost_and_sent_again["info"]
    assert "unreadable" not in late and "not used" not in late, late
    assert "unreadable" not in end and "not used" not in end, end
