"""tests/jack_server.py's wait_client_gone is best effort: a ``jack_lsp`` that takes over its time (a server that
does not answer yet) is asked again until the wait's deadline. Before, its ``TimeoutExpired`` failed the test that
waited, though the wait is unasserted (test_sampler_stop waits so only to spare the teardown 6 s)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest

from tests.jack_server import wait_client_gone

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


def jack_lsp_children() -> set[int]:
    """The pids of this process's ``jack_lsp`` children now."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, rest = stat.read_text().rsplit(")", 1)
        except OSError:  # ended meanwhile
            continue
        if name.endswith("(jack_lsp") and int(rest.split()[1]) == os.getpid():
            found.add(int(stat.parent.name))
    return found


def first_jack_lsp(seconds: float = 30) -> int | None:
    """The pid of a ``jack_lsp`` child of this process, as soon as one runs (None after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while not (children := jack_lsp_children()):
        if time.monotonic() > deadline:
            return None
        time.sleep(0.01)
    return min(children)


def gone(pid: int, seconds: float = 30) -> bool:
    """Whether child ``pid`` ended (was reaped) within ``seconds``."""
    deadline = time.monotonic() + seconds
    while pid in jack_lsp_children():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.01)
    return True


def test_a_jack_lsp_that_takes_over_its_time_is_asked_again_until_the_deadline(
        private_jack: subprocess.Popen[bytes]) -> None:
    private_jack.send_signal(signal.SIGSTOP)  # it answers no jack_lsp until continued
    result: list[bool | BaseException] = []

    def wait() -> None:
        try:
            result.append(wait_client_gone("exs-nobody", timeout=60, each=0.3))
        except BaseException as error:  # told below, not lost in the thread
            result.append(error)

    waiter = threading.Thread(target=wait)
    try:
        waiter.start()
        pid = first_jack_lsp()
        assert pid is not None, result
        assert gone(pid)  # killed once past its 0.3 s: the server, stopped, answered it nothing
    finally:
        private_jack.send_signal(signal.SIGCONT)  # the next jack_lsp is answered
        waiter.join(60)
    assert result == [True]
