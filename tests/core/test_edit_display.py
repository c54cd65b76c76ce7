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


#: ``exsampling edit café.yaml`` without a display, its console a stream that cannot encode "é" (a caller's own
#: sys.stderr: Python's own escapes it, whatever PYTHONIOENCODING says), written to err.txt.
ASCII_CONSOLE = """
import sys
sys.stderr = open("err.txt", "w", encoding="ascii", errors="strict")
from exsampling_patch.cli import main
code = main(["edit", "caf\\u00e9.yaml"])
sys.stderr.close()
sys.exit(code)
"""


def test_a_console_that_cannot_encode_the_patch_name_does_not_end_the_command(tmp_path: Path) -> None:
    # Before: the line "café.yaml: no such file" raised UnicodeEncodeError out of print, and the command ended with
    # a traceback (exit status 1) before it looked for a display (with one: before the editor opened).
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    done = subprocess.run([sys.executable, "-c", ASCII_CONSOLE], env=env, cwd=tmp_path, capture_output=True,
                          text=True, timeout=60)
    err = (tmp_path / "err.txt").read_text(encoding="ascii")
    assert done.returncode == 2, (done.stderr, err)
    assert err.startswith("warning: console lines could not be written (UnicodeEncodeError: "), err
    # worded for the editor: "the show goes on" was said here too, where there is no show
    assert "each such line goes to the log instead; exsampling edit goes on\n" in err, err
    assert "exsampling edit needs a display (DISPLAY is not set)" in err, err
    # The lost line goes to the log, here that same console: one line of words, not Python's "--- Logging error ---"
    # and a traceback (cli.LogHandler).
    assert "Traceback" not in err and "Logging error" not in err, err
    log = os.path.realpath(tmp_path / "err.txt")
    assert f"exsampling: could not write to the log ({log}): UnicodeEncodeError: " in err, err


def test_a_console_on_a_full_disk_does_not_end_the_command(tmp_path: Path) -> None:
    # Before: the line "missing.yaml: no such file" raised OSError (ENOSPC) out of print: exit status 1, before the
    # display was looked for. Every line is lost here, the exit status tells how far the command went.
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from exsampling_patch.cli import main; sys.exit(main(['edit', "
             "'missing.yaml']))"], env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=full, text=True, timeout=60)
    assert done.returncode == 2  # the display's, as with a console that takes the lines (test_no_display_is_told)
