"""The recording page of a web recorder whose take folder cannot be made, in a real headless Chromium: it says that
the recorder cannot store takes and why; a take recorded is kept on the phone, refused, and sent again; once the folder
can be made the notice goes and the take is received. Before, the recorder did not start: no page at all."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from .conftest import BROWSER, microphone, probe_of, rec_of, recorder_engine, shut_down, wait_for_signal

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]


def test_the_page_says_why_takes_cannot_be_stored_until_they_can(tmp_path: Path) -> None:
    signals = tmp_path / "signals"
    signals.mkdir()
    fed, browser = microphone()
    folder = tmp_path / "takes"
    folder.write_text("not a folder", encoding="utf-8")
    engine = recorder_engine(tmp_path, tmp_path / "state", check=False)
    phone = subprocess.Popen(["node", str(BROWSER / "not_storing.js"), rec_of(engine).local_url, str(fed),
                              str(signals)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **browser})
    try:
        wait_for_signal(phone, signals, "refused", 60)
        assert probe_of(engine).received == []  # refused: nothing accepted that is not on disk
        folder.unlink()
        out, err = phone.communicate(timeout=90)
        sent = probe_of(engine).wait_for(1, 5.0)
    finally:
        shut_down(phone, engine)
    assert phone.returncode == 0, err + out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["errors"] == [], result
    assert result["noticeShown"], result
    assert result["notice"] == (f"The recorder cannot store takes: its take folder {folder} cannot be made: {folder} "
                                "is a file. Takes recorded here are kept on this phone and sent once it can."), result
    assert f"its take folder {folder} cannot be made" in result["refusedInfo"], result
    assert not result["noticeShownAfter"] and result["noticeAfter"] == "", result
    assert result["rows"][0].startswith(("received", "done")), result
    assert [take.source for take in sent] == ["Kept"], result
