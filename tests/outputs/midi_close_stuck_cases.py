"""A JACK MIDI input closed while its callback is held past the close's bound (a stuck callback), in a process of its
own: run by :mod:`tests.outputs.test_midi_close_stuck` under a timeout. Prints one line per thing seen.

Usage: python -m tests.outputs.midi_close_stuck_cases reopen|stop (JACK_DEFAULT_SERVER names the server).
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from exsampling_patch import midi_ports
from exsampling_patch.jack_cli import jack_tool
from exsampling_patch.midi_ports import (
    PortKeeper,
    backend,
    close_port,
    find_port,
    jack_link,
    jack_midi_ports,
    open_input,
)

SOURCE = f"exs-stuck-src-{id(object()):x}"
CLIENT = f"exs-stuck-{id(object()):x}"
BOUND = 0.3  # the close's bound set here: the callback is held longer


def source() -> tuple[Any, str]:
    out = backend("UNIX_JACK").open_output(SOURCE, virtual=True, client_name=SOURCE)
    name = find_port(jack_midi_ports("input") or [], SOURCE)
    assert name is not None, jack_midi_ports("input")
    return out, name


def ports_of(client: str) -> list[str]:
    return [p for p in jack_tool("jack_lsp").stdout.split("\n") if p.split(":", 1)[0].startswith(client)]


def reopen() -> None:
    """Close inside a held callback, then reopen under the same client name once it returns."""
    import mido

    midi_ports.STUCK_SECONDS = BOUND
    out, name = source()
    entered, release, heard = threading.Event(), threading.Event(), threading.Event()

    def held(message: Any) -> None:
        entered.set()
        release.wait(30.0)

    port = open_input(backend("UNIX_JACK"), name, held, client_name=CLIENT)
    print("link:", jack_link(CLIENT, name, "input") or "ok", flush=True)
    out.send(mido.Message("note_on"))
    assert entered.wait(10.0), "the callback never ran: the test proves nothing"
    began = time.monotonic()
    close_port(port)
    print(f"close bounded: {time.monotonic() - began < BOUND + 1.0}", flush=True)
    print("stuck ports:", ports_of(CLIENT) or "none", flush=True)
    release.set()
    again = open_input(backend("UNIX_JACK"), name, lambda message: heard.set(), client_name=CLIENT)
    print("reopened as:", sorted({p.split(":", 1)[0] for p in ports_of(CLIENT)}) == [CLIENT], flush=True)
    print("link again:", jack_link(CLIENT, name, "input") or "ok", flush=True)
    deadline = time.monotonic() + 10.0
    while not heard.is_set() and time.monotonic() < deadline:
        out.send(mido.Message("note_on"))
        heard.wait(0.05)
    print(f"heard again: {heard.is_set()} stuck left: {len(midi_ports._stuck)}", flush=True)
    close_port(again)


def stop() -> None:
    """Three keepers, each inside a held callback, stopped together within the bound."""
    import mido

    out, name = source()
    release = threading.Event()
    entered = [threading.Event() for _ in range(3)]
    keepers = [PortKeeper("input", port=name, client_name=f"{CLIENT}-{n}", api="UNIX_JACK", poll_seconds=0.05,
                          on_message=lambda message, e=e: (e.set(), release.wait(30.0)))
               for n, e in enumerate(entered)]
    for keeper in keepers:
        keeper.start()
        assert keeper.wait_open(10.0)
    deadline = time.monotonic() + 10.0
    while not all(e.is_set() for e in entered) and time.monotonic() < deadline:
        out.send(mido.Message("note_on"))
        time.sleep(0.05)
    assert all(e.is_set() for e in entered), "a callback never ran: the test proves nothing"
    lock_free_while_closing(keepers[0])
    began = time.monotonic()
    midi_ports.stop_keepers(keepers, within=BOUND)
    print(f"stopped within bound: {time.monotonic() - began < BOUND + 1.0}", flush=True)
    release.set()


def lock_free_while_closing(keeper: PortKeeper) -> None:
    """A close waiting on a held callback leaves the keeper's lock free (send() and stop() waited on it)."""
    midi_ports.STUCK_SECONDS = 1.5
    keeper._stop.set()  # its thread would open the port again
    closing = threading.Thread(target=keeper._close)
    closing.start()
    deadline = time.monotonic() + 10.0
    while keeper.opened is not None and time.monotonic() < deadline:
        time.sleep(0.005)
    free = keeper._lock.acquire(timeout=0.5)
    print(f"lock free while closing: {free and closing.is_alive()}", flush=True)
    if free:
        keeper._lock.release()
    closing.join()


if __name__ == "__main__":
    reopen() if sys.argv[1] == "reopen" else stop()
