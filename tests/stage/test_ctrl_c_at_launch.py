"""Ctrl+C in the first moment after `exsampling run` is typed (the wrong patch named), while the command's own modules
are still being imported: it ends quietly with 130, as one a moment later does, not in a screenful of traceback.

The SIGINT is real (sent to the process by itself); an audit hook sends it at a fixed point, as the sub-commands'
modules are imported, rather than after a guessed delay."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

LAUNCH = """
import os, signal, sys

def interrupt_at_import(event, args):
    if event == "import" and args[0] == sys.argv[1]:
        os.kill(os.getpid(), signal.SIGINT)

sys.addaudithook(interrupt_at_import)
from exsampling_patch.cli import main
sys.exit(main(sys.argv[2:]))
"""


@pytest.mark.parametrize("module", ["exsampling_patch.commands.stage", "exsampling_patch.commands.start_watch"])
def test_ctrl_c_while_the_command_loads_ends_quietly_with_130(tmp_path: Path, module: str) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes: []\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", LAUNCH, module, "run", str(patch), "--for", "1"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr, done.stderr
