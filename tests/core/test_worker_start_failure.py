"""tests/worker_services.py: why a pytest-xdist worker failed to start is the run's last word. xdist 3.8 ends such a
run with an INTERNALERROR whose last line is ``KeyError: <WorkerController gw1>`` (its dsession.py:267), the cause
buried above it among xdist's own source lines.

A real ``pytest -n 2`` run of a tiny test folder with this suite's conftest, its second worker's start failing as a
worker's does where its own Xvfb does not start (:class:`tests.worker_services.SharedDisplay`): an Xvfb and a jackd
that exit at once come first on its PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_worker_that_fails_to_start_is_said_last_with_its_cause(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("Xvfb", "jackd"):  # jackd too: the worker needs none to fail, and starting one costs a second
        (bin_dir / name).write_text(f"#!/bin/sh\necho 'the fake {name} of {tmp_path}'\nexit 1\n")
        (bin_dir / name).chmod(0o755)
    cases = tmp_path / "cases"  # not "tests": from tmp_path, the repository's tests package would be it
    cases.mkdir()
    (cases / "conftest.py").write_text("from tests.conftest import *  # noqa: F403\n")
    for n in range(2):
        (cases / f"test_{n}.py").write_text("def test_a():\n    pass\n")
    # The run's DISPLAY is only compared with the worker's own (none): no X server need answer there.
    env = os.environ | {"PYTHONPATH": str(REPO), "DISPLAY": os.environ.get("DISPLAY") or ":0",
                        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--max-worker-restart", "0",
                           "-p", "no:cacheprovider", str(cases)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    for log in Path("/tmp").glob("exsampling-xvfb-starting.*.log"):  # xvfb.sh keeps an unstarted Xvfb's log
        if str(tmp_path) in log.read_text(errors="replace"):
            log.unlink(missing_ok=True)
    assert done.returncode != 0, done.stdout[-3000:]
    # What comes after xdist's last INTERNALERROR line: before, only pytest's "no tests ran" summary.
    last = done.stdout.rsplit("INTERNALERROR>", 1)[-1]
    assert "pytest-xdist worker gw1 failed to start" in last, done.stdout[-3000:]
    assert "SharedDisplay: pytest-xdist worker gw1: its own Xvfb did not start" in last, done.stdout[-3000:]
