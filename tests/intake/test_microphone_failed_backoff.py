"""A microphone's input process for JACK only whose device the server has not (a client of it, not back) fails the
same way at every try: each try a new process, which loads PortAudio and asks every host for its devices.

Before: a new process every RETRY_SECONDS for as long as the failure stood (the error told once). Now the wait
doubles at each process in a row that failed as the last did, up to a bound. The first test runs real processes on
a real JACK (dummy) server: the first opens the server's ``system``; the test then names a device the server has
not, as the device of the processes to come, and kills the one running. The second needs no server."""

from __future__ import annotations

import itertools
import time
from dataclasses import replace
from pathlib import Path

import pytest

from exsampling_patch.nodes import microphone_input
from exsampling_patch.nodes.microphone_input import InputProcess, InputRing, Setup


@pytest.mark.jack  # the other test asks the process's own rule for its waits: no server
def test_the_same_failure_again_and_again_waits_longer_each_time(tmp_path: Path) -> None:
    ring = InputRing.create(4800, 1)
    errors: list[str] = []
    setup = Setup(device="system", channels=1, sample_rate=48000, blocksize=0, frames=4800, ring_fd=ring.fd)
    inputs = InputProcess(setup, ring, errors.append, lambda **values: None)
    # Its own waits, shortened from the defaults (2 s doubling to 8 s): 0.1, 0.2, 0.4, 0.8, 0.8... The last outlasts
    # a process's own life (about 0.3 s here), so a wait that stayed at its first would fail the check below.
    inputs.retry_seconds, inputs.retry_longest = 0.1, 0.8
    starts: list[tuple[float, int]] = []
    try:
        assert inputs.start().jack_client, "opened through JACK: the processes to come are for JACK only"
        inputs.setup = replace(inputs.setup, device="exs-client-not-back")
        killed = inputs.child.pid
        assert inputs.child.process is not None and killed is not None
        inputs.child.process.kill()
        deadline = time.monotonic() + 30
        while len(starts) < 5 and time.monotonic() < deadline:  # each new process, as it is seen
            pid = inputs.child.pid
            if pid is not None and pid != killed and (not starts or starts[-1][1] != pid):
                starts.append((time.monotonic(), pid))
            time.sleep(0.005)
    finally:
        inputs.stop()
        ring.close()
    assert len(starts) == 5, (starts, errors)
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(starts)]
    assert all(gap >= wait for gap, wait in zip(gaps, [0.1, 0.2, 0.4, 0.8], strict=True)), gaps
    assert len(errors) == 2 and errors[0].startswith("the input process ended (exit status -9)"), errors
    assert errors[1].startswith("cannot open sound device 'exs-client-not-back' for input: the JACK server has no "
                                "such device"), errors  # told once


@pytest.mark.parametrize("jack_only", [False, True], ids=["another-host", "jack-only"])
def test_the_same_failure_through_another_host_waits_no_longer(jack_only: bool) -> None:
    """A USB microphone unplugged fails the same way at every try, through ALSA: before, its tries waited 2, 4, 8, 8
    s as a JACK client's did, and one plugged back in was heard again up to 8 s later. Now the wait stays 2 s; only
    a process for JACK only waits longer (the waits the reader would take, asked of the process's own rule)."""
    ring = InputRing.create(4800, 1)
    try:
        setup = Setup(device="USB Mic", channels=1, sample_rate=48000, blocksize=0, frames=4800, ring_fd=ring.fd,
                      jack_only=jack_only)
        inputs = InputProcess(setup, ring, lambda text: None, lambda **values: None)
        waits = []
        for _ in range(4):
            inputs._failure = "cannot open sound device 'USB Mic' for input: no such device"  # as its process said
            waits.append(inputs._retry_wait(microphone_input.STREAM_FAILED_EXIT))
    finally:
        ring.close()
    assert waits == ([2.0, 4.0, 8.0, 8.0] if jack_only else [2.0, 2.0, 2.0, 2.0])
