"""Opens and closes a JACK MIDI input, again and again, under a flood of MIDI and a thread that keeps the GIL
busy; prints ``closed N`` after each. Run by :mod:`tests.outputs.test_midi_close_flood` in a process of its own,
under a timeout: a close that hangs hangs this process, not the test run.

Usage: python -m tests.outputs.midi_close_flood CLOSES (JACK_DEFAULT_SERVER names the server); with ``held``
instead of CLOSES, one input closed while its ``on_message`` is held (see :func:`held`).
"""

from __future__ import annotations

import ctypes
import sys
import threading
import time
from typing import Any

from exsampling_patch.midi_ports import backend, find_port, jack_link, jack_midi_ports, open_input
from tests.outputs.jack_clock import JackClock

FLOOD_PORT = f"exs-flood-{id(object()):x}"
CLIENT = "exs-flooded"
BURST = 8  # messages a millisecond: more than a JACK period's buffer takes, so each cycle's is full
HOGS = 1  # a thread keeping the GIL busy


def flood(out: Any, stop: threading.Event) -> None:
    """Send clock ticks in bursts until ``stop``: each of rtmidi's process cycles has MIDI for the callback."""
    import mido

    tick = mido.Message("clock")
    while not stop.is_set():
        for _ in range(BURST):
            out.send(tick)
        time.sleep(0.001)


def hog(stop: threading.Event) -> None:
    """Hold the GIL as a busy node thread does: rtmidi's JACK thread then waits for it in its callback."""
    while not stop.is_set():
        sum(range(1000))


def open_and_close(rtmidi: Any, linker: JackClock, name: str, heard: threading.Event) -> None:
    """An input opened on the flood's ``name``, linked, fed, then closed as the port keeper closes it."""
    heard.clear()

    def work(message: Any) -> None:
        heard.set()
        sum(range(200))  # some Python in on_message, as a node's runs

    port = open_input(rtmidi, name, work, client_name=CLIENT)
    # linked through libjack, not jack_connect's process as the keeper links: 0.1-0.3 s each, the test's whole time
    if linker.lib.jack_connect(linker.client, name.encode(), f"{CLIENT}:{name}".encode()) != 0:
        raise SystemExit(f"could not link {name} to {CLIENT}:{name}")
    if not heard.wait(10.0):
        raise SystemExit("no MIDI came from the flood: the test proves nothing")
    port.close()


def main(closes: int) -> None:
    rtmidi = backend("UNIX_JACK")
    out = rtmidi.open_output(FLOOD_PORT, virtual=True, client_name="exs-flood")
    name = find_port(jack_midi_ports("input") or [], FLOOD_PORT)  # as JACK names it: with its client
    assert name is not None, jack_midi_ports("input")
    linker = JackClock("exs-flood-linker")
    linker.lib.jack_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    stop = threading.Event()
    threading.Thread(target=flood, args=(out, stop), daemon=True).start()
    for _ in range(HOGS):
        threading.Thread(target=hog, args=(stop,), daemon=True).start()
    heard = threading.Event()
    for done in range(closes):
        open_and_close(rtmidi, linker, name, heard)
        print(f"closed {done + 1}", flush=True)  # where a hang came: told by the test
    stop.set()


def held() -> None:
    """An input closed while its ``on_message`` is held (a stuck node): the close returns within its bound, the
    client goes at once, and an input opened again under the same client name is that name (not JACK's ``-01``),
    linked, and hears MIDI. Prints one line per thing seen."""
    import mido

    rtmidi = backend("UNIX_JACK")
    entered, release, heard = threading.Event(), threading.Event(), threading.Event()

    def stuck(message: Any) -> None:
        entered.set()
        release.wait(30.0)

    out = rtmidi.open_output(FLOOD_PORT, virtual=True, client_name="exs-flood")
    name = find_port(jack_midi_ports("input") or [], FLOOD_PORT)
    assert name is not None, jack_midi_ports("input")
    port = open_input(rtmidi, name, stuck, client_name=CLIENT)
    print("link:", jack_link(CLIENT, name, "input") or "ok", flush=True)
    out.send(mido.Message("note_on"))
    if not entered.wait(10.0):
        raise SystemExit("on_message never ran: the test proves nothing")
    began = time.monotonic()
    port.close(began + 0.3)
    print(f"close bounded: {time.monotonic() - began < 1.3}", flush=True)
    print("client left:", sorted({p.split(":", 1)[0] for p in jack_midi_ports("output") or []
                                  if p.startswith(CLIENT)}) or "none", flush=True)
    again = open_input(rtmidi, name, lambda message: heard.set(), client_name=CLIENT)
    print("link again:", jack_link(CLIENT, name, "input") or "ok", flush=True)
    deadline = time.monotonic() + 10.0
    while not heard.is_set() and time.monotonic() < deadline:
        out.send(mido.Message("note_on"))
        heard.wait(0.05)
    print(f"heard again: {heard.is_set()}", flush=True)
    again.close()
    release.set()


if __name__ == "__main__":
    held() if sys.argv[1] == "held" else main(int(sys.argv[1]))
