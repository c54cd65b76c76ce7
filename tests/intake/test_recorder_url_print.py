"""The web recorder's own print of its URL (print_qr, on the terminal `exsampling edit` runs in) says it in the words
of `exsampling run`'s console, which prints it in the recorder's place: "web_recorder 'rec': phones open URL".

Before: "Recorder 'rec': open URL" under edit and "web_recorder 'rec': phones open URL" under run, for one thing."""

from __future__ import annotations

import io
import re
import sys
import urllib.request
from pathlib import Path

import pytest

from .conftest import rec_of, recorder_engine


def test_the_recorders_print_says_its_url_as_the_run_console_does(tmp_path: Path,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    engine = recorder_engine(tmp_path, https=False, print_qr=True)
    try:
        out = capsys.readouterr().out
    finally:
        engine.stop()
    assert re.search(r"^web_recorder 'rec': phones open http://\S+:\d+/\?token=\S+$", out, re.M), out
    assert "█" in out, out  # its QR code under it


@pytest.mark.parametrize("console", ["ascii", "closed"])
def test_a_qr_code_that_cannot_be_printed_is_a_warning_and_the_recorder_serves(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, console: str) -> None:
    """A terminal whose encoding has no half blocks (LANG=C), or a stdout closed under the process (a service's): the
    QR code's print raised out of the start, and no phone had a page. Now a warning, the address printed in plain
    text where it can be, and the page served. (A console on a full disk: test_recorder_late_kept_failed_start.)"""
    raw = io.BytesIO()
    stdout = io.TextIOWrapper(raw, encoding="ascii")
    if console == "closed":
        stdout.close()
    monkeypatch.setattr(sys, "stdout", stdout)
    engine = recorder_engine(tmp_path, https=False, print_qr=True)  # asserts no error on any node
    try:
        warning = engine.status.get("rec", {}).get("warning", "")
        rec = rec_of(engine)
        with urllib.request.urlopen(rec.local_url, timeout=30) as page:
            served = page.status
    finally:
        engine.stop()
    assert warning.startswith("the QR code could not be printed ("), warning
    assert rec.url in warning, warning  # the address, in the warning the console and the editor show
    assert served == 200
    if console == "ascii":
        stdout.flush()
        printed = raw.getvalue().decode("ascii")
        assert re.search(r"^web_recorder 'rec': phones open http://\S+:\d+/\?token=\S+$", printed, re.M), printed
