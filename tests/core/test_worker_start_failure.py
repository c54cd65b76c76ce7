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
import time
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
    temp = tmp_path / "temp"  # the run's TMPDIR: where its failures folder is made, and must be gone from at its end
    temp.mkdir()
    # This worker's name (gw1, gw2 under -n 3), inherited, is dropped by the inner run's controller itself
    # (tests/worker_services.py's forget_inherited_name), as by every run started from a worker's test.
    env = os.environ | {"PYTHONPATH": str(REPO), "DISPLAY": os.environ.get("DISPLAY") or ":0",
                        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "TMPDIR": str(temp)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-n", "2", "--max-worker-restart", "0",
                           "-p", "no:cacheprovider", str(cases)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    for log in Path("/tmp").glob("exsampling-xvfb-starting.*.log"):  # xvfb.sh keeps an unstarted Xvfb's log
        if str(tmp_path) in log.read_text(errors="replace"):
            log.unlink(missing_ok=True)
    assert done.returncode != 0, done.stdout[-3000:]
    # What comes after xdist's last INTERNALERROR line: before, only pytest's "no tests ran" summary.
    last = done.stdout.rsplit("INTERNALERROR>", 1)[-1]
    assert "pytest-xdist worker gw1 failed to start" in last, done.stdout[-3000:] + done.stderr[-3000:]
    assert "SharedDisplay: pytest-xdist worker gw1: its own Xvfb did not start" in last, done.stdout[-3000:]
    assert not list(temp.glob("exsampling-worker-failures-*")), list(temp.iterdir())


def _cases(tmp_path: Path, body: str) -> Path:
    cases = tmp_path / "cases"
    cases.mkdir(exist_ok=True)
    (cases / "conftest.py").write_text("from tests.conftest import *  # noqa: F403\n")
    (cases / "test_0.py").write_text(body)
    return cases


def test_a_killed_run_leaves_no_failures_folder_and_a_dead_runs_is_swept(tmp_path: Path) -> None:
    """Made at each run's start, the folder was left in /tmp by every run killed before its end (as by a run
    without xdist, whose workers it is for); now only a worker's failure makes it, and a run's start removes one
    whose run is gone."""
    temp = tmp_path / "temp"
    temp.mkdir()
    started = tmp_path / "started"
    cases = _cases(tmp_path, f"import pathlib, time\n\ndef test_a():\n    pathlib.Path({str(started)!r}).touch()\n"
                             f"    time.sleep(600)\n")
    env = os.environ | {"PYTHONPATH": str(REPO), "TMPDIR": str(temp)}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", str(cases)]
    run = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and run.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert started.exists(), "the run's test never began"
    finally:
        run.kill()  # SIGKILL: no end of its own
        run.wait()
    assert not list(temp.iterdir()), list(temp.iterdir())
    # A folder a killed run's failed worker made: its controller's pid is gone
    left = temp / f"exsampling-worker-failures-{_dead_pid()}-0a1b2c3d"
    left.mkdir()
    (left / "gw1").write_text("why gw1 failed")
    _cases(tmp_path, "def test_a():\n    pass\n")
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:]
    assert not left.exists(), list(temp.iterdir())


def _dead_pid() -> int:
    """The pid of a process that has ended (and been waited for)."""
    ended = subprocess.Popen(["true"])
    ended.wait()
    return ended.pid


def test_a_run_started_from_a_workers_test_is_no_worker(tmp_path: Path) -> None:
    """A pytest run started from a worker's test inherits its PYTEST_XDIST_WORKER: tests/worker_services.py took the
    inner run for that worker and started services of its own. Here an Xvfb that exits at once comes first on its
    PATH: taken for gw1, the inner run ended, its display not started (SharedDisplay)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name in ("Xvfb", "jackd"):
        (bin_dir / name).write_text("#!/bin/sh\nexit 1\n")
        (bin_dir / name).chmod(0o755)
    said = tmp_path / "said"
    cases = _cases(tmp_path, f"import os, pathlib\n\ndef test_a():\n    pathlib.Path({str(said)!r}).write_text("
                             f"os.environ.get('PYTEST_XDIST_WORKER', '-') + ' ' + os.environ.get('DISPLAY', '-'))\n")
    env = os.environ | {"PYTEST_XDIST_WORKER": "gw1", "PYTHONPATH": str(REPO), "DISPLAY": ":0",
                        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"}
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider", str(cases)]
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert said.read_text() == "- :0"  # no worker's name, and the display it was given, none of its own
