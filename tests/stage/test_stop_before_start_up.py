"""A stop that comes before `exsampling run` has put its own signal handler in place (while its modules import, or
while the patch loads: over 3 s on a loaded machine) ends the run as a performer expects: Ctrl+C with the one line
"stopped before start-up ended" and 130, SIGTERM quietly with 143; never a traceback.

The console script itself runs (.venv/bin/exsampling, its first import included), in a process of its own; the
signal is real, sent by the process to itself from an audit hook as a given module is imported: a fixed point of
start-up rather than a guessed delay. numpy is imported with the package's API (the eager imports of the package's
``__init__``, before the console script could call ``main``); the sampler's node module while the run loads the
patch's node types, before its handler is in place."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.stage.helpers import REPO

SCRIPT = REPO / ".venv" / "bin" / "exsampling"

LAUNCH = """
import os, runpy, signal, sys

module, signum, script = sys.argv[1], int(sys.argv[2]), sys.argv[3]

def stop_at_import(event, args):
    if event == "import" and args[0] == module:
        os.kill(os.getpid(), signum)

sys.addaudithook(stop_at_import)
sys.argv = [script, *sys.argv[4:]]
runpy.run_path(script, run_name="__main__")
"""

#: Where the stop lands: as the package's API is first imported, and as the run loads its node types.
AT = ["numpy", "exsampling_patch.nodes.sampler.core"]


def stopped_at(tmp_path: Path, module: str, signum: int) -> subprocess.CompletedProcess[str]:
    patch = tmp_path / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes: []\n", encoding="utf-8")
    # --for: a stop that never came ends the run anyway, with 0 (the assertions then say so)
    return subprocess.run([sys.executable, "-c", LAUNCH, module, str(int(signum)), str(SCRIPT), "run", str(patch),
                           "--for", "0.1", "--show-log", "none", "--log", str(tmp_path / "run.log")],
                          capture_output=True, text=True, timeout=120, cwd=REPO)


@pytest.mark.parametrize("module", AT)
def test_ctrl_c_before_the_handler_says_one_line_and_exits_130(tmp_path: Path, module: str) -> None:
    done = stopped_at(tmp_path, module, signal.SIGINT)
    assert done.returncode == 130, done.stderr
    assert done.stderr.strip().splitlines()[-1:] == ["stopped before start-up ended"], done.stderr
    assert "Traceback" not in done.stderr and "KeyboardInterrupt" not in done.stderr, done.stderr


@pytest.mark.parametrize("module", AT)
def test_sigterm_before_the_handler_ends_quietly_with_143(tmp_path: Path, module: str) -> None:
    done = stopped_at(tmp_path, module, signal.SIGTERM)
    assert done.returncode == 143, done.stderr  # an exit, its exit handlers run: not killed by the signal (-15)
    assert "Traceback" not in done.stderr and "running" not in done.stderr, done.stderr
