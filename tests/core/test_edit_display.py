"""`exsampling edit` where it cannot open a window says why and exits 2: Dear PyGui itself aborts the process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def edit_with(environ: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run(
        [sys.executable, "-c", "import sys; from exsampling_patch.cli import main; sys.exit(main(['edit']))"],
        env={**env, **environ}, cwd=tmp_path, capture_output=True, text=True, timeout=60)


def test_no_display_is_told(tmp_path: Path) -> None:
    done = edit_with({}, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "exsampling edit needs a display (DISPLAY is not set)" in done.stderr
    # the command to type, as the README gives it: `exsampling` alone is on no PATH after its `make`
    assert "on a server, use `.venv/bin/exsampling run`" in done.stderr, done.stderr


def test_a_display_no_server_answers_is_told_not_a_core_dump(tmp_path: Path) -> None:
    # Before: "Glfw Error 65544: X11: Failed to open display :987", then glfwSetWindowPos's assertion aborted
    # Python (exit status -6, a core dump). No X server listens on display 987 (no socket, no lock file).
    assert not Path("/tmp/.X11-unix/X987").exists() and not Path("/tmp/.X987-lock").exists()
    done = edit_with({"DISPLAY": ":987"}, tmp_path)
    assert done.returncode == 2, done.stderr
    assert "exsampling edit cannot open the display ':987' (DISPLAY): no X server answers there" in done.stderr
    assert "on a server, use `.venv/bin/exsampling run`" in done.stderr, done.stderr
