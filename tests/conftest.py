"""Shared fixtures: where the data is, and markers that skip tests whose services are missing.

`make test` (scripts/test.sh) starts Xvfb and a JACK dummy server before pytest; tests that need them
skip with a reason when run without (never crash the suite: a viewport without DISPLAY aborts Python).
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from exsampling_patch.devices import name_jack_client
from tests import worker_services
from tests.jack_server import private_server
from tests.jack_tools import jack_command
from tests.outside_writes import WATCHED, guard

# Torch's OpenMP threads wait for work by spinning. On a 2-core machine shared with other work (or with a test's
# own processes), a spinning thread holds the core that the thread it waits for needs, and each small torch
# operation then waits out a time slice: 300 steps of the training's head fit took 32-43 s beside one busy process,
# 4 s waiting passively. Set before torch is imported, for the tests and every process they start; the same results.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

REPO = Path(__file__).resolve().parent.parent
ESC50 = REPO.parent / "shared" / "data" / "esc50"


def pytest_configure(config: pytest.Config) -> None:
    restore_stop_signals()  # before xdist starts the workers (they inherit it) and any test starts a child
    with worker_services.failures_told(config):  # said last by the run (xdist buries them)
        worker_services.forget_inherited_name(config)  # a run started from a worker's test is none
        worker_services.start()  # before any test module is imported (tests/worker_services.py)
        # This process's PortAudio client (tone bursts played, outputs recorded), named apart as the patch's audio
        # processes name theirs: the two workers' clients, both "PortAudio", opening at once on their two servers
        # could leave one worker's PortAudio without JACK for the whole run (exsampling_patch.devices.name_jack_client).
        name_jack_client("tests")


def restore_stop_signals() -> None:
    """Puts SIGINT back to Python's handler and SIGHUP and SIGTERM to their default where this process inherited them
    ignored. A non-interactive shell starts a background job (`cmd &`) with SIGINT ignored and nohup ignores SIGHUP;
    an ignored disposition outlives exec, so the commands the tests start and signal (Ctrl+C, hang-up and stop
    tests) ignored them too: a suite started as `(setsid nohup bash scripts/test.sh > log 2>&1 &)` failed 11 of
    them. Only an ignored one: a handler someone set on purpose (a debugger's) is kept."""
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGHUP, signal.SIGTERM):
        if signal.getsignal(number) == signal.SIG_IGN:
            signal.signal(number, signal.SIG_DFL)


def pytest_unconfigure(config: pytest.Config) -> None:
    worker_services.tell_failures(config)  # last: after xdist's INTERNALERROR, which buries why a worker failed


def jack_running() -> bool:
    if shutil.which("jack_lsp") is None:
        return False
    # Asked again after a failure (see tests/jack_tools.py): a single one would skip every JACK test of the run.
    try:
        return jack_command("jack_lsp", timeout=5).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    has_display = bool(os.environ.get("DISPLAY"))
    has_jack = jack_running()
    has_chromium = shutil.which("chromium") is not None
    for item in items:
        if "display" in item.keywords and not has_display:
            item.add_marker(pytest.mark.skip(reason="needs DISPLAY (run through `make test`, which starts Xvfb)"))
        if "jack" in item.keywords and not has_jack:
            item.add_marker(pytest.mark.skip(reason="needs a JACK server (`make test` starts a dummy one)"))
        if "browser" in item.keywords and not has_chromium:
            item.add_marker(pytest.mark.skip(reason="needs Debian's chromium"))


@pytest.fixture(scope="session")
def esc50() -> Path:
    """The ESC-50 folds 1-4 folder (audio/ and esc50.csv) shared beside the repository."""
    if not (ESC50 / "esc50.csv").exists():
        pytest.skip(f"ESC-50 data not found at {ESC50}")
    return ESC50


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO


@pytest.fixture(autouse=True)
def _writes_only_under_tmp_path() -> Iterator[None]:
    """Fails a test that wrote into the checkout's ../session, ../takes, session/ or takes/ (tests/outside_writes.py):
    a node built without a folder writes there, beside a real show's state and other tests' files."""
    yield from guard(WATCHED)


@pytest.fixture
def private_jack(monkeypatch: pytest.MonkeyPatch) -> Iterator[subprocess.Popen[bytes]]:
    """A JACK dummy server of the test's own, the default one meanwhile (tests/jack_server.py): for tests that stop,
    hang or restart it, which the shared server must never be."""
    yield from private_server(monkeypatch)
