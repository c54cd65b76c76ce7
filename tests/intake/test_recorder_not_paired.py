"""The page a phone meets with an old or missing pairing token."""

from __future__ import annotations

from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, sine


def test_the_not_paired_page_says_the_takes_waiting_on_the_phone_are_kept(recorder: tuple[Engine, Client]) -> None:
    """A phone reloading the page after the recorder's token changed (rotate_token) met "Not paired" and nothing about
    the takes it was still sending: a performer took them for lost. The page says they stay kept, and are sent once
    the page is opened with the new link (as the page does)."""
    _, client = recorder
    status, body = client.request("GET", "/", token="an-old-token-from-before")
    page = body.decode()
    assert status == 401 and "Not paired" in page
    assert "Takes waiting on this phone stay kept in its browser" in page, page
    assert "sent once you open the new link" in page, page
    assert "<meta charset=utf-8>" in page  # its text is read as the UTF-8 it is


def test_the_not_paired_page_says_whether_the_token_is_missing_or_old(recorder: tuple[Engine, Client]) -> None:
    """A page opened without a token (the address typed by hand) and one with an old token (the recorder restarted
    with a new one) read the same, though the console tells them apart: a performer who typed the address went
    looking for a new QR code, one with an old link scanned the same old one again. Each says which, and what to do."""
    _, client = recorder
    status, body = client.request("GET", "/", token=None)
    missing = body.decode()
    assert status == 401 and "This link has no pairing token" in missing, missing
    assert "Scan the QR code shown by the patch, or open the full URL it prints." in missing, missing
    assert "sent once you open the full link" in missing and "new token" not in missing, missing
    status, body = client.request("GET", "/", token="an-old-token-from-before")
    old = body.decode()
    assert status == 401 and "This link's pairing token is not the recorder's" in old, old
    assert "restarted with a new token since this link was made" in old, old
    assert "Scan the QR code the patch shows now" in old and "no pairing token" not in old, old


def test_an_upload_refused_for_its_token_says_whether_it_is_missing_or_old(recorder: tuple[Engine, Client]) -> None:
    """An upload refused for its token was answered "needs the pairing token: open the URL from the QR code" whether
    it showed none or an old one: a sender with an old link (a script, a phone's kept take) went on looking for a
    token it already had. The reply says which, in the words of the not-paired page."""
    _, client = recorder
    wav = encode_wav_pcm16(sine(), 48000)
    headers = {"Content-Type": "audio/wav", "X-Recorder": "Mika"}
    status, missing = client.request("POST", "/api/takes", wav, headers, token=None)
    assert status == 401 and missing["error"].startswith("this upload has no pairing token"), missing
    assert "new token" not in missing["error"], missing
    status, old = client.request("POST", "/api/takes", wav, headers, token="an-old-token-from-before")
    assert status == 401 and old["error"].startswith("this upload's pairing token is not the recorder's"), old
    assert "restarted with a new token" in old["error"] and "no pairing token" not in old["error"], old
