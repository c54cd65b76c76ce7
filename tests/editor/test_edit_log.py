"""``exsampling edit`` sends libraries' own messages to its log file, as ``exsampling run`` does: the editor's
terminal keeps Python's own (a warning, a failing callback's traceback). Runs the command in a process of its own
on the test display, with no JACK server to answer."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.editor.scenario_worker import NO_DISPLAY

REPO = Path(__file__).resolve().parents[2]
NOISE = "jack server is not running"  # libjack's words, at each try to open a port

PATCH = """\
exsampling_patch: 1
nodes:
- id: sampler
  type: sampler
  position: [60, 60]
"""


def edit_until_libjack_speaks(work: Path, env: dict[str, str], log: Path) -> str:
    """Run ``exsampling edit --run`` on ``work``'s p.yaml until libjack has said it finds no server (in the log or
    on the terminal), or the editor ended; stop it; returns what its terminal got."""
    err_path = work / "err.txt"
    with err_path.open("w") as err:
        editor = subprocess.Popen([sys.executable, "-m", "exsampling_patch.cli", "edit", "--run", "p.yaml"],
                                  cwd=work, env=env, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        try:
            deadline = time.monotonic() + 120  # a wait for the first try, not a timed assertion
            while time.monotonic() < deadline and editor.poll() is None:
                said = [path.read_text(errors="replace") for path in (log, err_path) if path.exists()]
                if any(NOISE in text for text in said):
                    break
                time.sleep(0.2)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(editor.pid, signal.SIGKILL)
            editor.wait(30)
    return err_path.read_text(errors="replace")


@pytest.mark.display
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display")
def test_libjacks_messages_go_to_the_log_not_the_editors_terminal(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH, encoding="utf-8")
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "JACK_NO_START_SERVER": "1",
           "JACK_DEFAULT_SERVER": f"exsampling-none-{os.getpid()}"}
    log = tmp_path / "state" / "exsampling" / "edit.log"
    for _ in range(3):
        terminal = edit_until_libjack_speaks(tmp_path, env, log)
        # A connection to the X server is now and then refused at once on this machine (see scenario_worker): the
        # window did not open, and nothing ran.
        if not (log.exists() and NO_DISPLAY in log.read_text(errors="replace")) or NOISE in log.read_text():
            break
        log.unlink()
    # Five lines of libjack's a second went to the terminal, for as long as the editor was open.
    assert NOISE not in terminal, terminal
    # Where they went is said there: a window that cannot open aborts the editor with its reason in the log.
    assert f"libraries' own messages (JACK, PortAudio, the window's) go to {log}\n" in terminal, terminal
    assert log.exists() and NOISE in log.read_text(errors="replace"), terminal
    assert "-- exsampling edit, " in log.read_text(errors="replace")
