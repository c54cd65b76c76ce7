"""A command with no console at all (``sys.stderr`` None: pythonw, a process started detached): its console lines go
to the log, never to stdout, where they mixed into what a caller parses (``--json``, the summary line): ``print`` to
a None file writes on ``sys.stdout``. A real subprocess running ``exsampling edit`` without a display (two console
lines, then exit status 2), its log a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

NO_STDERR = """
import logging, sys
logging.basicConfig(filename="log.txt", level=logging.INFO, format="%(message)s")
sys.stderr = None
from exsampling_patch.cli import main
code = main(["edit", "missing.yaml"])
print("PARSED", code)
"""


def test_console_lines_without_stderr_stay_off_stdout(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, "-c", NO_STDERR], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "PARSED 2\n", done.stdout  # before: the two lines on stdout, above what a caller parses
    log = (tmp_path / "log.txt").read_text()
    assert ("warning: console lines could not be written (no console: sys.stderr is None): each such line goes to "
            "the log instead; exsampling edit goes on") in log, log
    assert "not on the console: missing.yaml: no such file" in log, log
    assert "not on the console: exsampling edit needs a display" in log, log
