"""`exsampling check` warns of a MIDI node's ``port`` beside a ``virtual_port``: the node opens the virtual port and
never looks for ``port``. A performer who wrote ``port: 'scratchmaster'`` alone on a ``midi_in`` got the virtual
port "exsampling in" opened quietly, check said "ok", and the run said only "no MIDI clock on sync in 5 s"."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from exsampling_patch.cli import main
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.midi import MidiIn

PATCH = """exsampling_patch: 1
nodes:
- id: master
  type: midi_in
  params:
%s
- id: groove
  type: pattern
  params: {follow_midi_clock: true, patterns: {BD: x... x... x... x...}}
- id: out
  type: midi_out
  params:
%s
links:
- master.midi -> groove.sync
- groove.midi -> out.midi
"""


def warnings_of(tmp_path: Path, capsys: pytest.CaptureFixture[str], master: str, out: str) -> list[str]:
    patch = tmp_path / "show.yaml"
    patch.write_text(PATCH % (master, out), encoding="utf-8")
    assert main(["check", str(patch)]) == 0  # it runs: a warning, not a problem
    return [line.split(": ", 1)[1] for line in capsys.readouterr().err.splitlines() if line.startswith("warning:")]


def test_a_port_beside_the_default_virtual_port_is_warned_of_on_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    patch = tmp_path / "show.yaml"
    assert warnings_of(tmp_path, capsys, "    port: 'scratchmaster'", "    port: 'TR-8'") == [
        f"{patch}:6: node 'master': parameter 'port': not used: the node opens a port of its own, 'exsampling in' "
        "(virtual_port's default), for other programs to connect to, and does not listen to 'scratchmaster'; set "
        "virtual_port: '' to listen to 'scratchmaster'",
        f"{patch}:13: node 'out': parameter 'port': not used: the node opens a port of its own, 'exsampling out' "
        "(virtual_port's default), for other programs to connect to, and does not send to 'TR-8'; set "
        "virtual_port: '' to send to 'TR-8'"]


def test_a_port_beside_a_virtual_port_written_is_warned_of_too(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    warnings = warnings_of(tmp_path, capsys, "    virtual_port: clock in\n    port: 'scratchmaster'",
                           "    virtual_port: ''")
    assert len(warnings) == 1 and ":7: node 'master': parameter 'port': not used: the node opens a port of its own, " \
        "'clock in' (virtual_port), " in warnings[0], warnings


def test_a_port_with_no_virtual_port_or_a_virtual_port_alone_is_not_warned_of(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert warnings_of(tmp_path, capsys, "    virtual_port: ''\n    port: 'scratchmaster'",
                       "    virtual_port: ''\n    port: 'TR-8'") == []
    assert warnings_of(tmp_path, capsys, "    channel: 0", "    channel: 0") == []


@pytest.mark.jack
def test_the_port_the_warning_names_is_the_one_the_node_opens() -> None:
    """The warning's words hold: with port alone the node opens its virtual port, under JACK as a performer runs it."""
    name = f"exs-scratch-{os.getpid()}"
    params = {"port": name, "api": "UNIX_JACK"}
    assert MidiIn.check_warnings(params)
    node = MidiIn(f"keys-words-{os.getpid()}", params, NodeContext())
    node.start()
    try:
        assert node.keeper.wait_open(10), node.context.errors
        assert node.keeper.opened_name == "exsampling in"
    finally:
        node.stop()
