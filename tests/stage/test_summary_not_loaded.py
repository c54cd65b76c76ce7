"""The run's summary counts a take no output loaded apart from the takes in their slots: it said "1 take in a slot"
under a take line ending "not loaded into Live: ...; no output has it" (Live alone linked, and silent), which a
performer read as a take an instrument could play. Both say it by one rule (stop_news.no_output_has)."""

from __future__ import annotations

import json
import re
import socket
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.stage.helpers import Run, free_port


def write_patch(folder: Path) -> Path:
    """Live alone linked, and silent (nothing listens on its port), in ``folder``: its inbox, Live's folder."""
    folder.mkdir()
    patch = folder / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
nodes:
- {{id: inbox, type: folder_source, params: {{folder: inbox, poll_interval: 0.05}}}}
- {{id: hh, type: fixed_slot, params: {{slot: HH}}}}
- {{id: live, type: ableton_live, params: {{port: {free_port(socket.SOCK_DGRAM)}, answer_within: 0.3,
    folder: {folder / "live"}}}}}
links:
- {{from: inbox.take, to: hh.take}}
- {{from: hh.assignment, to: live.assignment}}
""", encoding="utf-8")
    return patch


def test_a_take_live_alone_did_not_load_is_counted_apart_in_the_summary(tmp_path: Path) -> None:
    # The two runs (console lines, JSON lines), each in a folder of its own, run at once: each spends its start-up
    # and its --for span waiting, which overlap so instead of adding up.
    runs = {}
    for json_lines in (False, True):
        folder = tmp_path / ("json" if json_lines else "plain")
        runs[json_lines] = Run(str(write_patch(folder)), "--for", "2.5", *(["--json"] if json_lines else []),
                               "--log", str(folder / "lib.log"))
    for json_lines, run in runs.items():
        run.wait_for("running")
        inbox = tmp_path / ("json" if json_lines else "plain") / "inbox"
        inbox.mkdir(exist_ok=True)
        t = np.arange(4800) / 48000
        sf.write(inbox / f"tone{int(json_lines)}.wav", (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 48000)
    for run in runs.values():
        assert run.wait(60) == 0, run.output()
    err = "".join(runs[False].stderr)
    assert re.search(r"tone0\.wav.*: slot HH, not in Live; no output has it", err), err  # its reason on Live's line
    assert re.search(r"ableton_live 'live': not loaded into Live: .*; take lines say \"not in Live\"", err), err
    summary = re.search(r"^stopped after .*$", err, re.M)
    assert summary and re.search(r" running; 1 take in its slot but loaded by no output(;|$)", summary.group(0)), err
    record = [json.loads(line) for line in runs[True].stdout if line.strip()][-1]
    assert record["event"] == "RunStopped", record
    # as before, for scripts (slot counts it still); not_loaded is added
    assert record["takes"] == {"slot": 1} and record["takes_told"] == {"slot": 1}, record
    assert record["not_loaded"] == 1, record


def test_the_summary_words_takes_no_output_loaded() -> None:
    from exsampling_patch.commands.run import ends_text

    assert ends_text({"slot": 3, "rejected": 1}, 1) == ("2 takes in their slots, 1 take in its slot but loaded by no "
                                                        "output, 1 take rejected")
    assert ends_text({"slot": 2}, 2) == "2 takes in their slots but loaded by no output"
    assert ends_text({"slot": 2}) == "2 takes in their slots"
