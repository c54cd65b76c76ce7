"""A new audio process that cannot be started (the system refuses it: out of processes, of memory, a descriptor
gone), for the real audio process under the JACK dummy server: killed, its replacement refused once, then allowed.

Before: the reader told 'cannot start the sampler's audio process', waited, and then died of an AssertionError (no
process to read), so no process was ever started again: the sampler stayed silent until the patch restarted."""

from __future__ import annotations

import os
import resource
import threading

import pytest

from exsampling_patch.nodes.sampler import host
from exsampling_patch.nodes.sampler.host import AudioProcess
from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from exsampling_patch.nodes.sampler.slots import channel_map


def closed_fd() -> int:
    """A descriptor not open here: the highest allowed (a lower one freed could be taken by the next socket)."""
    fd = resource.getrlimit(resource.RLIMIT_NOFILE)[0] - 1
    with pytest.raises(OSError):
        os.fstat(fd)
    return fd


@pytest.mark.jack
def test_an_audio_process_that_cannot_be_started_is_tried_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(host, "RESTART_SECONDS", 0.05)  # the waits before each try
    errors: list[str] = []
    refused = threading.Event()
    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2)), state, lambda _: None,
                         lambda **values: None)
    passed = audio.child.pass_fds

    def told(text: str) -> None:
        errors.append(text)
        if text.startswith("cannot start"):  # the system allows it again: the next try starts it
            audio.child.pass_fds = passed
            refused.set()

    audio.report_error = told
    try:
        audio.start()
        assert audio.opened.wait(30), ("the stream did not open", errors)
        first = audio.process
        assert first is not None
        audio.child.pass_fds = (*passed, closed_fd())  # Popen fails: EBADF, an OSError as fork or exec may raise
        first.kill()
        assert refused.wait(30), errors
        assert audio.opened.wait(30), ("no audio process was started again", errors)
        assert audio.process is not first and audio.process is not None and audio.process.poll() is None
    finally:
        audio.stop()
        state.close()
    assert errors[:2] == ["the sampler's audio process ended (exit status -9); restarting it",
                          "cannot start the sampler's audio process: [Errno 9] Bad file descriptor"], errors
