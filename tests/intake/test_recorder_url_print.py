"""The web recorder's own print of its URL (print_qr, on the terminal `exsampling edit` runs in) says it in the words
of `exsampling run`'s console, which prints it in the recorder's place: "web_recorder 'rec': phones open URL".

Before: "Recorder 'rec': open URL" under edit and "web_recorder 'rec': phones open URL" under run, for one thing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from .conftest import recorder_engine


def test_the_recorders_print_says_its_url_as_the_run_console_does(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    engine = recorder_engine(tmp_path, https=False, print_qr=True)
    try:
        out = capsys.readouterr().out
    finally:
        engine.stop()
    assert re.search(r"^web_recorder 'rec': phones open http://\S+:\d+/\?token=\S+$", out, re.M), out
    assert "█" in out, out  # its QR code under it
