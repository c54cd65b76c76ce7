"""A MIDI port kept open by name under JACK loses nothing while its keeper looks for it in the port list.

The keeper polls the list to see its port go and come back. rtmidi lists ports through a JACK client of its own,
opened in this process each time: the ports this process held open lost the MIDI arriving meanwhile (a drum
machine's clock ticks, a keyboard's note offs: hung notes). The list now comes from jack_lsp, another process."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import time

import pytest

from exsampling_patch.midi_ports import jack_midi_ports
from exsampling_patch.midi_reader import arrival_of
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.midi import MidiIn
from tests.waiting import wait_for

#: A keyboard in a program of its own: its port, then on "go" 200 notes, on and off, 4 ms apart, "done" once sent;
#: it stays until the test ends it (rtmidi writes out what was sent in the client's next JACK cycles).
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
print("done", flush=True)
sys.stdin.readline()
"""


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
        assert listener.keeper.wait_open(10), listener.context.errors  # linked by then
        play(keyboard)
        wait_all_heard(listener)
    finally:
        listener.stop()
        keyboard.kill()
        keyboard.wait()
    assert_all_heard(listener)


def play(keyboard: subprocess.Popen[str]) -> None:
    """The keyboard's 200 notes, sent and done."""
    assert keyboard.stdin is not None and keyboard.stdout is not None
    keyboard.stdin.write("go\n")
    keyboard.stdin.flush()
    assert keyboard.stdout.readline().strip() == "done"


def wait_all_heard(listener: MidiIn) -> None:
    """Until the 400 messages sent are handed on (or lost: then the assertion after says so), 10 s at most."""
    wait_for(lambda: len(listener.context.emitted) >= 400)


def assert_all_heard(listener: MidiIn) -> None:
    got = [(m.type, m.note) for port, m in list(listener.context.emitted)]
    sent = [(kind, n % 128) for n in range(200) for kind in ("note_on", "note_off")]
    assert len(got) == len(sent) and got == sent, f"{len(sent) - len(got)} of {len(sent)} lost"


def hold_the_gil(stop: threading.Event, held: list[float]) -> None:
    """Hold the GIL 0.1-0.2 s at a time, as a full garbage collection or torch work does: a regular expression's
    backtracking runs in C without giving it up (a Python loop gives it up every 5 ms)."""
    while not stop.is_set():
        began = time.perf_counter()
        re.match(r"(a+)+b", "a" * 22)
        held.append(time.perf_counter() - began)


@pytest.mark.jack
def test_an_input_loses_no_message_while_another_thread_holds_the_gil() -> None:
    """rtmidi's JACK thread took the GIL for every message (the input's callback): JACK dropped what came in the
    cycles it waited (360 of 400 messages lost here). rtmidi queues them in C now, for a thread of ours to take."""
    name = f"exs-keys-gil-{os.getpid()}"
    keyboard = subprocess.Popen([sys.executable, "-c", KEYBOARD, name], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, text=True)
    listener = MidiIn("keys-gil", {"virtual_port": "", "port": name, "api": "UNIX_JACK"}, NodeContext())
    stop, held = threading.Event(), list[float]()
    hog = threading.Thread(target=hold_the_gil, args=(stop, held), daemon=True)
    try:
        assert keyboard.stdout is not None and keyboard.stdout.readline().strip() == "up"
        listener.start()
        assert listener.keeper.wait_open(10), listener.context.errors  # linked by then
        hog.start()
        play(keyboard)
        wait_all_heard(listener)
    finally:
        stop.set()
        listener.stop()
        keyboard.kill()
        keyboard.wait()
        hog.join()
    assert max(held) > 0.05, held  # the GIL was held longer than several JACK periods (10.7 ms)
    assert_all_heard(listener)
    arrived = [arrival_of(m) for port, m in listener.context.emitted]  # when they came, not when handed on
    assert None not in arrived and arrived == sorted(arrived), arrived  # type: ignore[type-var]
