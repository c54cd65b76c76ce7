"""A MIDI port keeper stopped while it is opening its port: the stop gives up waiting for its thread (its bound
spent, a slow ``jack_link``), and the port that thread opens afterwards must not outlive the stop.

It was assigned after the stop's close had found nothing to close: the input stayed open, its JACK client with it,
and its reader handed MIDI to the stopped node for good. Real JACK MIDI: a source port of the test's, linked by the
keeper with the JACK tools, which take a few of their processes' start-ups: the stop comes meanwhile."""

from __future__ import annotations

import os
import threading
import time

import pytest

from exsampling_patch.midi_ports import PortKeeper, backend, jack_midi_ports
from tests.waiting import wait_for


def reading(name: str) -> bool:
    """Whether an input's reader thread for ``name`` runs (the input is open: the keeper is linking it now)."""
    return any(thread.name == f"midi-read-{name}" for thread in threading.enumerate())


@pytest.mark.jack
def test_a_port_opened_after_its_keeper_was_stopped_is_closed_and_hears_nothing() -> None:
    source, client = f"exs-late-src-{os.getpid()}", f"exs-late-{os.getpid()}"
    out = backend("UNIX_JACK").open_output(source, virtual=True, client_name=source)
    errors: list[str] = []
    keeper = PortKeeper("input", port=source, client_name=client, api="UNIX_JACK", on_message=lambda message: None,
                        report_error=errors.append)
    try:
        keeper.start()
        deadline = time.monotonic() + 10
        while not reading(f"{source}:{source}") and time.monotonic() < deadline:
            time.sleep(0.0005)  # the link takes two JACK tools' runs (tens of ms at least): the stop comes within it
        assert reading(f"{source}:{source}"), errors
        keeper.stop(time.monotonic())  # its bound already spent: it waits for nothing
        assert keeper._thread is not None and keeper.opened is None  # the stop came while the port was opening
        keeper._thread.join(30)
        assert not keeper._thread.is_alive()
        assert keeper.opened is None, "the port opened after the stop was kept"
        assert wait_for(lambda: not reading(f"{source}:{source}")), "the stopped keeper's input reader runs on"
        assert not [p for p in jack_midi_ports("output") or [] if p.startswith(client)]  # its client gone
    finally:
        keeper.stop()
        out.close()
