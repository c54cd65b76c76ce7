"""A patch run again on the same inbox with include_existing took nothing, without a word: the files' takes had
ended in the earlier run, and its journal has them as done. The console's folder line says so at start, and what to
remove to take them again."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.commands.folder_words import folder_line
from tests.stage.helpers import Run
from tests.waiting import wait_for

PATCH = """exsampling_patch: 1
nodes:
- id: inbox
  type: folder_source
  params: {folder: inbox, include_existing: true, poll_interval: 0.05, settle_time: 0.05}
- id: log
  type: log
links:
- inbox.take -> log.message
"""


def _run(tmp_path: Path, patch: Path, takes: tuple[str, ...] = ()) -> Run:
    """A run of ``patch``: until the takes of the files ``takes`` are done, then Ctrl+C; else for a moment."""
    if not takes:
        run = Run(str(patch), "--for", "0.5", "--log", str(tmp_path / "lib.log"), "--show-log", "none")
        assert run.wait(60) == 0, run.output()
        return run
    run = Run(str(patch), "--log", str(tmp_path / "lib.log"), "--show-log", "none")
    try:
        # its line once done, as the journal writes it down ("kick.wav from inbox, 0.10 s: done (log)")
        assert wait_for(lambda: all(any(f" {name} from inbox" in line and " done (log)" in line
                                        for line in list(run.stderr)) for name in takes), 60), run.output()
        run.signal_group()
        assert run.wait(60) == 130, run.output()
    finally:
        if run.process.poll() is None:
            run.kill()
    return run


def test_files_an_earlier_run_took_are_said_to_be_left_alone(tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    for name in ("kick.wav", "snare.wav"):
        sf.write(tmp_path / "inbox" / name, np.full(4800, 0.1, np.float32), 48000)
    patch = tmp_path / "drop.yaml"
    patch.write_text(PATCH, encoding="utf-8")
    line = f"folder_source 'inbox': takes from the audio files put in {tmp_path}/inbox"
    journal = tmp_path / "inbox" / ".folder_source-inbox.journal"

    first = _run(tmp_path, patch, ("kick.wav", "snare.wav"))
    assert f"{line}\n" in first.stderr, first.output()  # nothing taken before: the line alone

    again = _run(tmp_path, patch)
    assert (f"{line} (2 files there were taken by an earlier run: left alone; remove {journal} before a start to "
            "take them again)\n") in again.stderr, again.output()
    assert "kick.wav" not in again.output()

    journal.unlink()  # as the line says: both are taken again
    last = _run(tmp_path, patch, ("kick.wav", "snare.wav"))
    assert f"{line}\n" in last.stderr, last.output()


def test_one_file_taken_before_is_said_in_the_singular() -> None:
    said = folder_line("folder_source", "in", "/x", {"left_alone": 0, "taken_before": 1, "journal": "/x/.j"})
    assert said == ("folder_source 'in': takes from the audio files put in /x (1 file there was taken by an earlier "
                    "run: left alone; remove /x/.j before a start to take them again)")
