"""A microphone whose sound device does not open is told in the words written for the performer, as the sampler's
is: the console read "node 'mic' never started: RuntimeError: cannot open sound device ...", a programmer's word
before the sentence (the product's own errors are told without their class)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_a_microphone_that_cannot_open_its_device_is_told_without_a_class_name(tmp_path: Path) -> None:
    patch = tmp_path / "mic.yaml"
    patch.write_text("exsampling_patch: 1\nname: mic\nnodes:\n- id: mic\n  type: microphone\n"
                     "  params: {device: no such card, folder: takes}\n", encoding="utf-8")
    env = {**os.environ, "JACK_DEFAULT_SERVER": f"exs-no-server-{os.getpid()}", "JACK_NO_START_SERVER": "1"}
    done = subprocess.run([sys.executable, "-m", "exsampling_patch", "run", str(patch), "--for", "0.1", "--show-log",
                           "none", "--log", str(tmp_path / "run.log")], capture_output=True, text=True, env=env,
                          timeout=60, cwd=tmp_path)
    assert done.returncode == 3, done.stderr  # a node never started
    told = [line for line in done.stderr.splitlines() if "never started" in line]
    assert told and told[0].startswith("node 'mic' never started: cannot open sound device 'no such card' for "
                                       "input: "), done.stderr
    assert "RuntimeError" not in done.stderr, done.stderr
