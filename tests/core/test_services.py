"""scripts/services.sh's virtual display: each test run gets one of its own, however many run at once."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RUNS = 10  # more than the nine displays (:90-:98) the script once picked among at random


@pytest.mark.skipif(shutil.which("Xvfb") is None or shutil.which("xdotool") is None, reason="needs Xvfb and xdotool")
def test_runs_started_at_once_each_get_a_display_of_their_own() -> None:
    env = {key: value for key, value in os.environ.items() if key != "DISPLAY"}
    # Each shell starts its display, says which and how large the server there says the screen is, and holds the
    # display until its stdin closes.
    script = ('source scripts/xvfb.sh; echo "$DISPLAY $(xdotool getdisplaygeometry)"; read -r _; '
              'kill "${_started_pids[@]}"; wait')
    shells = [subprocess.Popen(["bash", "-c", script], cwd=REPO, env=env, stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True) for _ in range(RUNS)]
    try:
        said = [shell.stdout.readline().split() for shell in shells if shell.stdout is not None]
    finally:
        for shell in shells:
            if shell.stdin is not None:
                shell.stdin.close()
        for shell in shells:
            shell.wait(timeout=30)
    assert all(words[1:] == ["1280", "1024"] for words in said), said  # each display's server answered
    displays = [words[0] for words in said]
    assert len(set(displays)) == RUNS, displays
