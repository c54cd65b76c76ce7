"""A Stop that the sampler's audio process gets just as its JACK server shuts down, on a server of the test's own
(:mod:`tests.jack_server`): the server is stopped the moment the process answers the Stop (Stopping), as it goes to
close its stream.

Before: the process, finding its JACK client still alive, closed the stream; the server gone meanwhile, PortAudio
asserted (``pa_jack.c:983: CleanUpStream: Assertion `__err == 0' failed``, or ``pa_jack.c:820`` in
``Pa_Terminate`` at the interpreter's exit) and the process died of SIGABRT, the assertion in the patch's log."""

from __future__ import annotations

import shutil
import subprocess
import threading
from typing import Any

import pytest

from exsampling_patch.devices import ABORTED_AT_CLOSE_EXIT
from exsampling_patch.nodes.sampler.host import AudioProcess
from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from exsampling_patch.nodes.sampler.slots import channel_map
from tests.jack_server import stop_server
from tests.sampler_start import opened_or_told

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


def test_an_audio_process_stopped_as_its_jack_server_shuts_down_ends_cleanly(
        private_jack: subprocess.Popen[bytes], capfd: pytest.CaptureFixture[str]) -> None:
    errors: list[str] = []
    statuses: list[dict[str, Any]] = []
    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2)), state, errors.append,
                         lambda **values: statuses.append(values))
    try:
        audio.start()
        assert opened_or_told(audio, lambda: errors) and audio.jack_client, \
            ("the stream did not open through JACK", errors)
        process = audio.process
        assert process is not None

        def stop_server_once_answered() -> None:
            if audio.child.answered.wait(10):  # the process has the Stop: it is closing its stream now
                private_jack.terminate()

        stopper = threading.Thread(target=stop_server_once_answered)
        stopper.start()
        audio.stop()
        stopper.join()
    finally:
        audio.stop()
        state.close()
        stop_server(private_jack)
    stderr = capfd.readouterr().err
    # 0: the stream closed before the server went; ABORTED_AT_CLOSE_EXIT: PortAudio asserted, and the process ended
    assert process.returncode in (0, ABORTED_AT_CLOSE_EXIT), (process.returncode, stderr)
    assert "pa_jack.c" not in stderr and "Assertion" not in stderr, stderr
    assert errors == [] and [s for s in statuses if "warning" in s] == [], (errors, statuses)
