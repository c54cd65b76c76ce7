"""``exsampling edit`` sends libraries' own messages to its log file, as ``exsampling run`` does: the editor's
terminal keeps Python's own (a warning, a failing callback's traceback). Runs the command in a process of its own
on the test display, with no JACK server to answer."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NOISE = "jack server is not running"  # libjack's words, at each try to open a port

PATCH = """\
exsampling_patch: 1
nodes:
- id: sampler
  type: sampler
  position: [60, 60]
"""


@pytest.mark.display
@pytest.mark.skipif(not os.environ.get("DISPLAY"), reason="needs a display")
def test_libjacks_messages_go_to_the_log_not_the_editors_terminal(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(PATCH, encoding="utf-8")
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state"), "JACK_NO_START_SERVER": "1",
           "JACK_DEFAULT_SERVER": f"exsampling-none-{os.getpid()}"}
    log = tmp_path / "state" / "exsampling" / "edit.log"
    with (tmp_path / "err.txt").open("w") as err:
        editor = subprocess.Popen([sys.executable, "-m", "exsampling_patch.cli", "edit", "--run", "p.yaml"],
                                  cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=err,
                                  start_new_session=True)
        try:
            deadline = time.monotonic() + 120  # a wait for the first try, not a timed assertion
            while time.monotonic() < deadline and editor.poll() is None:
                said = [path.read_text(errors="replace") for path in (log, tmp_path / "err.txt") if path.exists()]
                if any(NOISE in text for text in said):
                    break
                time.sleep(0.2)
        finally:
            os.killpg(editor.pid, signal.SIGKILL)
            editor.wait(30)
    terminal = (tmp_path / "err.txt").read_text(errors="replace")
    # Five lines of libjack's a second went to the terminal, for as long as the editor was open.
    assert NOISE not in terminal, terminal
    assert log.exists() and NOISE in log.read_text(errors="replace"), terminal
    assert "-- exsampling edit, " in log.read_text(errors="replace")
