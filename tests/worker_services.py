"""Services of each pytest-xdist worker's own: every worker but the first starts a virtual display and a JACK
dummy server of its own (scripts/services_held.sh) before its tests are collected, and stops them when it ends.
The first worker uses the run's (scripts/test.sh started them). A run without xdist is left as it is.

A worker never shares the run's display: one that gets none of its own, or one of the run's number, ends with
:class:`SharedDisplay` before its tests are collected, naming why. Shared, two workers' editors took each other's
keys, clicks and held Shift (CI at 578ae25b: 29 editor tests failed on both workers), and the log said nothing of
it. Without a JACK server of its own a worker still shares the run's (jack.sh warns): unlike two windows on one
display, two workers' JACK clients are named apart.

A worker that fails to start (:class:`SharedDisplay`, or any other exception) writes why into a folder its run
named (:func:`failures_told`), and the run's controlling process says it last (:func:`tell_failures`): pytest-xdist
3.8 buries it under an INTERNALERROR whose last line is ``KeyError: <WorkerController gw1>`` (its dsession.py:267)."""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

HELD = Path(__file__).resolve().parent.parent / "scripts" / "services_held.sh"

# The folder where this run's workers that fail to start write why (one file each), set by the run's controller.
FAILURES = "EXSAMPLING_WORKER_FAILURES"
#: Its name's start, then the controller's pid and a token: the pid tells a killed run's folder (see _sweep_failures).
FAILURES_PREFIX = "exsampling-worker-failures-"

_held: subprocess.Popen[str] | None = None


def worker_number() -> int | None:
    """This process's xdist worker number (``gw1`` -> 1), or None outside xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else None


def forget_inherited_name(config: pytest.Config) -> None:
    """Drops PYTEST_XDIST_WORKER from this process's environment unless xdist made this process a worker (its
    ``workerinput``): a pytest run started from a worker's test inherits the name, and :func:`start` took it for
    that worker, starting a display and a JACK server of its own (for an inner ``-n 2`` run, its controller, whose
    workers are told their own names by xdist). Dropped here, the inner run and every process it starts see none."""
    if not hasattr(config, "workerinput"):
        os.environ.pop("PYTEST_XDIST_WORKER", None)


def start() -> None:
    """Starts this worker's own services, unless it is the first (or not a worker), and points this process (and
    every process it starts) at them: before any test module imports sounddevice, whose PortAudio looks for JACK
    once."""
    global _held
    number = worker_number()
    if not number or _held is not None:
        return
    run_display = os.environ.get("DISPLAY", "")
    _held = subprocess.Popen(["bash", str(HELD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    # Stopped at exit, after the exit handlers registered later (run first): sounddevice's closes PortAudio's JACK
    # client, and on a server already gone PortAudio aborts the worker (pa_jack.c's Terminate asserts).
    atexit.register(stop)
    assert _held.stdout is not None
    told: dict[str, str] = {}
    for line in _held.stdout:
        if line.strip() == "held":
            break
        name, _, value = line.rstrip("\n").partition("=")
        told[name] = value
    why = shared_display(run_display, told.get("DISPLAY", ""))
    if why:
        stop()
        raise SharedDisplay(f"pytest-xdist worker gw{number}: {why}")
    if told.get("DISPLAY"):
        os.environ["DISPLAY"] = told["DISPLAY"]
    if told.get("JACK_DEFAULT_SERVER"):  # else the run's, shared: better than its tests skipped
        os.environ["JACK_DEFAULT_SERVER"] = told["JACK_DEFAULT_SERVER"]
        os.environ["JACK_LOG"] = told.get("JACK_LOG", "")


@contextmanager
def failures_told(config: pytest.Config) -> Iterator[None]:
    """Around a process's start (pytest_configure): in a worker, writes why it failed to start, if it does, into
    the folder its run named; in the run's controlling process, names that folder, a new one. Always new: a run
    started from a test inherits the outer run's, whose end would then report the inner run's workers. The worker's
    name is the one xdist gave it (not PYTEST_XDIST_WORKER, inherited by every process a worker's test starts).

    Named, not made: the first failure makes it (:func:`_write_failure`), so a run whose workers all start (or one
    without xdist) leaves nothing; made at each run's start, every run killed (a timeout, Ctrl+C twice) left one
    behind in /tmp. One that a killed run's failed worker made is removed by the next run (:func:`_sweep_failures`)."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker is None:
        _sweep_failures()
        name = f"{FAILURES_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
        os.environ[FAILURES] = str(Path(tempfile.gettempdir()) / name)
    try:
        yield
    except BaseException:
        if worker is not None:
            _write_failure(worker, traceback.format_exc())
        raise


def _write_failure(worker: str, text: str) -> None:
    folder = os.environ.get(FAILURES)
    if folder:  # its run's controller names it and removes it at its end; the first worker to fail makes it
        Path(folder).mkdir(exist_ok=True)
        (Path(folder) / worker).write_text(text)


def _sweep_failures() -> None:
    """Removes the failures folders of runs whose controlling process is gone (killed before its end removed its
    own): their workers' causes were for that run's end, which never came."""
    for folder in Path(tempfile.gettempdir()).glob(f"{FAILURES_PREFIX}*-*"):
        pid = folder.name.removeprefix(FAILURES_PREFIX).split("-")[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's: alive
        pass
    return True


def tell_failures(config: pytest.Config) -> None:
    """In the run's controlling process, says last, after xdist's INTERNALERROR, why each worker that failed to
    start failed, then removes the folder :func:`failures_told` named."""
    folder = os.environ.get(FAILURES)
    if hasattr(config, "workerinput") or not folder:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    write = reporter.write if reporter is not None else sys.stderr.write  # stdout, where the INTERNALERROR went
    for path in sorted(Path(folder).glob("gw*")):
        write(f"\npytest-xdist worker {path.name} failed to start (the cause of xdist's "
              f"'KeyError: <WorkerController {path.name}>'):\n{path.read_text()}")
    shutil.rmtree(folder, ignore_errors=True)


class SharedDisplay(RuntimeError):
    """A worker's display would be the run's: raised before its tests are collected, which ends the run."""


def shared_display(run: str, own: str) -> str | None:
    """Why a worker told ``own`` as its display (empty: none) would share the run's display ``run``, or None where
    it has one of its own, or the run has none either (the display tests then skip on every worker)."""
    if not run:
        return None
    if not own:
        return (f"its own Xvfb did not start (scripts/xvfb.sh's warning names its log), so its editor tests would "
                f"share the run's display {run} with the first worker's: refused")
    if _number(own) == _number(run):
        return (f"its own Xvfb took the run's display number {own} (no X server answered there as it started: the "
                f"run's is gone, or DISPLAY was set where none runs), so both workers' editor tests would share it: "
                f"refused")
    return None


def _number(display: str) -> str:
    """The display number of a local ``display`` (":0", ":0.0", "unix:0" -> "0"); another host's, as it is."""
    host, _, rest = display.rpartition(":")
    return rest.split(".")[0] if host in ("", "unix") else display


def stop() -> None:
    """Stops this worker's services (their keeper ends when its input closes); :func:`start` has it run at exit."""
    global _held
    if _held is None:
        return
    close_child(_held, 20)
    _held = None


def close_child(child: subprocess.Popen[str], wait_s: float) -> None:
    """Ends ``child``, a process that ends by itself once its input closes (scripts/services_held.sh, stopping the
    services it holds; tests/browser/phone_runner.js, closing its browser): its input closed, then waited for up to
    ``wait_s`` seconds, then killed. Closed first, not killed: killed, what it holds would be left running."""
    assert child.stdin is not None
    with contextlib.suppress(BrokenPipeError):  # text mode flushes what is buffered: a child gone already
        child.stdin.close()
    try:
        child.wait(wait_s)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
