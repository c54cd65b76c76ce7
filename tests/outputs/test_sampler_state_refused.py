"""A sampler whose shared state the system refuses (the run's file size limit below it, as a tight ``ulimit -f``
refuses it) says so in words: what it was making, why it was refused, and what to do. The console said only
"error in node 'sampler' in start(): File too large", naming neither the memory nor the limit nor a remedy."""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

from exsampling_patch.nodes.sampler.shared import state_nbytes
from tests.stage.helpers import EXE, REPO


def test_a_shared_state_over_the_file_size_limit_is_told_in_words_with_what_to_do(tmp_path: Path) -> None:
    patch = tmp_path / "patch.yaml"
    # device '' runs the audio in a process of its own, whose state goes in a shared file: the limit refuses it
    patch.write_text("""exsampling_patch: 1
nodes:
- id: sampler
  type: sampler
  params: {device: '', virtual_port: ''}
links: []
""", encoding="utf-8")
    limit = state_nbytes(8) // 2  # the log of a short run stays far below it

    def limit_file_size() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run([*EXE, "run", str(patch), "--for", "0.5", "--log", str(tmp_path / "run.log")],
                          capture_output=True, text=True, cwd=REPO, env=dict(os.environ), timeout=120,
                          preexec_fn=limit_file_size)
    output = done.stdout + done.stderr
    assert "node 'sampler' never started" in output, output  # else the limit did not make its start fail
    told = [line for line in output.splitlines() if "error in node 'sampler' in start()" in line]
    assert told, output
    size = f"{state_nbytes(8) / 1e6:.2f} MB"
    assert told[0].endswith(
        f"error in node 'sampler' in start(): could not make the {size} of memory the sampler shares with its audio "
        f"process: the file size limit of this run ({limit / 1e3:.0f} kB) is below it; raise it (`ulimit -f "
        "unlimited` in the shell that starts the patch: the takes it loads need far more), or set the sampler's "
        "audio_process to false (its audio then runs in the patch's own process)"), told
    assert "File too large" not in output and "Error" not in output, output
