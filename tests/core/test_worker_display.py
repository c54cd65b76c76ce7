"""tests/worker_services.py: a pytest-xdist worker whose display would be the run's ends before its tests, naming
why, instead of running its editor tests on the first worker's display. CI at 578ae25b: 29 editor tests failed on
both workers at once (keys taken by the other's window, a Shift held by the other), and nothing in the log said so.

Each case runs the worker's start in a process of its own, told it is the worker gw1, with the real Xvfb started
by scripts/xvfb.sh as the case needs: refused (an option it does not know), or on the run's display number."""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.worker_services import shared_display

REPO = Path(__file__).resolve().parents[2]
WORKER = ("import os; from tests import worker_services; worker_services.start(); "
          "print(os.environ.get('DISPLAY'), flush=True)")
XVFB = shutil.which("Xvfb")
needs_services = pytest.mark.skipif(XVFB is None or shutil.which("jackd") is None or shutil.which("xdotool") is None,
                                    reason="needs Xvfb, jackd and xdotool")


def start_worker(tmp_path: Path, xvfb_args: str, run_display: str) -> subprocess.CompletedProcess[str]:
    """The worker gw1's start, in a run whose display is ``run_display``, its Xvfb the real one with ``xvfb_args``
    around the arguments scripts/xvfb.sh gives it (``$@``)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    xvfb = bin_dir / "Xvfb"
    xvfb.write_text(f'#!/bin/sh\nexec {XVFB} {xvfb_args}\n')
    xvfb.chmod(0o755)
    env = os.environ | {"PYTEST_XDIST_WORKER": "gw1", "DISPLAY": run_display,
                        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.run([sys.executable, "-c", WORKER], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)


def answers(display: str) -> bool:
    return subprocess.run(["xdotool", "getdisplaygeometry"], env=os.environ | {"DISPLAY": display},
                          capture_output=True, timeout=10).returncode == 0


@needs_services
def test_a_worker_whose_xvfb_does_not_start_ends_naming_why(tmp_path: Path) -> None:
    run_display = os.environ.get("DISPLAY") or ":0"
    done = start_worker(tmp_path, '"$@" -not-an-option', run_display)
    kept = re.search(r"\(its log: (\S+)\)", done.stderr)  # xvfb.sh keeps an unstarted Xvfb's log: not this one's
    if kept:
        Path(kept[1]).unlink(missing_ok=True)
    # Before: it went on with the run's display; xvfb.sh's warning was all that told it.
    assert done.returncode != 0 and done.stdout == "", (done.stdout, done.stderr[-2000:])
    assert "SharedDisplay: pytest-xdist worker gw1: its own Xvfb did not start" in done.stderr, done.stderr[-2000:]
    assert f"share the run's display {run_display}" in done.stderr, done.stderr[-2000:]


@needs_services
def test_a_worker_whose_xvfb_takes_the_runs_display_number_ends_and_stops_it(tmp_path: Path) -> None:
    # A number no server holds, so that the worker's Xvfb starts there, as one did where the run's DISPLAY named a
    # display no server answered on; drawn at random so that two runs of this test at once do not meet.
    free = [n for n in range(900, 1000) if not Path(f"/tmp/.X11-unix/X{n}").exists()]
    number = random.choice(free)
    done = start_worker(tmp_path, f':{number} "$@"', f":{number}")
    Path(f"/tmp/exsampling-xvfb-{number}.log").unlink(missing_ok=True)  # xvfb.sh's, of a display no run has
    assert done.returncode != 0 and done.stdout == "", (done.stdout, done.stderr[-2000:])
    assert f"its own Xvfb took the run's display number :{number}" in done.stderr, done.stderr[-2000:]
    assert not answers(f":{number}"), "the refused worker's Xvfb still runs"


def test_a_display_is_shared_where_its_number_is_the_runs_or_the_worker_has_none() -> None:
    assert shared_display(":0", ":1") is None
    assert shared_display("", "") is None  # no display for the run either: the display tests skip everywhere
    assert shared_display(":0", "") is not None
    assert shared_display(":3.0", ":3") is not None
    assert shared_display("unix:3", ":3") is not None
