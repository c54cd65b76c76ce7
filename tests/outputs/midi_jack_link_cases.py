"""Connecting a MIDI port under JACK (python-rtmidi registers our port but does not connect it: midi_ports.jack_link
runs jack_connect), on a server of the test's own (:mod:`tests.jack_server`). A connection that failed even when
asked again left the port open and its MIDI going nowhere, without a word: it is now told, both ports named.

Run by tests/outputs/test_midi_jack_link.py in a pytest process of its own."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.midi_ports import JACK_TOOLS_PACKAGE, PortKeeper, backend, jack_link
from tests.jack_tools import jack_command

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


def connections(port: str) -> list[str]:
    """The ports connected to ``port`` (jack_lsp -c: each port matching it, its connections indented below)."""
    found: dict[str, list[str]] = {}
    name = ""
    for line in jack_command("jack_lsp", "-c", port).stdout.splitlines():
        if line.startswith(" "):
            found[name].append(line.strip())
        else:
            name = line.strip()
            found[name] = []
    return found.get(port, [])


#: The unplugged keyboard, in a process of its own (its client closed while ours waits for jack_connect).
UNPLUGGED = """
import json, os
from exsampling_patch.midi_ports import backend, jack_link
midi = backend("UNIX_JACK")
keyboard = midi.open_input("in", virtual=True, client_name=f"exs-keyboard-{os.getpid()}")
target = f"exs-keyboard-{os.getpid()}:in"
ours = midi.open_output(target, client_name=f"exs-keys-{os.getpid()}")
try:
    keyboard.close()  # unplugged between our port's opening and its connection
    said = jack_link(f"exs-keys-{os.getpid()}", target, "output")
finally:
    ours.close()
print(json.dumps({"said": said, "ours": f"exs-keys-{os.getpid()}", "target": target}))
"""


def test_a_connection_that_fails_is_told_with_both_ports_and_the_tools_words(
        private_jack: subprocess.Popen[bytes]) -> None:
    done = subprocess.run([sys.executable, "-c", UNPLUGGED], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
    told = json.loads(done.stdout.strip().splitlines()[-1])
    said, target = told["said"], told["target"]
    assert f"{told['ours']}:{target}" in said and f"not connected to {target!r}" in said, said
    assert "jack_connect: ERROR" in said and "not a valid port" in said, "the tool's own words"


@pytest.mark.parametrize("direction", ["output", "input"])
def test_a_keeper_connects_its_port_and_warns_of_nothing(private_jack: subprocess.Popen[bytes],
                                                         direction: str) -> None:
    midi = backend("UNIX_JACK")
    client = f"exs-keyboard-{os.getpid()}"
    # what the keeper opens: a keyboard's input for an output, its output for an input
    keyboard = (midi.open_input if direction == "output" else midi.open_output)("port", virtual=True,
                                                                                 client_name=client)
    statuses: list[dict[str, Any]] = []
    errors: list[str] = []
    keeper = PortKeeper(direction, port=client, client_name=f"exs-keys-{os.getpid()}", api="UNIX_JACK",
                        report_error=errors.append, report_status=lambda **s: statuses.append(s), poll_seconds=0.05)
    keeper.start()
    target = f"{client}:port"
    try:
        assert keeper.wait_open(10), errors
        assert connections(target) == [f"exs-keys-{os.getpid()}:{target}"]
    finally:
        keeper.stop()
        keyboard.close()
    assert errors == [] and statuses == [{"midi_port": target}], "no warning where the port is connected"
    assert jack_link(f"exs-keys-{os.getpid()}", target, direction).startswith(
        f"MIDI port {target!r} not connected: JACK lists no port"), "a port gone is told too"


def test_a_link_takes_its_clients_ports_and_jacks_duplicates_not_longer_names(
        private_jack: subprocess.Popen[bytes]) -> None:
    """Our client ``keys`` opened twice is ``keys`` and ``keys-01`` (jack2's suffix for a name taken): both are
    ours. A client ``keys2`` (another patch's, its port to the same synth) is not: the prefix match linked it
    too. Names carry the pid: jack2 names a client's socket after the client alone, across servers."""
    midi = backend("UNIX_JACK")
    synth = midi.open_input("in", virtual=True, client_name=f"exs-synth-{os.getpid()}")
    target = f"exs-synth-{os.getpid()}:in"
    keys = f"exs-keys-{os.getpid()}"
    ours = [midi.open_output(target, client_name=keys) for _ in range(2)]
    theirs = midi.open_output(target, client_name=f"{keys}2")
    try:
        assert jack_link(keys, target, "output") == ""
        linked = connections(target)
    finally:
        for port in (*ours, theirs):
            port.close()
        synth.close()
    assert sorted(linked) == [f"{keys}-01:{target}", f"{keys}:{target}"], linked


def test_no_jack_lsp_to_run_is_told_with_the_package_to_install(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Before: "jack_lsp: [Errno 2] No such file or directory: 'jack_lsp'", where the keeper's own warning names
    # the package (PipeWire's JACK ships no jack_lsp).
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without JACK's tools
    said = jack_link("exs-keys", "exs-synth:in", "output")
    assert said == ("MIDI port 'exs-synth:in' not connected: jack_lsp cannot run (No such file or directory): "
                    f"install {JACK_TOOLS_PACKAGE}"), said


def test_no_jack_connect_to_run_is_told_with_both_ports_and_the_package(
        private_jack: subprocess.Popen[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    midi = backend("UNIX_JACK")
    synth = midi.open_input("in", virtual=True, client_name=f"exs-synth-{os.getpid()}")
    target = f"exs-synth-{os.getpid()}:in"
    keys = f"exs-keys-{os.getpid()}"
    ours = midi.open_output(target, client_name=keys)
    lsp = shutil.which("jack_lsp")
    assert lsp is not None
    (tmp_path / "jack_lsp").symlink_to(lsp)  # jack_lsp there, jack_connect not
    monkeypatch.setenv("PATH", str(tmp_path))
    try:
        said = jack_link(keys, target, "output")
    finally:
        ours.close()
        synth.close()
    assert said == (f"MIDI port '{keys}:{target}' not connected to {target!r}: jack_connect cannot run (No such "
                    f"file or directory): install {JACK_TOOLS_PACKAGE}"), said
