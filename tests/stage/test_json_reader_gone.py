"""``exsampling run --json`` whose reader goes away (``| head``, a script that ended): the show goes on, and says
once that its JSON lines stopped."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.stage.helpers import EXE
from tests.stage.test_exit import folder_patch


def test_a_json_reader_that_goes_away_is_told_once_and_the_show_goes_on(tmp_path: Path) -> None:
    """Every event after the reader closed the pipe raised BrokenPipeError into the engine's publish, a traceback in
    the libraries' log each (a few a second, for the whole show), and nothing said so."""
    log = tmp_path / "lib.log"
    process = subprocess.Popen([*EXE, "run", str(folder_patch(tmp_path)), "--json", "--for", "3", "--log", str(log),
                                "--show-log", "none"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    assert process.stdout is not None and process.stderr is not None
    # Up to the folder source's start: a file there before it is left alone (the writer starts first), and one run
    # in CI saw no take at all when the pipe was closed after the first line.
    for line in process.stdout:
        assert line.startswith('{"event": '), line
        if '"NodeStarted"' in line and '"node_id": "inbox"' in line:
            break
    process.stdout.close()  # as `| head` does
    (tmp_path / "inbox").mkdir(exist_ok=True)
    for name in ("one", "two"):  # events, each a line to write
        sf.write(tmp_path / "inbox" / f"{name}.wav", np.full(4800, 0.1, np.float32), 48000)
    err = process.stderr.read()
    assert process.wait(60) == 0, err
    assert err.count("the JSON lines' reader went away (Broken pipe): no more JSON lines are written; the show goes "
                     "on") == 1, err
    # The show went on past the broken pipe: takes written after it ended done (one, where a loaded machine's run ended
    # before the second was through).
    assert re.search(r"; [12] takes? done\b", err), err
    assert "BrokenPipeError" not in log.read_text(encoding="utf-8")
