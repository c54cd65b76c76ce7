"""OSC send and receive (python-osc over UDP), so a patch can span several machines.

``osc_send`` turns what it receives into OSC messages under an address prefix (default ``/exsampling``):

- a slot assignment: ``/exsampling/slot <slot> <path> <label> <confidence> <pitch_hz> <take_id>``
- a take: ``/exsampling/take <path> <duration> <take_id>``
- a prediction: ``/exsampling/prediction <label> <confidence> <take_id>``
- a control value: ``/exsampling/control/<name> <value>``
- a MIDI message: ``/exsampling/midi <status> <data1> [<data2>]``

``osc_receive`` reads the same messages back (paths must be readable on the receiving machine).
An unreachable or unknown host never stops the patch: the node reports the error and goes on.
"""

from __future__ import annotations

import ctypes
import itertools
import operator
import os
import socket
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from exsampling_patch.messages import ControlValue, Prediction, SlotAssignment, Take
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.ports import ANY, CONTROL, MIDI, SLOT, TAKE


def osc_datagram(address: str, args: Sequence[Any] = ()) -> bytes:
    """One OSC message, as the UDP datagram that carries it."""
    from pythonosc.osc_message_builder import OscMessageBuilder

    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def osc_bundle(messages: Sequence[tuple[str, Sequence[Any]]]) -> bytes:
    """Messages as one OSC bundle (to be acted on at once), in one datagram: a receiver gets all of them, in
    this order, or none, wherever the network between reorders or drops datagrams."""
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message import OscMessage

    builder = OscBundleBuilder(IMMEDIATELY)
    for address, args in messages:
        builder.add_content(OscMessage(osc_datagram(address, args)))
    return builder.build().dgram


def _libc_holding_the_lock() -> tuple[Any, Any] | None:
    """libc's ``send`` and ``write`` called through :class:`ctypes.PyDLL`, which keeps the interpreter lock during
    the call (a plain socket or ``os`` call lets it go around the system call); None where there is no such libc."""
    try:
        libc = ctypes.PyDLL(None)
        send, write = libc.send, libc.write
    except (OSError, AttributeError, TypeError):
        return None
    send.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t, ctypes.c_int]
    write.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_size_t]
    send.restype = write.restype = ctypes.c_ssize_t
    return send, write


_SEND_WRITE = _libc_holding_the_lock() if os.name == "posix" else None


def send_then_write(sock: socket.socket, datagram: bytes, fd: int, line: bytes) -> None:
    """Send ``datagram`` on the connected UDP socket ``sock``, then append ``line`` to the file ``fd`` (opened with
    ``O_APPEND``), as close together as two system calls can be: a process killed once the datagram has gone
    finds the line written (the kernel keeps it; no flush to disk is needed for that).

    With a plain ``sock.send`` the sending thread lets the interpreter lock go during the call and must win it
    back before it can write the line: on a busy patch that took hundreds of microseconds, during which a kill -9
    found the datagram sent and the line unwritten (the receiver, woken by the datagram, had long acted on it).
    Here both calls run from C (``starmap``, no Python between them) with the lock held, so no other thread runs
    in between. The line is written even if the send fails (the caller's record says "handled", as before); a
    failed send is then tried again the plain way, which raises its error.
    """
    calls = _SEND_WRITE
    if calls is None:  # no libc to call with the lock held: the plain way, nothing in between
        sock.send(datagram)
        os.write(fd, line)
        return
    send, write = calls
    sent, written = itertools.starmap(operator.call, ((send, sock.fileno(), datagram, len(datagram), 0),
                                                      (write, fd, line, len(line))))
    if written != len(line):
        os.write(fd, line[max(written, 0):])
    if sent < 0:
        send_datagram(sock, datagram)


def send_datagram(sock: socket.socket, datagram: bytes) -> None:
    """Send on the connected UDP socket ``sock``, once more after a refusal: there, an ICMP "port unreachable" for
    an earlier datagram fails the next send (which did not go); UDP to a port where nothing listens is no error."""
    try:
        sock.send(datagram)
    except ConnectionRefusedError:
        sock.send(datagram)


class OscTarget:
    """A UDP OSC destination that reports problems instead of raising, and retries on the next send.

    The socket is connected to the destination (a refusal reported for an earlier datagram is not an error: the
    datagram is sent again, as an unconnected socket would have sent it)."""

    def __init__(self, host: str, port: int, report_error: Any = None) -> None:
        self.host, self.port = host, port
        self.report_error = report_error or (lambda text: None)
        self._sock: socket.socket | None = None
        self._address: tuple[Any, ...] | None = None
        self._last_error = ""
        self._lock = threading.Lock()
        self.sent = 0
        self.failed = 0
        # pythonosc's first import takes milliseconds (and the interpreter lock): pay it at start-up, not on
        # the show's first take.
        import pythonosc.osc_bundle_builder
        import pythonosc.osc_message_builder  # noqa: F401

    def _connect(self) -> None:
        info = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)[0]
        sock = socket.socket(info[0], socket.SOCK_DGRAM)
        try:
            sock.connect(info[4])
        except OSError:
            sock.close()
            raise
        self._sock, self._address = sock, info[4]

    def send(self, address: str, args: Sequence[Any] = ()) -> bool:
        """Send one message; False (reported once per distinct problem) when it cannot go."""
        return self.send_many([(address, args)])

    def send_many(self, messages: Sequence[tuple[str, Sequence[Any]]]) -> bool:
        """Send messages in order, each its own datagram (UDP keeps their order on one host and socket)."""
        return self._send(lambda: [osc_datagram(address, args) for address, args in messages])

    def send_bundle(self, messages: Sequence[tuple[str, Sequence[Any]]],
                    record: tuple[int, bytes] | None = None) -> bool:
        """Send messages as one bundle in one datagram: in order, and all or none, across a network too.

        ``record``: (file descriptor, line) appended to that file right after the datagram has gone, with nothing
        in between (:func:`send_then_write`): a log of what was sent that a kill -9 cannot leave behind."""
        return self._send(lambda: [osc_bundle(messages)], record)

    def _send(self, datagrams: Callable[[], list[bytes]], record: tuple[int, bytes] | None = None) -> bool:
        with self._lock:
            try:
                if self._sock is None:
                    self._connect()
                assert self._sock is not None and self._address is not None
                packets = datagrams()
                for i, datagram in enumerate(packets):
                    if record is not None and i == len(packets) - 1:
                        send_then_write(self._sock, datagram, *record)
                    else:
                        send_datagram(self._sock, datagram)
                    self.sent += 1
            except (OSError, ValueError) as error:
                self.failed += 1
                self.close_locked()
                text = f"OSC to {self.host}:{self.port} failed: {error}"
                if text != self._last_error:
                    self._last_error = text
                    self.report_error(text)
                return False
            self._last_error = ""
            return True

    def close(self) -> None:
        with self._lock:
            self.close_locked()

    def close_locked(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def osc_args(message: Any) -> tuple[str, list[Any]] | None:
    """The (address suffix, arguments) for a message, or None for a kind OSC does not carry."""
    if isinstance(message, SlotAssignment):
        take = message.take
        pitch = take.meta.get("pitch_hz")
        return "/slot", [message.slot, str(take.path or ""), message.label or "", float(message.confidence),
                         float(pitch) if isinstance(pitch, (int, float)) else 0.0, take.take_id]
    if isinstance(message, Take):
        return "/take", [str(message.path or ""), float(message.duration), message.take_id]
    if isinstance(message, Prediction):
        return "/prediction", [message.label or "", float(message.confidence), message.take.take_id]
    if isinstance(message, ControlValue):
        return f"/control/{message.name}", [float(message.value)]
    if hasattr(message, "bytes") and callable(message.bytes):  # a mido.Message
        return "/midi", [int(b) for b in message.bytes()]
    return None


class OscSend(Node):
    """Send slot assignments, takes, predictions, control values and MIDI as OSC over UDP."""

    type_name = "osc_send"
    family = "outputs"

    message = Input(ANY, "anything to send (assignments, takes, predictions, controls, MIDI)", multiple=True)

    host = Param(str, "127.0.0.1", "destination host name or address")
    port = Param(int, 9000, "destination UDP port", minimum=1, maximum=65535)
    prefix = Param(str, "/exsampling", "address prefix")

    def start(self) -> None:
        self.target = OscTarget(self.host, self.port, self.report_error)

    def stop(self) -> None:
        self.target.close()
        super().stop()

    def on_message(self, message: Any) -> None:
        found = osc_args(message)
        if found is None:
            self.report_error(f"osc_send cannot send a {type(message).__name__}")
            return
        suffix, args = found
        if self.target.send(self.prefix.rstrip("/") + suffix, args):
            self.report_status(sent=self.target.sent)


class OscReceive(Node):
    """Receive OSC over UDP: control values, MIDI and slot assignments (of takes readable here)."""

    type_name = "osc_receive"
    family = "sources"

    control = Output(CONTROL, "<prefix>/control/<name> <value>, and any other address with a number")
    midi = Output(MIDI, "<prefix>/midi <status> <data1> [<data2>]")
    assignment = Output(SLOT, "<prefix>/slot <slot> <path> [<label> <confidence> <pitch_hz>]")
    take = Output(TAKE, "<prefix>/take <path>")

    host = Param(str, "127.0.0.1", "address to listen on (0.0.0.0: every interface)")
    port = Param(int, 9000, "UDP port to listen on (0: any free port, shown in the status)", minimum=0,
                 maximum=65535)
    prefix = Param(str, "/exsampling", "address prefix")

    def start(self) -> None:
        from pythonosc.dispatcher import Dispatcher
        from pythonosc.osc_server import BlockingOSCUDPServer

        from exsampling_patch.devices import naming_busy_port

        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._on_osc)
        with naming_busy_port(self, "port", self.port, "UDP"):
            self.server = BlockingOSCUDPServer((self.host, self.port), dispatcher)
        self.bound_port = int(self.server.server_address[1])
        self.report_status(port=self.bound_port)
        self._serving = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                         name=f"{self.node_id}-osc", daemon=True)
        self._serving.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        super().stop()

    def _on_osc(self, address: str, *args: Any) -> None:
        try:
            self._route(address, list(args))
        except Exception as error:  # a malformed message is reported, the server goes on
            self.report_error(f"OSC {address} {args}: {error}")

    def _route(self, address: str, args: list[Any]) -> None:
        prefix = self.prefix.rstrip("/")
        path = address[len(prefix):] if prefix and address.startswith(prefix + "/") else address
        if path == "/midi":
            import mido

            self.emit("midi", mido.Message.from_bytes([int(a) for a in args]))
        elif path == "/slot":
            from exsampling_patch.takes import read_take

            take = read_take(Path(str(args[1])), source=self.node_id)
            pitch = float(args[4]) if len(args) > 4 and float(args[4]) > 0 else None
            if pitch is not None:
                take = take.derive(meta={"pitch_hz": pitch})
            self.emit("assignment", SlotAssignment(str(args[0]), take, str(args[2]) if len(args) > 2 else None,
                                                   float(args[3]) if len(args) > 3 else 0.0))
        elif path == "/take":
            from exsampling_patch.takes import read_take

            self.emit("take", read_take(Path(str(args[0])), source=self.node_id))
        elif args and isinstance(args[0], (int, float)):
            name = path.removeprefix("/control/").strip("/").replace("/", ".")
            self.emit("control", ControlValue(name, float(args[0])))
        else:
            self.report_error(f"OSC {address}: no route for it (expected {prefix}/control/NAME, /midi, /slot, /take)")
            return
        self.report_status(received=address)
