"""The page a phone meets with an old or missing pairing token."""

from __future__ import annotations

from exsampling_patch.runtime.engine import Engine

from .conftest import Client


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
