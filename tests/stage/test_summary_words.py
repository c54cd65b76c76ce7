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
    assert summary and "; 1 take silent" in summary.group(0) and "dropped" not in summary.group(0), err
    record = events[-1]
    assert record["event"] == "RunStopped" and record["takes"] == {"dropped": 1}, record  # as before, for scripts
    assert record["takes_told"] == {"silent": 1}, record


def test_the_summary_counts_takes_in_words(tmp_path: Path) -> None:
    """The summary said "takes ended: slot 1" (a fate and a number, to decode): it says "1 take in a slot", with
    each count's noun, as the take lines say their ends."""
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- {id: inbox, type: folder_source, params: {folder: inbox, poll_interval: 0.05}}
- {id: bass, type: fixed_slot, params: {slot: Bass}}
links:
- {from: inbox.take, to: bass.take}
""", encoding="utf-8")
    run = Run(str(patch), "--for", "1.5", "--log", str(tmp_path / "lib.log"))
    run.wait_for("running")
    (tmp_path / "inbox").mkdir(exist_ok=True)
    t = np.arange(4800) / 48000
    sf.write(tmp_path / "inbox" / "tone.wav", (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 48000)
    assert run.wait(60) == 0, run.output()
    summary = re.search(r"^stopped after .*$", "".join(run.stderr), re.M)
    assert summary and summary.group(0).endswith(" running; 1 take in a slot"), run.output()


def test_each_count_of_the_summary_reads_as_words() -> None:
    from exsampling_patch.commands.run import ends_text

    assert ends_text({"slot": 1}) == "1 take in a slot"
    told = {"error": 2, "refused": 1, "rejected": 1, "slot": 3, "no slot": 1}  # as counted: any order
    assert ends_text(told) == ("3 takes in their slots, 1 take rejected, 1 take with no slot, 1 take refused, "
                               "2 takes ended in errors")
