"""A ``midi_in`` node's stop is bounded in all, its keeper's thread and its port's close sharing one wait
(``midi_ports.stop_keepers``, as the sampler's inputs do): each waited its own (2 s for the thread, then up to 2 s for
a message being handed on), 4 s for one node, on top of every other's at the patch's stop.

Real JACK MIDI (the test server): a source port of the test's, the node's keeper linked to it; the node's context holds
both the keeper's thread (in its report of the port opened) and the message being handed on (in the emit), so each
wait runs to its end. In a process of its own under a timeout: a hang fails the test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
#: The stop's bound: the keepers' shared wait, and room for a loaded machine's scheduling; each wait in turn took 4 s.
BOUND = 2.0 + 1.5

pytestmark = pytest.mark.jack

STOP = """
import os, threading, time
import mido
from exsampling_patch.context import NodeContext
from exsampling_patch.midi_ports import backend
from exsampling_patch.nodes.midi import MidiIn

SOURCE = f"exs-stop-src-{os.getpid()}"
release, opened, handed = threading.Event(), threading.Event(), threading.Event()


class Held(NodeContext):
    def report_status(self, node_id, status):
        super().report_status(node_id, status)
        if "midi_port" in status:  # the keeper's thread, its port open: held here
            opened.set()
            release.wait(60)

    def emit(self, node_id, port, message):
        handed.set()
        release.wait(60)


out = backend("UNIX_JACK").open_output(SOURCE, virtual=True, client_name=SOURCE)
node = MidiIn("keys", {"virtual_port": "", "port": SOURCE, "api": "UNIX_JACK"}, Held())
node.start()
assert opened.wait(30), f"the port never opened: {node.context.errors}"
deadline = time.monotonic() + 30
while not handed.is_set() and time.monotonic() < deadline:
    out.send(mido.Message("note_on"))
    handed.wait(0.05)
assert handed.is_set(), "no message was handed on: the test proves nothing"
began = time.monotonic()
node.stop()
print(f"stopped in {time.monotonic() - began:.2f} s", flush=True)
release.set()
os._exit(0)  # the held client is let go with the process
"""


def test_a_midi_in_stop_waits_for_its_thread_and_its_close_together() -> None:
    try:
        done = subprocess.run([sys.executable, "-c", STOP], cwd=REPO, capture_output=True, text=True, timeout=90)
    except subprocess.TimeoutExpired as hung:
        raise AssertionError(f"the stop hung after: {(hung.stdout or b'')[-2000:]!r}") from None
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    took = float(done.stdout.split("stopped in ")[1].split(" s")[0])
    assert took < BOUND, f"{took:.2f} s to stop one midi_in node (bound {BOUND} s); its waits in turn took 4 s"
