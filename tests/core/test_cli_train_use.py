"""`exsampling train` ends saying how to use the model it wrote, as a command that works."""

from __future__ import annotations

import re
import shlex
import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from tests.core.cli_shared import EXE


def test_train_ends_with_a_classify_command_that_uses_its_model(tmp_path: Path) -> None:
    # Before, it ended at "wrote mine.pt ... and its card": what to do with the model was in --help alone.
    rng = np.random.default_rng(0)
    for label, hz in (("hum", 110.0), ("hiss", 0.0)):
        (tmp_path / "takes" / label).mkdir(parents=True)
        for n in range(3):
            t = np.arange(14400) / 48000
            y = np.sin(2 * np.pi * hz * (1 + n / 10) * t) if hz else rng.standard_normal(len(t))
            sf.write(tmp_path / "takes" / label / f"{n}.wav", (0.3 * y).astype(np.float32), 48000)
    out = tmp_path / "mine.pt"
    done = subprocess.run([*EXE, "train", str(tmp_path / "takes"), "--out", str(out), "--threads", "1"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    said = re.search(r"^use it: \.venv/bin/exsampling (classify .*) FILE\.\.\., or in a patch the classifier node's "
                     r"parameter model: (.*)$", done.stdout, flags=re.M)
    assert said, done.stdout
    assert said.group(2) == str(out)
    take = tmp_path / "takes" / "hum" / "0.wav"
    classified = subprocess.run([*EXE, *shlex.split(said.group(1)), str(take)], capture_output=True, text=True,
                                timeout=120)
    assert classified.returncode == 0, classified.stderr
    assert classified.stdout.startswith(f"{take}: h"), classified.stdout  # hum or hiss: the model's labels
