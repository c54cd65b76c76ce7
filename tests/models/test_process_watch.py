"""The watch that starts the classifier's process again when it ends between takes, with a real stand-in process
(:mod:`tests.child_hangs`, which says its model loaded and then waits) killed from outside (SIGKILL)."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator

import pytest

from exsampling_patch.models.process import ClassifierProcess


@pytest.fixture
def said(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    # The stand-in answers the fixture's Stop at once ("slow", 0 s): these tests judge its restarts, not a stop,
    # and one that ignored it ("hang") held each teardown for the stop's whole grace before it was terminated.
    for name, value in {"EXS_HANG_AS": "classifier", "EXS_INPUT_STOP": "slow", "EXS_INPUT_STOP_SECONDS": "0"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(ClassifierProcess, "child_module", "tests.child_hangs")
    return []


@pytest.fixture
def classifier(said: list[str]) -> Iterator[tuple[ClassifierProcess, threading.Semaphore]]:
    told = threading.Semaphore(0)

    def on_restart(text: str) -> None:
        said.append(text)
        told.release()

    process = ClassifierProcess(on_restart=on_restart)
    try:
        process.wait_ready()
        yield process, told
    finally:
        process.stop()


def kill_and_wait_for_its_end(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    # Ended, not reaped (its owner reaps it); ChildProcessError where its owner's watch reaped it first: ended too.
    with contextlib.suppress(ChildProcessError):
        os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)


def test_a_process_that_keeps_dying_soon_after_it_loads_is_started_again_later_and_later(
        classifier: tuple[ClassifierProcess, threading.Semaphore], said: list[str]) -> None:
    """Before, each end was started again at once, every time: each start imports torch and loads the model, and
    nothing said the process kept dying."""
    process, told = classifier
    pids = []
    for _ in range(4):
        pid = process.pid
        assert pid is not None and pid not in pids
        pids.append(pid)
        kill_and_wait_for_its_end(pid)
        assert told.acquire(timeout=60), "the process's end was not noticed before a take"
        process.wait_ready()
    ended = f"the classifier's process ended between takes (exit status {-signal.SIGKILL}); started again"
    assert said == [ended] + [f"{ended} after {delay} s: it keeps dying ({count} times in a row within 10 s of "
                              f"loading its model)" for count, delay in ((2, "0.5"), (3, "1"), (4, "2"))]
    assert process.restarts == 4 and process.pid not in pids


def test_a_process_that_dies_while_a_take_holds_the_lock_is_started_again_once_it_is_free(
        classifier: tuple[ClassifierProcess, threading.Semaphore], said: list[str]) -> None:
    """As a take that has its answer returns, its process may die: the watch found the lock taken and never tried
    again, and the next take waited for a new process to load its model."""
    process, told = classifier
    first = process.pid
    assert first is not None
    with process._lock:  # as predict() holds it: no take is needed for that, nor does the stand-in answer one
        kill_and_wait_for_its_end(first)
        time.sleep(1.0)  # time for the watch to see the end and find the lock taken (no assertion on time)
    assert told.acquire(timeout=60), "the process's end was not noticed once the lock was free"
    process.wait_ready()
    assert said == [f"the classifier's process ended between takes (exit status {-signal.SIGKILL}); started again"]
    assert process.restarts == 1 and process.pid not in (None, first)
