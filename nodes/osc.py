"""OSC send and receive (python-osc over UDP), so a patch can span several machines.

``osc_send`` turns what it receives into OSC messages under an address prefix (default ``/exsampling``):

- a slot assignment: ``/exsampling/slot <slot> <path> <label> <confidence> <pitch_hz> <take_id> <name>``
- a take: ``/exsampling/take <path> <duration> <take_id> <name>``
- a prediction: ``/exsampling/prediction <label> <confidence> <take_id> <name>``

``<name>`` is how to show the take to a person (``Take.name``): a folder's file by its name in the folder, as the
stage console names it, where ``<take_id>`` (the key) is the default ``take-20250101-203000-0001a3f2``; else the id.
- a control value: ``/exsampling/control/<name> <value>``
- a MIDI message: ``/exsampling/midi <status> <data1> [<data2>]``; one with a time to be heard (a ``pattern``
  node's, sent a lookahead ahead) in a bundle time-tagged with that time, on the wall clock

A take the patch changed (trimmed, ...: no file of its own) is written to ``osc_send``'s ``folder`` first, and that
path sent (docs/osc.md).

``osc_receive`` (:mod:`~exsampling_patch.nodes.osc_receive`) reads the same messages back.
An unreachable or unknown host never stops the patch: the node reports the error once and goes on, in that error
while its sends fail, until one goes (a status with ``port``); each take that did not go ends as an error.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from exsampling_patch.messages import ControlValue, Prediction, SlotAssignment, Take
from exsampling_patch.node import Input, Node, Param, StandingWarning
from exsampling_patch.nodes.osc_outbox import send_datagram
from exsampling_patch.nodes.osc_receive import MAX_AHEAD, OscReceive  # noqa: F401 (its home before)
from exsampling_patch.nodes.sent_log import FolderLock
from exsampling_patch.nodes.take_files import TakeFiles, swept
from exsampling_patch.ports import ANY


def osc_datagram(address: str, args: Sequence[Any] = ()) -> bytes:
    """One OSC message, as the UDP datagram that carries it."""
    from pythonosc.osc_message_builder import OscMessageBuilder

    builder = OscMessageBuilder(address=address)
    for arg in args:
        builder.add_arg(arg)
    return builder.build().dgram


def osc_bundle(messages: Sequence[tuple[str, Sequence[Any]]], at: float | None = None) -> bytes:
    """Messages as one OSC bundle (to be acted on at once, or at ``at``: a ``time.time()``), in one datagram: a
    receiver gets all of them, in this order, or none, wherever the network between reorders or drops datagrams."""
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message import OscMessage

    # python-osc annotates the timestamp as int, but writes any number of seconds as an NTP time (fractions too)
    builder = OscBundleBuilder(IMMEDIATELY if at is None else at)  # type: ignore[arg-type]
    for address, args in messages:
        builder.add_content(OscMessage(osc_datagram(address, args)))
    return builder.build().dgram


def host_problem(host: Any) -> str:
    """Why a destination ``host`` cannot be one, or '': a port written into it (``192.168.1.20:10500``), a URL, a
    dotted address past 255. It was resolved at the first send only, in the show, as "Name or service not known"."""
    text = host.strip() if isinstance(host, str) else ""
    if not text:
        return "" if not isinstance(host, str) else "empty: name the machine (127.0.0.1: this one)"
    if "://" in text:
        return f"'{host}' is a URL: write the machine's name or address alone"
    name, colon, port = text.rpartition(":")
    if colon and port.isdigit() and name and ":" not in name:  # one colon: not an IPv6 address
        return f"'{host}' holds a port: write host: {name} and port: {port}"
    numbers = text.split(".")
    if len(numbers) == 4 and all(n.isdigit() for n in numbers) and any(int(n) > 255 for n in numbers):
        return f"'{host}' is no IPv4 address: each of its four numbers is 0-255"
    return ""


def host_checks(params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
    """A node's ``check_params`` of its ``host`` (see :func:`host_problem`)."""
    why = host_problem(params.get("host"))
    return {("host",): why} if why else {}


class OscTarget:
    """A UDP OSC destination that reports problems instead of raising, and retries on the next send.

    The socket is connected to the destination (a refusal reported for an earlier datagram is not an error: the
    datagram is sent again, as an unconnected socket would have sent it)."""

    def __init__(self, host: str, port: int, report_error: Any = None) -> None:
        self.host, self.port = host, port
        self.report_error = report_error or (lambda text: None)
        self._sock: socket.socket | None = None
        self._address: tuple[Any, ...] | None = None
        self._resolved: tuple[int, tuple[Any, ...]] | None = None
        self._last_error = ""
        self.error = ""  # why the last send failed ('' once one went): for a take's end, each time, not once
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

    def send_bundle(self, messages: Sequence[tuple[str, Sequence[Any]]], at: float | None = None) -> bool:
        """Send messages as one bundle in one datagram: in order, and all or none, across a network too; time-tagged
        ``at`` (a ``time.time()``) if given."""
        return self._send(lambda: [osc_bundle(messages, at)])

    def resolved(self) -> tuple[int, tuple[Any, ...]] | None:
        """(address family, socket address) of the destination, looked up once; None (reported) when it cannot
        be: for a sender elsewhere (:class:`~exsampling_patch.nodes.osc_outbox.Outbox`)."""
        with self._lock:
            if self._resolved is None:
                try:
                    info = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)[0]
                except (OSError, UnicodeError) as error:
                    self.failed += 1
                    self.error = f"OSC to {self.host}:{self.port} failed: {error}"
                    self._report(self.error)
                    return None
                self._resolved = (int(info[0]), tuple(info[4]))
            return self._resolved

    def _send(self, datagrams: Callable[[], list[bytes]]) -> bool:
        with self._lock:
            try:
                if self._sock is None:
                    self._connect()
                assert self._sock is not None and self._address is not None
                packets = datagrams()
                for datagram in packets:
                    send_datagram(self._sock, datagram)
                    self.sent += 1
            except (OSError, ValueError) as error:
                self.failed += 1
                self.close_locked()
                self.error = f"OSC to {self.host}:{self.port} failed: {error}"
                self._report(self.error)
                return False
            self._last_error = self.error = ""
            return True

    def _report(self, text: str) -> None:
        if text != self._last_error:  # once per distinct problem
            self._last_error = text
            self.report_error(text)

    def close(self) -> None:
        with self._lock:
            self.close_locked()

    def close_locked(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def osc_args(message: Any, file: Path | None = None) -> tuple[str, list[Any]] | None:
    """The (address suffix, arguments) for a message, or None for a kind OSC does not carry. A take's or
    assignment's path is ``file`` where given (the copy written of a take the patch changed), else its take's."""
    if isinstance(message, SlotAssignment):
        take = message.take
        pitch = take.meta.get("pitch_hz")
        return "/slot", [message.slot, str(file or take.path or ""), message.label or "", float(message.confidence),
                         float(pitch) if isinstance(pitch, (int, float)) else 0.0, take.take_id, take.name]
    if isinstance(message, Take):
        return "/take", [str(file or message.path or ""), float(message.duration), message.take_id, message.name]
    if isinstance(message, Prediction):
        return "/prediction", [message.label or "", float(message.confidence), message.take.take_id,
                               message.take.name]
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
    folder = Param("path", "../session/osc", "where takes changed by the patch (trimmed, ...) are written as WAV "
                   "for the receiver to read (a folder of their own: copies no slot needs are removed)")
    keep_per_slot = Param(int, 8, "copies kept per slot, and of takes sent as /take (the newest; older ones are "
                          "removed)", minimum=1, maximum=10000)

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        return host_checks(params)

    def start(self) -> None:
        self.lock: FolderLock | None = None
        self._files: TakeFiles | None = None  # made by the first take that needs a copy (take_files)
        self._warning = StandingWarning()
        self._failing = False  # the last send failed: the next that goes reports the target open again
        # Told by the target once per distinct problem, about the node's "port": it stands while sends fail (the
        # messages handled meanwhile do not end it) and ends at the first that goes, which reports that key.
        self.target = OscTarget(self.host, self.port, lambda text: self.report_error(text, about="port"))

    def take_files(self) -> TakeFiles:
        """The folder of copies of changed takes, with its lock, taken by the first take that needs a copy: a node
        that sends controls, predictions, MIDI or takes with files of their own makes no folder and holds no lock
        (another run may send its takes there). Raises
        :class:`~exsampling_patch.nodes.osc_outbox.FolderInUse` while another run holds it; asked again at the next
        such take, which gets the folder once that run has let go."""
        if self._files is not None:
            return self._files
        folder = self.resolve_path(self.folder)
        # The lock first, as the Ableton nodes take theirs: another run of this node on this folder shares its list
        # of kept copies (.kept-<node>.json), so this run's sweep, or the list rewritten at its first send, would
        # remove copies that run has just sent and its receiver may load again.
        with contextlib.suppress(OSError):  # a folder that cannot be made holds no copies to sweep: each copy says why
            self.lock = FolderLock(folder / f".sent-{self.node_id}.txt",
                                   "this node sends no take that needs a copy until it is free")
        self._files = TakeFiles(folder, keep_per_slot=self.keep_per_slot, name=self.node_id)
        self._warning = swept(self, self._files)
        return self._files

    def stop(self) -> None:
        target = getattr(self, "target", None)  # none when start() failed before it
        if target is not None:
            target.close()
        lock = getattr(self, "lock", None)
        if lock is not None:
            lock.close()
        super().stop()

    def on_message(self, message: Any) -> None:
        take = message.take if isinstance(message, SlotAssignment) else message
        file: Path | None = None
        if isinstance(take, Take) and take.path is None:
            # An empty path lost the take's audio at the receiver: it gets a copy of what the patch made of it.
            files = self.take_files()  # another run's folder (FolderInUse): each take says why it did not go
            try:
                file = files.path_for(take)
            except (OSError, RuntimeError) as error:  # a full disk, a folder not writable; soundfile's errors
                reason = f"not sent: its audio could not be written to {files.folder}: {error}"
                self.report_error(f"take {take.name} {reason}")
                self.tell_fate(message, "error", reason)
                return
        found = osc_args(message, file and file.resolve())
        if found is None:
            self.report_error(f"osc_send cannot send a {type(message).__name__}")
            return
        suffix, args = found
        address = self.prefix.rstrip("/") + suffix
        at = heard_at(message) if suffix == "/midi" else None
        # sent ahead (a pattern's step): tagged with its time, or the other end would play it at once
        sent = self.target.send(address, args) if at is None else self.target.send_bundle([(address, args)], at)
        if file is not None:  # kept while its slot (or the takes sent) may need it: after the send
            # the takes sent as /take: a history of their own (None), which no slot's name can share
            files.assigned(message.slot if isinstance(message, SlotAssignment) else None, file)
        if sent:
            # The first to go after sends failed: its destination works again, which ends the target's error.
            again = {"port": self.port} if self._failing else {}
            self._failing = False
            self.report_status(sent=self.target.sent, **again, **self._warning.ended())
            return
        self._failing = True
        if isinstance(take, Take):
            self.tell_fate(message, "error", f"not sent: {self.target.error}")


def heard_at(message: Any) -> float | None:
    """When a timed MIDI message (a ``pattern`` node's) is to be heard, on the wall clock; None for one to play now."""
    from exsampling_patch.nodes.sampler.rig import message_due

    now = time.perf_counter()
    due = message_due(message, now)
    return time.time() + (due - now) if due > now else None
