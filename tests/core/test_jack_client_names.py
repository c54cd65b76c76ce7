"""The product's audio processes name their PortAudio JACK client after themselves, not "PortAudio".

jack2 names a client's notification socket after the client alone (``/dev/shm/jack_<client>_<uid>_0``), not its
server: processes opening clients of one name at once on two servers (two runs on one machine, as the test suite's
two workers) took each other's socket, and one opened no JACK client. Its PortAudio then had no JACK host: the
microphone's input process failed to start ("cannot open sound device '(default)' ... no input devices are
present"), in 8 of 239 starts with two servers busy (see devices.name_jack_client). Which opening clashes is
a race no test can force; these check that each process's client has a name of its own."""

from __future__ import annotations

import pytest

from exsampling_patch.nodes.microphone_input import InputProcess, InputRing, Setup
from exsampling_patch.nodes.sampler.host import AudioProcess
from exsampling_patch.nodes.sampler.rig import AudioConfig
from exsampling_patch.nodes.sampler.shared import SharedState
from exsampling_patch.nodes.sampler.slots import channel_map
from tests.jack_tools import jack_command


def client_names() -> set[str]:
    ports = jack_command("jack_lsp", timeout=10).stdout.split()
    return {port.partition(":")[0] for port in ports}


@pytest.mark.jack
def test_the_microphone_input_process_names_its_jack_client_after_itself() -> None:
    ring = InputRing.create(4800, 1)
    errors: list[str] = []
    setup = Setup(device="", channels=1, sample_rate=48000, blocksize=0, frames=4800, ring_fd=ring.fd)
    inputs = InputProcess(setup, ring, errors.append, lambda **values: None)
    try:
        opened = inputs.start()
        pid = inputs.child.pid
        names = client_names()
    finally:
        inputs.stop()
        ring.close()
    assert opened.jack_client == f"exsampling-microphone-{pid}", (opened, errors)
    assert opened.jack_client in names, names


@pytest.mark.jack
def test_the_sampler_audio_process_names_its_jack_client_after_itself() -> None:
    errors: list[str] = []
    state = SharedState.create(2)
    audio = AudioProcess(AudioConfig(slots=2, sample_rate=48000, note_slot=channel_map(2), device=""), state,
                         errors.append, lambda **values: None)
    audio.start()
    try:
        assert audio.opened.wait(30), errors
        process = audio.process
        assert process is not None
        client = audio.jack_client
        names = client_names()
    finally:
        audio.stop()
        state.close()
    assert client == f"exsampling-sampler-{process.pid}", (client, errors)
    assert client in names, names
