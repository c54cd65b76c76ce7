"""A Stop that the input process gets just as its JACK server shuts down, on a server of the test's own
(:mod:`tests.jack_server`): the server is stopped the moment the process answers the Stop, as it goes to close its
stream.

Before: the process, finding its JACK client still alive, stopped and closed the stream; the server gone meanwhile,
PortAudio's close asserted (``pa_jack.c:983: CleanUpStream: Assertion `__err == 0' failed``) and the process died
of SIGABRT (the patch unharmed, its log holding the abort)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from typing import Any

import pytest

from exsampling_patch.devices import ABORTED_AT_CLOSE_EXIT
from exsampling_patch.nodes.microphone_input import InputProcess, InputRing, Setup
from tests.jack_server import stop_server

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


def test_an_input_process_stopped_as_its_jack_server_shuts_down_ends_cleanly(
        private_jack: subprocess.Popen[bytes], capfd: pytest.CaptureFixture[str]) -> None:
    ring = InputRing.create(48000, 1)
    errors: list[str] = []
    statuses: list[dict[str, Any]] = []
    setup = Setup(device="", channels=1, sample_rate=48000, blocksize=0, frames=48000, ring_fd=ring.fd)
    inputs = InputProcess(setup, ring, errors.append, lambda **values: statuses.append(values))
    try:
        assert inputs.start().jack_client, "the stream did not open through JACK"
        process = inputs.child.process
        assert process is not None

        def stop_server_once_answered() -> None:
            if inputs.child.answered.wait(10):  # the process has the Stop: it is closing its stream now
                private_jack.terminate()

        stopper = threading.Thread(target=stop_server_once_answered)
        stopper.start()
        inputs.stop()
        stopper.join()
    finally:
        inputs.stop()
        ring.close()
        stop_server(private_jack)
    stderr = capfd.readouterr().err
    # 0: the stream closed before the server went; ABORTED_AT_CLOSE_EXIT: PortAudio asserted, and the process ended
    assert process.returncode in (0, ABORTED_AT_CLOSE_EXIT), (process.returncode, stderr)
    assert "pa_jack.c" not in stderr and "Assertion" not in stderr, stderr
    assert errors == [] and [s for s in statuses if "warning" in s] == [], (errors, statuses)
