"""A take its sampler loaded after all is counted loaded by the run's summary. With the sampler's audio process
frozen (SIGSTOP) under a burst, each take ended "not loaded into sampler ...: the audio process did not answer within
3 s; no output has it", and the stop's summary said "13 takes in their slots but loaded by no output" (`--json`'s
``not_loaded`` 13) though the sampler, the process thawed, had told each "loaded after all": its warning was text
alone. Its status now names the take (``loaded_after_all``), and the summary counts it with the takes in their slots.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.stage.helpers import Run


def _audio_processes(run: Run) -> list[int]:
    """The run's sampler audio processes (``python -m exsampling_patch.child_process ...sampler.server``)."""
    found = []
    for pid in run.children():
        with contextlib.suppress(OSError), open(f"/proc/{pid}/cmdline", "rb") as file:
            if b"sampler" in file.read():
                found.append(pid)
    return found


@pytest.mark.jack
def test_a_take_the_frozen_sampler_loads_after_all_is_counted_loaded_by_the_summary(tmp_path: Path) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- {id: inbox, type: folder_source, params: {folder: inbox, poll_interval: 0.05}}
- {id: hh, type: fixed_slot, params: {slot: HH}}
- {id: smp, type: sampler, params: {virtual_port: ''}}
links:
- {from: inbox.take, to: hh.take}
- {from: hh.assignment, to: smp.assign}
""", encoding="utf-8")
    (tmp_path / "inbox").mkdir()
    run = Run(str(patch), "--json", "--log", str(tmp_path / "lib.log"))
    try:
        run.wait_for('"device"')  # its audio process plays on the JACK dummy server
        frozen = _audio_processes(run)
        assert frozen, run.output()
        for pid in frozen:
            os.kill(pid, signal.SIGSTOP)
        try:
            t = np.arange(4800) / 48000
            sf.write(tmp_path / "inbox" / "tone.wav", (0.3 * np.sin(2 * np.pi * 220 * t)).astype(np.float32), 48000)
            run.wait_for('"TakeEnded"')
        finally:
            for pid in frozen:
                os.kill(pid, signal.SIGCONT)
        run.wait_for("after all")
        run.signal_group(signal.SIGINT)
        assert run.wait(60) == 130, run.output()
    finally:
        if run.process.poll() is None:
            run.kill()
    records = [json.loads(line) for line in run.stdout if line.strip()]
    (ended,) = [record for record in records if record["event"] == "TakeEnded"]
    assert ended["fate"] == "slot" and "not loaded into sampler 'smp': the audio process did not answer" in \
        ended["reason"] and ended["loaded"] == [], ended
    (late,) = [record for record in records if record["event"] == "NodeStatus"
               and "loaded_after_all" in record["status"]]
    assert late["status"]["loaded_after_all"] == ended["take_id"], late
    stopped = records[-1]
    assert stopped["event"] == "RunStopped", stopped
    assert stopped["takes"] == {"slot": 1} and stopped["not_loaded"] == 0, stopped
    err = "".join(run.stderr)
    summary = re.search(r"^stopped after .*$", err, re.M)
    assert summary and " running; 1 take in a slot" in summary.group(0), err
    assert "loaded by no output" not in summary.group(0), err
