"""``osc_receive``: reads back what ``osc_send`` (:mod:`~exsampling_patch.nodes.osc`) sends, over UDP (python-osc).

Paths must be readable on the receiving machine. A take comes under the ``<take_id>`` and ``<name>`` sent (so the
two machines' consoles and show logs name it alike; an id already given here to another file becomes
``<take_id>-2``); a time-tagged MIDI message up to :data:`MAX_AHEAD` ahead keeps its time, so the sampler or
``midi_out`` there plays it then (the two machines' clocks must agree, as NTP keeps them; one more than that ahead,
or behind, plays at once).
A ``/take`` or ``/slot`` time-tagged for later waits for its time; one still waiting when the patch stops ends
"dropped" ("the patch stopped before its time tag"), on the console as any take's end.
"""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.messages import FOLDER_FILE, ControlValue, SlotAssignment, Take
from exsampling_patch.node import Node, Output, Param
from exsampling_patch.ports import CONTROL, MIDI, SLOT, TAKE

__all__ = ["MAX_AHEAD", "OscReceive"]

_ID_AT = {"/take": 2, "/slot": 5}  # where a message's <take_id> is, its <name> after it

MAX_AHEAD = 1.0  # seconds: a time-tagged MIDI message further ahead than this (clocks that disagree) plays at once


class _TimedDispatcher:
    """Hands each message of a packet to ``on_message(address, args, at)``, ``at`` its bundle's time (a
    ``time.time()``; now for a message sent on its own). python-osc's own dispatcher would sleep on the server's
    thread until then, holding up every message after it."""

    def __init__(self, on_message: Callable[[str, list[Any], float], None]) -> None:
        self.on_message = on_message

    def call_handlers_for_packet(self, data: bytes, client_address: tuple[str, int]) -> list[Any]:
        from pythonosc.osc_packet import OscPacket, ParseError

        try:
            packet = OscPacket(data)
        except ParseError:
            return []
        for timed in packet.messages:
            self.on_message(timed.message.address, list(timed.message.params), float(timed.time))
        return []


def _held_take_id(path: Path) -> str:
    """The id a take held for its time tag would have had here: its sidecar's (as :func:`read_take` gives it), else
    its file's name, as the console names a take read from a file without one."""
    import json

    from exsampling_patch.takes import sidecar_path

    try:
        take_id = json.loads(sidecar_path(path).read_text(encoding="utf-8")).get("take_id")
    except (OSError, ValueError, AttributeError):
        take_id = None
    return take_id if isinstance(take_id, str) and take_id else path.name


class OscReceive(Node):
    """Receive OSC over UDP: control values, MIDI and slot assignments (of takes readable here)."""

    type_name = "osc_receive"
    family = "sources"

    control = Output(CONTROL, "<prefix>/control/<name> <value>, and any other address with a number")
    midi = Output(MIDI, "<prefix>/midi <status> <data1> [<data2>]")
    assignment = Output(SLOT, "<prefix>/slot <slot> <path> [<label> <confidence> <pitch_hz> <take_id> <name>]")
    take = Output(TAKE, "<prefix>/take <path> [<duration> <take_id> <name>]")

    host = Param(str, "127.0.0.1", "address to listen on (0.0.0.0: every interface)")
    port = Param(int, 9000, "UDP port to listen on (0: any free port, shown in the status)", minimum=0,
                 maximum=65535)
    prefix = Param(str, "/exsampling", "address prefix")

    def start(self) -> None:
        from pythonosc.osc_server import BlockingOSCUDPServer

        from exsampling_patch.devices import naming_busy_port

        self._later: list[tuple[float, int, str, list[Any]]] = []  # time-tagged messages held for their time
        self._unrouted: set[str] = set()  # addresses reported as having no route
        self._serial = itertools.count()
        self._ids: dict[str, tuple[str, int, int]] = {}  # take id given here -> the file it came with, as it was
        self._ids_lock = threading.Lock()  # the server's thread and the one holding time-tagged messages
        self._wake = threading.Condition()
        self.run_thread(self._hold, name=f"{self.node_id}-later")
        dispatcher: Any = _TimedDispatcher(self._on_osc)
        with naming_busy_port(self, "port", self.port, "UDP"):
            self.server = BlockingOSCUDPServer((self.host, self.port), dispatcher)
        self.bound_port = int(self.server.server_address[1])
        self.report_status(port=self.bound_port)
        serving = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.1},
                                   name=f"{self.node_id}-osc", daemon=True)
        serving.start()
        self._serving = serving

    def stop(self) -> None:
        self.stop_event.set()
        wake = getattr(self, "_wake", None)
        if wake is not None:
            with wake:
                wake.notify()
        server = getattr(self, "server", None)  # none when the port could not be bound
        if server is not None:
            if getattr(self, "_serving", None) is not None:
                server.shutdown()  # waits for serve_forever: never started if start() failed before it
            server.server_close()
        super().stop()
        self._drop_held()

    def _drop_held(self) -> None:
        """Tell the end of each take still held for its time tag at the stop: its file stays where it was (the
        sender's), but nothing here will pass it on now, and a take that vanished without an end would be one the
        console never accounts for. Not delivered instead: the patch is stopping, so nothing downstream is left to
        take it, and acting on it early would break the time the sender asked for."""
        wake = getattr(self, "_wake", None)
        if wake is None:  # start() failed before it made the queue
            return
        with wake:
            held, self._later = self._later, []
        prefix = self.prefix.rstrip("/")
        for _, _, address, args in sorted(held):
            path = address[len(prefix):] if prefix and address.startswith(prefix + "/") else address
            index = {"/take": 0, "/slot": 1}.get(path)
            if index is None or len(args) <= index:
                continue  # a control: no take to account for
            file = Path(str(args[index]))
            named = self._identity(file, args, _ID_AT[path])
            self.tell_fate_of(named[0] if named else _held_take_id(file), fate="dropped",
                              reason="the patch stopped before its time tag")

    def _identity(self, file: Path, args: list[Any], at: int) -> tuple[str, dict[str, str]] | None:
        """The id a ``/take`` or ``/slot`` names its take by (at ``at``), and the meta giving it the sender's name:
        None for a message without one (an older sender's, another program's: the sidecar's id, else a default).

        The message's id wins over this machine's sidecar: it is the one the sender's console and show log name the
        take by, which is why it is sent (the two agree for a take the sender stored). Made unique here: an id seen
        before with another file, or the same file written again since (a sender restarted with ids of its own),
        becomes ``<id>-2``, ``-3``...: one id is one take to the engine, and two takes under one would merge their
        ends. The same file again (a take sent as a ``/take`` and a ``/slot``) keeps the id it had."""
        take_id = str(args[at]) if len(args) > at else ""
        if not take_id:
            return None
        name = str(args[at + 1]) if len(args) > at + 1 else ""
        try:
            stat = file.stat()
            stamp = (str(file), stat.st_mtime_ns, stat.st_size)
        except OSError:  # gone (a take held past the stop): known by its path alone
            stamp = (str(file), 0, -1)
        unique, n = take_id, 1
        with self._ids_lock:
            while self._ids.setdefault(unique, stamp) != stamp:
                n += 1
                unique = f"{take_id}-{n}"
        # named apart from its id (a folder's file): that name; else the id here, so two takes sent under one id
        # are told apart on the console
        return unique, ({FOLDER_FILE: name} if name and name != take_id else {})

    def _on_osc(self, address: str, args: list[Any], at: float = 0.0) -> None:
        prefix = self.prefix.rstrip("/")
        if at > time.time() and address not in (prefix + "/midi", "/midi"):
            # Time-tagged for later (SuperCollider's latency, a sequencer): held until then, on a thread of its own,
            # not on the server's (python-osc's dispatcher slept there, holding up every message after it). MIDI
            # keeps its time instead (see _route), for the sampler and midi_out to place.
            with self._wake:
                heapq.heappush(self._later, (at, next(self._serial), address, args))
                self._wake.notify()
            return
        self._deliver(address, args, at)

    def _hold(self) -> None:
        while not self.stop_event.is_set():
            with self._wake:
                wait = self._later[0][0] - time.time() if self._later else 0.5
                if wait > 0:
                    self._wake.wait(min(wait, 0.5))
                    continue
                _, _, address, args = heapq.heappop(self._later)
            self._deliver(address, args, 0.0)

    def _deliver(self, address: str, args: list[Any], at: float) -> None:
        try:
            self._route(address, args, at)
        except Exception as error:  # a malformed message is reported, the server goes on
            self.report_error(f"OSC {address} {args}: {error}")

    def _route(self, address: str, args: list[Any], at: float = 0.0) -> None:
        prefix = self.prefix.rstrip("/")
        path = address[len(prefix):] if prefix and address.startswith(prefix + "/") else address
        if path == "/midi":
            import mido

            message = mido.Message.from_bytes([int(a) for a in args])
            ahead = at - time.time()
            if 0.0 < ahead <= MAX_AHEAD:  # time-tagged: heard then, on this machine's perf_counter (see osc.heard_at)
                message = message.copy(time=time.perf_counter() + ahead)
            self.emit("midi", message)
        elif path == "/slot":
            take = self._read(Path(str(args[1])), args, _ID_AT[path])
            pitch = float(args[4]) if len(args) > 4 and float(args[4]) > 0 else None
            if pitch is not None:
                take = take.derive(meta={"pitch_hz": pitch})
            self.emit("assignment", SlotAssignment(str(args[0]), take, str(args[2]) if len(args) > 2 else None,
                                                   float(args[3]) if len(args) > 3 else 0.0))
        elif path == "/take":
            self.emit("take", self._read(Path(str(args[0])), args, _ID_AT[path]))
        elif args and isinstance(args[0], (int, float)):
            name = path.removeprefix("/control/").strip("/").replace("/", ".")
            self.emit("control", ControlValue(name, float(args[0])))
        else:  # once per address: a controller's own messages (a ping, a page change) come again and again
            if address not in self._unrouted:
                self._unrouted.add(address)
                self.report_error(f"OSC {address}: no route for it (expected {prefix}/control/NAME, /midi, /slot, "
                                  "/take); said once")
            return
        self.report_status(received=address)

    def _read(self, file: Path, args: list[Any], at: int) -> Take:
        from exsampling_patch.takes import read_take

        take = read_take(file, source=self.node_id)
        named = self._identity(file, args, at)
        if named is None:
            return take
        if named[1]:  # the console (and the editor's line) names a take by what its source reports, as a folder's
            self.report_status(take=named[0], file_name=named[1][FOLDER_FILE])
        return take.derive(take_id=named[0], meta=named[1])
