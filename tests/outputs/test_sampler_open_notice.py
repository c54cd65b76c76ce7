"""The sampler's notice that its sound device has not opened (a JACK server that hangs: here one of the test's own,
stopped with SIGSTOP) was hidden by any error told before it: a MIDI port's error (here an ALSA port on a machine
without the ALSA sequencer, told at once) silenced it, though it says nothing about the device, and the show ran
silent with the console naming only the MIDI port. Only the device's own errors say why it is not open."""

from __future__ import annotations

import shutil
import signal
import subprocess

import pytest

from exsampling_patch.nodes.sampler.rig import AudioConfig, MidiInput
from exsampling_patch.nodes.sampler.shared import SharedState
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


def test_a_midi_port_error_does_not_hide_that_the_device_has_not_opened(
        private_jack: subprocess.Popen[bytes]) -> None:
    from exsampling_patch.nodes.sampler.host import AudioProcess
    from exsampling_patch.nodes.sampler.slots import channel_map

    told: list[tuple[str, str]] = []  # (text, about) in the order the node heard them
    config = AudioConfig(slots=1, sample_rate=48000, note_slot=channel_map(1), open_notice=1.0,
                         midi_inputs=[MidiInput(port="nowhere", api="LINUX_ALSA")])
    state = SharedState.create(config.slots)
    private_jack.send_signal(signal.SIGSTOP)
    audio = AudioProcess(config, state, lambda text: told.append((text, "")), lambda **values: None,
                         report_about=lambda text, about: told.append((text, about)))
    audio.start()
    try:
        assert wait_for(lambda: any(about == "midi_port" for _, about in told), 15), told
        assert wait_for(lambda: any(about == "device" for _, about in told), 15), told
    finally:
        private_jack.send_signal(signal.SIGCONT)
        audio.stop()
        state.close()
    kinds = [about for _, about in told]
    assert kinds.index("midi_port") < kinds.index("device"), told  # told first, as a show's would be
    assert ("the sound device has not opened in 1 s: its sound system does not answer (a JACK server that hangs?); "
            "the sampler is silent until it opens", "device") in told, told
