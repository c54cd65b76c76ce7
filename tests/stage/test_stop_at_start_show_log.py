"""Ctrl+C while a node before the sampler starts (the classifier loading its model) stops the run with the sampler
never started, and the show log says nothing of it: it did not ask a sampler that never started what it played.

Before, it did, and the console told a performer "warning: show log ...: could not read what sampler 'sampler'
played: 'Sampler' object has no attribute '_played'; what it missed is not in the log, and a replay of this show
lacks it": a Python error for a sampler that played nothing. A node whose start() ends only when the test lets it
(a file appears) stands in for the classifier, as in test_ctrl_c_startup.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

from tests.stage.helpers import Run
from tests.stage.test_ctrl_c_startup import SLOW_NODE


def test_ctrl_c_before_the_sampler_starts_leaves_the_show_log_without_a_word(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    (nodes / "slow_start.py").write_text(SLOW_NODE, encoding="utf-8")
    marker, release = tmp_path / "starting", tmp_path / "release"
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"""exsampling_patch: 1
node_dirs: [{nodes}]
nodes:
- id: sampler
  type: sampler
  params: {{device: none, virtual_port: ''}}
- id: slow
  type: slow_start
  params: {{marker: '{marker}', release: '{release}'}}
links: []
""", encoding="utf-8")
    show = tmp_path / "show.jsonl"
    run = Run(str(patch), "--show-log", str(show), "--log", str(tmp_path / "run.log"))
    try:
        deadline = time.monotonic() + 60.0
        while not marker.exists():
            assert run.process.poll() is None, run.output()
            assert time.monotonic() < deadline, "the slow node never began to start"
            time.sleep(0.02)
        run.signal_group(signal.SIGINT)
        code = run.wait(60.0)
    finally:
        if run.process.poll() is None:
            run.kill()
        release.write_text("go")  # only now: the run has ended (or was killed) with start() still waiting
    output = run.output()
    assert code == 130, output
    assert "'sampler'" in output and "never started: the run was stopped first" in output, output
    assert "show log" not in output.replace(f"show log: {show}", ""), output
    assert "_played" not in show.read_text(encoding="utf-8")
