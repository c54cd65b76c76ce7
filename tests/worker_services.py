"""Services of each pytest-xdist worker's own: every worker but the first starts a virtual display and a JACK
dummy server of its own (scripts/services_held.sh) before its tests are collected, and stops them when it ends.
The first worker uses the run's (scripts/test.sh started them). A run without xdist is left as it is."""

from __future__ import annotations

import atexit
import os
import subprocess
from pathlib import Path

HELD = Path(__file__).resolve().parent.parent / "scripts" / "services_held.sh"

_held: subprocess.Popen[str] | None = None


def worker_number() -> int | None:
    """This process's xdist worker number (``gw1`` -> 1), or None outside xdist."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    return int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else None


def start() -> None:
    """Starts this worker's own services, unless it is the first (or not a worker), and points this process (and
    every process it starts) at them: before any test module imports sounddevice, whose PortAudio looks for JACK
    once."""
    global _held
    number = worker_number()
    if not number or _held is not None:
        return
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
    if told.get("DISPLAY"):
        os.environ["DISPLAY"] = told["DISPLAY"]
    if told.get("JACK_DEFAULT_SERVER"):  # else the run's, shared: better than its tests skipped
        os.environ["JACK_DEFAULT_SERVER"] = told["JACK_DEFAULT_SERVER"]
        os.environ["JACK_LOG"] = told.get("JACK_LOG", "")


def stop() -> None:
    """Stops this worker's services (their keeper ends when its input closes); :func:`start` has it run at exit."""
    global _held
    if _held is None:
        return
    assert _held.stdin is not None
    _held.stdin.close()
    try:
        _held.wait(20)
    except subprocess.TimeoutExpired:
        _held.kill()
        _held.wait()
    _held = None
