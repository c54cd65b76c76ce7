"""A node in two errors at once is back only once each has ended by its own recovery: a sampler without its sound
device and its MIDI keyboard printed "sampler is back" when the keyboard alone came back (the engine kept only the
latest error, and any opening ended it)."""

from __future__ import annotations

import io
import threading
import time

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime import Engine
from tests.core.engine_nodes import engine_registry


def test_a_midi_port_back_does_not_end_the_sound_devices_error() -> None:
    patch = Patch()
    patch.add_node(NodeSpec("sampler", "sink"))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    engine = Engine(engine_registry())
    engine.events.subscribe(console, *console.kinds())
    engine.start(patch)
    try:
        node = engine.node("sampler")
        # As the sampler's rig tells them: its stream's errors about its device, its MIDI keeper's about its port.
        node.report_error("cannot open sound device 'system': no JACK server", about="device")
        node.report_error("MIDI input: no port named 'Keys'", about="midi_port")
        node.report_status(midi_port="Keys")  # the keyboard is plugged in
        assert engine.errors == {"sampler": "cannot open sound device 'system': no JACK server"}
        assert engine.error_state()["sampler"].error is not None
        node.report_error("cannot open sound device 'system': no JACK server", about="device")  # told again
        node.report_status(midi_port="Keys")
        assert "sampler" in engine.errors
        node.report_status(device="system", sample_rate=48000)  # the sound device too: now it is back
        assert engine.errors == {} and engine.error_counts == {"sampler": 3}
    finally:
        engine.stop()
    assert err.getvalue().count("is back") == 1, err.getvalue()


def test_the_samplers_rig_says_which_device_each_error_is_about() -> None:
    """What the engine's rule needs from the real sampler: its stream's errors are about 'device' (the key of the
    status its stream tells when it opens), its MIDI keeper's about 'midi_port'."""
    import numpy as np

    from exsampling_patch.nodes.sampler.rig import AudioConfig, AudioRig, MidiInput
    from exsampling_patch.nodes.sampler.shared import SharedState

    told: list[tuple[str, str]] = []
    lock = threading.Lock()

    def report_about(text: str, about: str) -> None:
        with lock:
            told.append((about, text))

    config = AudioConfig(slots=2, sample_rate=48000, note_slot=np.full((16, 128), -1, np.int16),
                         device="no such sound device", midi_inputs=[MidiInput(port="no such MIDI keyboard")])
    state = SharedState.create(2)
    rig = AudioRig(config, state, lambda text: told.append(("", text)), lambda **values: None,
                   report_about=report_about)
    rig.start()
    try:
        deadline = time.monotonic() + 20
        while {about for about, _ in told} != {"device", "midi_port"} and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        rig.stop()
    assert {about for about, _ in told} == {"device", "midi_port"}, told
    assert all("MIDI" in text for about, text in told if about == "midi_port"), told
