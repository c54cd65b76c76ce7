"""A phone's page left open while the recorder restarts with a new pairing token (rotate_token): it says so before a
take is recorded, and says when it is paired again (a real headless Chromium against the real recorder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import microphone, probe_of, rec_of, recorder_engine, shut_down, start_phone, wait_for_signal

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]


def test_a_page_whose_pairing_changed_says_so_before_a_take_is_recorded(tmp_path: Path) -> None:
    """Its take list, asked every 2 s, was answered 401 and the page went on as if paired: the performer learnt that
    the phone must scan the new QR code only from a take recorded and refused, in the middle of the show."""
    signals = tmp_path / "signals"
    signals.mkdir()
    _, browser = microphone()  # the run's browser (no take is recorded)
    engine = recorder_engine(tmp_path, tmp_path / "state")
    back = None
    phone = start_phone("pairing_changed.js", rec_of(engine).local_url, signals, env=browser)
    try:
        wait_for_signal(phone, signals, "ready", 30)
        port = rec_of(engine).server.port
        engine.stop()
        back = recorder_engine(tmp_path, tmp_path / "state", port=port, rotate_token=True)
        out, err = phone.communicate(timeout=60)
    finally:
        shut_down(phone, engine, back)
    assert phone.returncode == 0, err + out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == [], result
    assert result["info"] == "The recorder's pairing changed: scan its new QR code (or open its new link) on this " \
                             "phone before recording.", result
    assert result["isError"], result


def test_a_page_whose_take_was_refused_for_its_pairing_says_when_it_is_paired_again(tmp_path: Path) -> None:
    """Another pairing answered at the recorder's address (another state folder, another token) and refused a take;
    then the recorder that knows the page's token came back. "Paired again" was said only over the take list's own
    message: the upload's "pairing changed" stayed on the info line, and the performer never learnt the phone was
    paired again."""
    signals = tmp_path / "signals"
    signals.mkdir()
    fed, browser = microphone()
    engine = recorder_engine(tmp_path, tmp_path / "state")
    port, url, token = rec_of(engine).server.port, rec_of(engine).local_url, rec_of(engine).server.token
    other = back = None
    phone = start_phone("paired_again.js", url, fed, signals, env=browser)

    def wait_for(name: str) -> None:
        wait_for_signal(phone, signals, name, 60)

    try:
        wait_for("ready")
        engine.stop()
        other = recorder_engine(tmp_path / "other", tmp_path / "other-state", port=port)
        assert rec_of(other).server.token != token
        (signals / "go").touch()
        wait_for("refused")
        other.stop()
        back = recorder_engine(tmp_path, tmp_path / "state", port=port)
        assert rec_of(back).local_url == url  # the page's own token again
        out, err = phone.communicate(timeout=90)
        sent = probe_of(back).wait_for(1, 5.0)
    finally:
        shut_down(phone, engine, other, back)
    assert phone.returncode == 0, err + out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == [], result
    assert result["refusedInfo"].startswith("The recorder's pairing changed: scan its new QR code"), result
    assert result["info"].startswith("Paired again"), result
    assert not result["isError"], result
    # The take refused for the pairing is sent by the page paired again, not only by one opened with a new link.
    assert result["rows"][0].startswith(("received", "done")), result  # done: through the patch before a list said
    assert [take.source for take in sent] == ["Paired"], result
