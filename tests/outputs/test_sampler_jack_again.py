"""A JACK server that goes away again between the moment the sampler's audio process found it back and the moment
the new process's PortAudio looks for audio hosts, on a server of the test's own (:mod:`tests.jack_server`).

Such a process found no JACK host: it tried the device through another host (ALSA's default, or a card jackd had
held) every 2 s, for ever, and never went back to waiting for the server: the sampler stayed silent once the server
was back. The window is a fraction of a second; the test starts the process in it, as the node does once the
server is back (``AudioConfig.jack_only``), with the server stopped.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from typing import Any

import pytest

from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from tests.jack_server import start_server, stop_server
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


def test_an_audio_process_started_as_the_server_goes_again_waits_for_it_and_plays_there(
        private_jack: subprocess.Popen[bytes], capfd: pytest.CaptureFixture[str]) -> None:
    from exsampling_patch.nodes.sampler.host import JACK_BACK, AudioProcess
    from exsampling_patch.nodes.sampler.slots import channel_map

    private_jack.terminate()
    private_jack.wait(10)
    errors: list[str] = []
    statuses: list[dict[str, Any]] = []
    config = AudioConfig(slots=1, sample_rate=48000, note_slot=channel_map(1), jack_only=True)
    state = SharedState.create(config.slots)
    audio = AudioProcess(config, state, errors.append, lambda **values: statuses.append(values))
    audio.start()
    again = None
    try:
        first = audio.process
        assert wait_for(lambda: errors), "the server's absence went unreported"
        assert wait_for(lambda: any("audio" in status for status in statuses)), statuses
        again = start_server(os.environ["JACK_DEFAULT_SERVER"])
        assert wait_for(lambda: audio.process is not first and audio.opened.is_set(), 30), errors
        assert first is not None and first.returncode == msg.JACK_BACK_EXIT, first.returncode
        assert audio.jack_client, "the new audio process has no JACK client"
        assert {"audio": JACK_BACK}.items() <= next((s for s in statuses if "device" in s), {}).items(), statuses
    finally:
        audio.stop()
        state.close()
        if again is not None:
            stop_server(again)
    assert errors == ["the JACK server went away again before the sampler's audio restarted: the sampler is silent "
                      "until it is back"], errors  # no device tried through another host
    assert "pa_jack.c" not in capfd.readouterr().err


def test_an_audio_process_started_for_jack_tells_a_device_the_server_has_not_and_stays(
        private_jack: subprocess.Popen[bytes]) -> None:
    """Before: with the server back but without the device (a client of it that played into, not back), the process
    said the server had gone again, found it answering at once and ended for a new one, which did the same: a new
    process and that same error every second or so, for ever."""
    from exsampling_patch.nodes.sampler.host import AudioProcess
    from exsampling_patch.nodes.sampler.slots import channel_map

    errors: list[str] = []
    config = AudioConfig(slots=1, sample_rate=48000, note_slot=channel_map(1), device="exs-mixer-not-back",
                         jack_only=True)
    state = SharedState.create(config.slots)
    audio = AudioProcess(config, state, errors.append, lambda **values: None)
    audio.start()
    try:
        assert wait_for(lambda: errors), "the missing device went unreported"
        first = errors[0]
        assert audio.epoch == 0 and audio.process is not None and audio.process.poll() is None, errors
    finally:
        audio.stop()
        state.close()
    assert first.startswith("cannot open sound device 'exs-mixer-not-back' for output: the JACK server has no such "
                            "device; output devices present: "), errors
    assert "'system' (JACK Audio Connection Kit" in first and "ALSA" not in first, first  # JACK's only
    assert not audio.opened.is_set() and len(set(errors)) == 1, errors
