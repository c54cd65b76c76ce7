"""A node whose start() failed partway is stopped by the engine: its stop() must release what start() did open
(a socket, a MIDI port, a Link peer) and raise nothing about what it did not. Before, the eight node types below
raised AttributeError there, leaving what came after in stop() undone: an OSC server whose thread never started
hung its stop() for good (socketserver's shutdown() waits for serve_forever), and a pattern node rebuilt by an
edit left the replaced node's Link peer in the session."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import exsampling_patch.nodes.ableton as ableton_nodes
import exsampling_patch.nodes.midi as midi_nodes
import exsampling_patch.nodes.osc as osc_nodes
from exsampling_patch.node import Node, NodeContext
from exsampling_patch.nodes import clock as clocks
from exsampling_patch.nodes.ableton import AbletonLive, AbletonMax, AbletonOsc
from exsampling_patch.nodes.midi import MidiIn, MidiOut
from exsampling_patch.nodes.osc import OscSend
from exsampling_patch.nodes.osc_receive import OscReceive
from exsampling_patch.nodes.pattern import Pattern
from tests.jack_tools import jack_command


class Refused(RuntimeError):
    pass


def refuse(*args: Any, **kwargs: Any) -> Any:
    raise Refused("refused")


def stop_within(node: Node, seconds: float = 20.0) -> None:
    """Stop ``node`` on a thread; a stop() still waiting after ``seconds`` is a hang (a liveness check)."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            node.stop()
        except BaseException as error:
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"{node.type_name}.stop() hangs after a failed start()"
    assert not errors, f"{node.type_name}.stop() raised {errors[0]!r}"


def busy_udp_port() -> tuple[socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    return sock, sock.getsockname()[1]


def udp_port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# -- a start() that fails at its first step: nothing opened, stop() must not raise -------------------------------


def failing_starts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                   held: contextlib.ExitStack) -> dict[str, Callable[[], Node]]:
    def osc_receive_on_a_busy_port() -> Node:
        sock, port = busy_udp_port()
        held.enter_context(sock)  # kept open until the test ends
        return OscReceive("rx", {"port": port}, NodeContext())

    def patched(module: Any, name: str, node: Node) -> Node:
        monkeypatch.setattr(module, name, refuse)
        return node

    return {
        "pattern": lambda: Pattern("pat-bad", {"patterns": {"HH": "x?x"}}, NodeContext()),
        "midi_in": lambda: patched(midi_nodes, "PortKeeper", MidiIn("min", {"api": "UNIX_JACK"}, NodeContext())),
        "midi_out": lambda: patched(midi_nodes, "PortKeeper", MidiOut("mout", {"api": "UNIX_JACK"}, NodeContext())),
        "osc_send": lambda: patched(osc_nodes, "OscTarget", OscSend("tx", {"folder": str(tmp_path)}, NodeContext())),
        "osc_receive": osc_receive_on_a_busy_port,
        "ableton_max": lambda: patched(ableton_nodes.TakeFiles, "sweep",
                                       AbletonMax("max", {"folder": str(tmp_path)}, NodeContext())),
        "ableton_osc": lambda: AbletonOsc("aosc", {"actions": ["explode"], "folder": str(tmp_path)}, NodeContext()),
        "ableton_live": lambda: patched(ableton_nodes.TakeFiles, "sweep",
                                        AbletonLive("live", {"folder": str(tmp_path)}, NodeContext())),
    }


@pytest.mark.parametrize("type_name", ["pattern", "midi_in", "midi_out", "osc_send", "osc_receive", "ableton_max",
                                       "ableton_osc", "ableton_live"])
def test_stop_after_a_start_that_failed_at_once_raises_nothing(type_name: str, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    with contextlib.ExitStack() as held:
        node = failing_starts(tmp_path, monkeypatch, held)[type_name]()
        assert node.type_name == type_name
        with pytest.raises((Refused, ValueError, OSError)):
            node.start()
        stop_within(node)
    assert node.stop_event.is_set()


# -- a start() that fails after it opened something: stop() must release it --------------------------------------


class FailingStatus(NodeContext):
    """A context whose report_status raises: start() fails at the first status it reports."""

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        raise Refused("refused")


def test_osc_receive_whose_start_failed_after_binding_frees_its_port_and_stops() -> None:
    node = OscReceive("rx-half", {"port": 0}, FailingStatus())
    with pytest.raises(Refused):
        node.start()
    port = node.bound_port
    assert not udp_port_free(port)  # bound: start() failed after it
    stop_within(node)
    assert udp_port_free(port)


def test_a_pattern_rebuilt_by_an_edit_whose_start_failed_leaves_no_link_peer(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("link")
    old = Pattern("pat-half", {"patterns": {"HH": "x"}, "link": True}, NodeContext())
    old.start()
    old.stop()  # an edit: the new node takes over the old one's Link peer, or closes it
    peer = old.timeline
    assert isinstance(peer, clocks.LinkTimeline) and peer.link.enabled

    class NoNetwork(clocks.LinkTimeline):
        def __init__(self, *args: Any) -> None:
            raise Refused("refused")

    monkeypatch.setattr(clocks, "LinkTimeline", NoNetwork)
    new = Pattern("pat-half", {"patterns": {"HH": "x."}, "link": True, "start_stop_sync": True}, NodeContext())
    with pytest.raises(Refused):
        new.start()  # after it took over the old node's groove
    stop_within(new)
    assert peer.link is None  # the replaced node's peer left the session, released


def jack_ports() -> str:
    return jack_command("jack_lsp").stdout


@pytest.mark.jack
def test_midi_out_whose_start_failed_after_opening_its_port_closes_it(monkeypatch: pytest.MonkeyPatch) -> None:
    name = f"exs-half-{os.getpid()}"
    node = MidiOut("mout-half", {"virtual_port": name, "api": "UNIX_JACK"}, NodeContext())
    monkeypatch.setattr(node, "run_thread", refuse)
    with pytest.raises(Refused):
        node.start()
    assert node.keeper.wait_open(10.0)
    stop_within(node)
    assert name not in jack_ports()


@pytest.mark.parametrize("type_name", ["ableton_osc", "ableton_live"])
def test_ableton_nodes_whose_start_failed_after_opening_a_socket_close_it(type_name: str, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    if type_name == "ableton_osc":
        holder, reply_port = busy_udp_port()
        holder.close()
        node: Any = AbletonOsc("aosc-half", {"reply_port": reply_port, "folder": str(tmp_path)}, NodeContext())
    else:
        node = AbletonLive("live-half", {"folder": str(tmp_path)}, NodeContext())
    monkeypatch.setattr(node, "run_thread", refuse)
    with pytest.raises(Refused):
        node.start()
    sock = node._listener if type_name == "ableton_osc" else node._sock
    assert sock.fileno() >= 0
    stop_within(node)
    assert sock.fileno() == -1  # closed
