"""A file still being copied into the watched folder when the show starts again (after a crash, a break) is read once,
whole: not told unreadable first (a real engine, a real folder, a copy held open across the start)."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.intake.folder_show import inbox_to_writer, take_lines

RATE = 8000


def test_a_compressed_copy_under_way_at_the_start_is_read_once_whole(tmp_path: Path) -> None:
    """Killed in a burst of files dropped in (the copies going on), the show restarted: half a FLAC there at the
    start, not closed since, was read as arrived while the show was stopped, told 'error in inbox: unreadable: flac
    decoder lost sync', then read again whole once its copy ended: two ends for one take, the first an error."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = {"folder": str(inbox), "poll_interval": 0.02, "settle_time": 0.2}
    patch, engine, _ = inbox_to_writer(settings, tmp_path / "library")
    engine.start(patch)  # the first run: the folder's journal, so that the next start sees what arrived since
    engine.stop()
    out = io.BytesIO()
    sf.write(out, (np.arange(RATE, dtype=np.float32) % 2000 - 1000) / 4000, RATE, format="FLAC")
    data = out.getvalue()
    with (inbox / "take.flac").open("wb") as copy:
        copy.write(data[:len(data) // 2])
        copy.flush()
        patch, engine, err = inbox_to_writer(settings, tmp_path / "library")
        engine.start(patch)
        try:
            # The copy goes on after several quiet times: a show's file copied from a phone, its sync slow.
            time.sleep(1.0)
            copy.write(data[len(data) // 2:])
            copy.close()
            deadline = time.monotonic() + 20
            while err.getvalue().count(" from inbox") < 1 and time.monotonic() < deadline:
                time.sleep(0.02)
            assert engine.wait_idle(settle=0.5)
        finally:
            engine.stop()
    lines = [re.sub(r"^\S+ (.*?)( \(\d+ ms\))?$", r"\1", line) for line in take_lines(err)]
    assert len(lines) == 1 and ": stored as " in lines[0] and "unreadable" not in lines[0], lines
