"""A sampler whose start() failed before it made its ring of what it played is not asked for the show log.

Only a sampler the stop kept from starting was skipped: one whose start() raised (here: its shared state refused,
the run's file size limit below the state's size, as a full /dev/shm or a tight ``ulimit -f`` refuses it) was
asked, and the console said "warning: show log ...: could not read what sampler sampler played: 'Sampler' object
has no attribute '_played'": a Python error for a sampler that played nothing, its real error told above it.
"""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

from exsampling_patch.nodes.sampler.shared import state_nbytes
from tests.stage.helpers import EXE, REPO


def test_a_sampler_that_failed_to_start_is_not_asked_what_it_played(tmp_path: Path) -> None:
    patch = tmp_path / "patch.yaml"
    # device '' runs the audio in a process of its own, whose state goes in a shared file: the file size limit
    # refuses it, in start(), before the ring of what the sampler played is made
    patch.write_text("""exsampling_patch: 1
nodes:
- id: sampler
  type: sampler
  params: {device: '', virtual_port: ''}
links: []
""", encoding="utf-8")
    show, log = tmp_path / "show.jsonl", tmp_path / "run.log"
    limit = state_nbytes(8) // 2  # the logs of a one-second run stay far below it

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([*EXE, "run", str(patch), "--for", "0.5", "--show-log", str(show), "--log", str(log)],
                          capture_output=True, text=True, cwd=REPO, env=dict(os.environ), timeout=120,
                          preexec_fn=limit_file_size)
    output = done.stdout + done.stderr
    assert "node 'sampler' never started" in output, output  # else the limit did not make its start fail
    assert "not started: 'sampler'" in output, output
    assert "show log" not in output.replace(f"show log: {show}", ""), output
    assert "_played" not in output, output
    assert "_played" not in show.read_text(encoding="utf-8")
