"""Stopping the sampler's audio process when it hangs, or when it takes its time to finish, with real child
processes (:mod:`tests.child_hangs`) in its place.

Before: a process that never answered the Stop held the node's stop for 8 s (5 s waiting for its last messages, 3 s
before a kill), silently; the microphone's input process was already terminated after a bounded grace."""

from __future__ import annotations

import contextlib
import signal
import subprocess
from typing import Any

import pytest

from exsampling_patch.nodes.sampler import host
from exsampling_patch.nodes.sampler.host import AudioProcess
from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from exsampling_patch.nodes.sampler.slots import channel_map
from tests.jack_server import wait_client_gone
from tests.sampler_start import opened_or_told


def stopped_audio_process(mode: dict[str, str], grace: float, monkeypatch: pytest.MonkeyPatch
                          ) -> tuple[int | None, list[str], list[dict[str, Any]]]:
    """Start an audio process whose child behaves as ``mode`` says, stop it; its exit status, errors and statuses."""
    for name, value in {"EXS_HANG_AS": "sampler", **mode}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(host, "STOP_ANSWER_SECONDS", grace)
    errors: list[str] = []
    statuses: list[dict[str, Any]] = []
    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2), device="none"), state,
                         errors.append, lambda **values: statuses.append(values))
    audio.child.module = "tests.child_hangs"
    try:
        audio.start()
        assert opened_or_told(audio, lambda: errors) and audio.ready.is_set(), errors
        process = audio.process
        assert process is not None
    finally:
        audio.stop()
        state.close()
    assert audio.child.process is None and errors == []
    return process.poll(), errors, statuses


def test_a_hung_audio_process_is_terminated_once_it_does_not_answer_the_stop_and_told(
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, statuses = stopped_audio_process({"EXS_INPUT_STOP": "hang"}, 0.5, monkeypatch)
    assert code == -signal.SIGTERM  # terminated after the grace, not killed after the old 8 s
    warnings = [status["warning"] for status in statuses if "warning" in status]
    assert warnings == ["the sampler's audio process did not answer the stop in 0.5 s (hung): it was terminated"]


def test_an_audio_process_that_answered_the_stop_may_take_longer_to_finish(monkeypatch: pytest.MonkeyPatch) -> None:
    code, _, statuses = stopped_audio_process({"EXS_INPUT_STOP": "slow", "EXS_INPUT_STOP_SECONDS": "1.0"}, 0.2,
                                              monkeypatch)
    assert code == 0  # it finished by itself: not terminated after the grace
    assert [status for status in statuses if "warning" in status] == []



@pytest.mark.jack
def test_the_audio_process_answers_the_stop_before_it_closes_its_stream() -> None:
    """The real audio process (under the JACK dummy server), spoken to directly: Stopping comes before Stopped (the
    stream closed), so that the node waits for one that takes its time closing rather than taking it for hung."""
    from exsampling_patch.child_process import Stop, Stopping
    from exsampling_patch.nodes.sampler import protocol as msg

    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2)), state, lambda text: None,
                         lambda **values: None)
    child = audio.child
    try:
        child.start(msg.Setup(audio.config, state.fd, audio.arena.fd, audio.arena.capacity * 4))
        assert child.connection is not None and child.process is not None
        said: list[object] = []
        while not any(isinstance(message, msg.Opened) for message in said):
            assert child.connection.poll(30), said
            said.append(child.connection.recv())
        child.send(Stop())
        said = []
        with contextlib.suppress(EOFError):
            while child.connection.poll(10):
                said.append(child.connection.recv())
        kinds = [type(message) for message in said]
        assert Stopping in kinds and msg.Stopped in kinds, kinds
        assert kinds.index(Stopping) < kinds.index(msg.Stopped), kinds
        assert child.process.wait(10) == 0
    finally:
        child.end()
        audio.arena.close()
        state.close()


def test_an_audio_process_whose_jack_server_does_not_answer_its_close_ends_by_itself_at_the_stop(
        private_jack: subprocess.Popen[bytes]) -> None:
    """Closing the stream waits for the JACK server's answer. A server that gives none (here stopped, SIGSTOP: a
    server of the test's own) held the real audio process's close for good; so did one that timed out on the process
    while it was suspended (SIGSTOP for 3 s, then SIGCONT: 5 hangs in 5 tries by hand, but not every time). Before,
    the node's stop waited for it 8 s (5 s for its last messages, 3 s for its exit), then killed it."""
    errors: list[str] = []
    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2)), state, errors.append,
                         lambda **values: None)
    audio.start()
    try:
        assert opened_or_told(audio, lambda: errors), errors
        process = audio.process
        assert process is not None
        private_jack.send_signal(signal.SIGSTOP)
        try:
            audio.stop()
        finally:
            private_jack.send_signal(signal.SIGCONT)
        # Its client, dead, let go before the fixture stops the server: stopped while letting it go, jackd took 6 s
        # to end (tests/jack_server.py's wait_client_gone). Not asserted: a slow teardown is no fault of the stop's.
        if audio.jack_client:
            wait_client_gone(audio.jack_client)
    finally:
        audio.stop()
        state.close()
    assert process.poll() == 0  # it ended by itself, with the status it would have had: not killed (-9) by the node
    assert errors == ["the sound device did not close in 2 s (its JACK server no longer answers this process, as "
                      "after it was suspended): the audio process ended without closing it"]
