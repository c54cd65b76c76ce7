"""The sampler's own MIDI input ports stamp each note with when it arrived at the port, not when it was handed on:
notes queued while another thread of the process held the GIL keep their times."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import threading

import numpy as np
import pytest

from exsampling_patch.nodes.sampler.rig import AudioConfig, AudioRig, MidiInput
from exsampling_patch.nodes.sampler.shared import SharedState
from tests.outputs.test_midi_in_jack_listing import hold_the_gil
from tests.outputs.test_pattern_follow import ON_ITS_OWN_CPU
from tests.waiting import wait_for

NOTES, WARM = 40, 3
#: A keyboard on a JACK MIDI port of its own: a note on each of WARM lines, then on the next NOTES note-ons 20 ms
#: apart, then when it sent each.
KEYBOARD = """
import os, sys, time
import mido
mido.set_backend("mido.backends.rtmidi/UNIX_JACK")
port = mido.open_output(sys.argv[1], virtual=True, client_name=sys.argv[1])
""" + ON_ITS_OWN_CPU + f"""
print("up", flush=True)
for n in range({WARM}):  # before the GIL is held: its input learns how its times map to ours (midi_reader)
    sys.stdin.readline()
    port.send(mido.Message("note_on", note=n, velocity=100))
sys.stdin.readline()
sent = []
for n in range({NOTES}):
    sent.append(time.perf_counter())
    port.send(mido.Message("note_on", note=40 + n, velocity=100))
    time.sleep(0.02)
print(*sent, flush=True)
sys.stdin.readline()
"""
#: How far a note's stamp may stray from the others' offset to when it was sent: a JACK period (10.7 ms) each way and
#: a scheduling hiccup; a note stamped as handed on strays by as long as the GIL was held (0.1-0.2 s).
JITTER = 0.03


@pytest.mark.jack
def test_notes_queued_while_the_gil_is_held_keep_their_arrival_times() -> None:
    name = f"exs-rig-keys-{os.getpid()}"
    keyboard = subprocess.Popen([sys.executable, "-c", KEYBOARD, name], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
    config = AudioConfig(slots=2, sample_rate=48000, note_slot=np.full((16, 128), -1, np.int16), device="none",
                         midi_inputs=[MidiInput(port=name, api="UNIX_JACK", client_name=f"{name}-in")])
    rig = AudioRig(config, SharedState.local(2), lambda text: None, lambda **values: None)
    ring = rig.port_rings[0]
    stop, held = threading.Event(), list[float]()
    hog = threading.Thread(target=hold_the_gil, args=(stop, held), daemon=True)
    try:
        assert keyboard.stdout is not None and keyboard.stdin is not None
        assert keyboard.stdout.readline().strip() == "up"
        rig.start()
        assert rig.keepers[0].wait_open(10), rig.midi_open()  # linked to the keyboard by then
        for warm in range(1, WARM + 1):
            keyboard.stdin.write("warm\n")
            keyboard.stdin.flush()
            assert wait_for(lambda count=warm: ring.write - ring.read >= count), warm
        hog.start()
        keyboard.stdin.write("go\n")
        keyboard.stdin.flush()
        sent = [float(at) for at in keyboard.stdout.readline().split()]
        stop.set()
        hog.join()
        assert wait_for(lambda: ring.write - ring.read >= WARM + NOTES), ring.write - ring.read
        keyboard.stdin.write("end\n")
        keyboard.stdin.flush()
    finally:
        stop.set()
        rig.stop()
        keyboard.kill()
        keyboard.wait()
    stamps = [float(ring.stamp[i % ring.capacity]) for i in range(ring.read + WARM, ring.write)]
    assert len(stamps) == len(sent) == NOTES
    assert max(held) > 0.05, held  # held longer than several JACK periods
    offsets = [stamp - at for stamp, at in zip(stamps, sent, strict=True)]
    typical = statistics.median(offsets)
    assert 0 <= typical < JITTER, typical  # after it was sent, by its way through JACK
    strays = [round(offset - typical, 3) for offset in offsets if abs(offset - typical) > JITTER]
    assert not strays, strays
