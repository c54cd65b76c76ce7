"""The run's summary counts takes in the words of their lines: a take whose line said ``silent`` was counted as
``dropped 1``, which a performer read as a take lost. The JSON record's ``takes`` still counts by fate (scripts read
it); ``takes_told`` has the summary line's words."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.stage.helpers import Run


def test_a_silent_take_is_counted_as_silent_not_dropped(tmp_path: Path) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- {id: inbox, type: folder_source, params: {folder: inbox, poll_interval: 0.05}}
- {id: trim, type: trim, params: {}}
- {id: writer, type: take_writer, params: {folder: library}}
links:
- {from: inbox.take, to: trim.take}
- {from: trim.out, to: writer.take}
""", encoding="utf-8")
    run = Run(str(patch), "--for", "1.5", "--json", "--log", str(tmp_path / "lib.log"))
    run.wait_for("running")
    (tmp_path / "inbox").mkdir(exist_ok=True)
    sf.write(tmp_path / "inbox" / "hush.wav", np.zeros(4800, np.float32), 48000)
    assert run.wait(60) == 0, run.output()
    events = [json.loads(line) for line in run.stdout if line.strip()]
    (ended,) = [e for e in events if e["event"] == "TakeEnded"]
    assert ended["fate"] == "dropped" and ended["reason"] == "silent", ended
    err = "".join(run.stderr)
    summary = re.search(r"^stopped after .*$", err, re.M)
    assert summary and "takes ended: silent 1" in summary.group(0) and "dropped" not in summary.group(0), err
    record = events[-1]
    assert record["event"] == "RunStopped" and record["takes"] == {"dropped": 1}, record  # as before, for scripts
    assert record["takes_told"] == {"silent": 1}, record
