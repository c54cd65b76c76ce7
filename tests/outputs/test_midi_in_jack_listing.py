"""A MIDI port kept open by name under JACK loses nothing while its keeper looks for it in the port list.

The keeper polls the list to see its port go and come back. rtmidi lists ports through a JACK client of its own,
opened in this process each time: the ports this process held open lost the MIDI arriving meanwhile (a drum
machine's clock ticks, a keyboard's note offs: hung notes). The list now comes from jack_lsp, another process."""

from __future__ import annotations

import gc
import os
import subprocess
import sys
import time

import pytest

from exsampling_patch.midi_ports import jack_midi_ports
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.midi import MidiIn

#: A keyboard in a program of its own: its port, then on "go" 200 notes, on and off, 4 ms apart.
KEYBOARD = """
import sys, time
import mido
mido.set_backend("mido.backends.rtmidi/UNIX_JACK")
port = mido.open_output(sys.argv[1], virtual=True, client_name=sys.argv[1])
print("up", flush=True)
sys.stdin.readline()
for n in range(200):
    port.send(mido.Message("note_on", note=n % 128, velocity=100))
    port.send(mido.Message("note_off", note=n % 128))
    time.sleep(0.004)
time.sleep(0.3)
print("done", flush=True)
"""


def without_full_collections() -> None:
    """No garbage collection while the notes go: its GIL, not the listing, lost them.

    rtmidi's JACK thread takes the GIL for each message; a collection holds it throughout. Run after the other MIDI
    test files, this process held 55,000 objects and a full collection 84 ms (27 ms alone): 8 JACK periods of
    10.7 ms, their MIDI lost (6, 12, 34 of 400 notes; 19 and 52 with collections forced while they go). Collected
    now, then none until the test ends: what it loses is the listing's."""
    gc.collect()
    gc.disable()


@pytest.mark.jack
def test_a_port_opened_by_name_loses_no_message_while_its_keeper_polls() -> None:
    name = f"exs-keys-poll-{os.getpid()}"
    keyboard = subprocess.Popen([sys.executable, "-c", KEYBOARD, name], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
    listener = MidiIn("keys-poll", {"virtual_port": "", "port": name, "api": "UNIX_JACK"}, NodeContext())
    try:
        assert keyboard.stdout is not None and keyboard.stdin is not None
        assert keyboard.stdout.readline().strip() == "up"
        assert f"{name}:{name}" in (jack_midi_ports("input") or [])  # its output, for an input to listen to
        assert f"{name}:{name}" not in (jack_midi_ports("output") or [])
        listener.start()
        listener.keeper.poll_seconds = 0.05  # a look at the list every 50 ms: the notes go out meanwhile
        assert listener.keeper.wait_open(10), listener.context.errors
        time.sleep(0.2)
        without_full_collections()
        keyboard.stdin.write("go\n")
        keyboard.stdin.flush()
        assert keyboard.stdout.readline().strip() == "done"
    finally:
        gc.enable()
        listener.stop()
        keyboard.kill()
        keyboard.wait()
    got = [(m.type, m.note) for port, m in list(listener.context.emitted)]
    sent = [(kind, n % 128) for n in range(200) for kind in ("note_on", "note_off")]
    assert len(got) == len(sent) and got == sent, f"{len(sent) - len(got)} of {len(sent)} lost"
