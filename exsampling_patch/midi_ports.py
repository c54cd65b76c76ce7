"""MIDI ports that survive the show: opened by name, re-opened when they come back, errors reported.

Used by the sampler, ``midi_in`` and ``midi_out``. mido with python-rtmidi; the rtmidi API is chosen by
``MIDO_BACKEND`` if set, else ALSA where the ALSA sequencer exists and JACK where it does not (a Linux
box with only a JACK server, like the test machine). mido is imported lazily.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from exsampling_patch.jack_cli import jack_tool, named_server

if TYPE_CHECKING:
    from exsampling_patch.midi_reader import PolledInput

API_CHOICES = ("auto", "UNIX_JACK", "LINUX_ALSA", "MACOSX_CORE", "WINDOWS_MM")
#: The longest wait (seconds) between a keeper's looks while no JACK server answers: each look doubles it up to this.
DOWN_POLL_MOST = 5.0
#: Where ``jack_lsp`` and ``jack_connect`` come from: PipeWire's JACK (pipewire-jack) ships neither.
JACK_TOOLS_PACKAGE = "jackd2 (Debian, Ubuntu) or jack-example-tools (beside PipeWire's JACK)"
#: How long stopping keepers waits, in all, for their threads and for a message being handed on (:func:`stop_keepers`).
CLOSE_SECONDS = 2.0


def backend(api: str = "auto") -> Any:
    """The mido backend for ``api`` (one of :data:`API_CHOICES`)."""
    import mido

    if api == "auto":
        name = os.environ.get("MIDO_BACKEND", "")
        if not name:
            if sys.platform.startswith("linux") and not os.path.exists("/dev/snd/seq"):
                name = "mido.backends.rtmidi/UNIX_JACK"
            else:
                name = "mido.backends.rtmidi"
    else:
        name = f"mido.backends.rtmidi/{api}"
    return mido.Backend(name, load=True)


def find_port(names: list[str], wanted: str) -> str | None:
    """The port called ``wanted``, else the first whose name contains it (case-insensitive)."""
    if wanted in names:
        return wanted
    low = wanted.lower()
    return next((n for n in names if low in n.lower()), None)


def jack_link(client_name: str, target: str, direction: str) -> str:
    """Connect our JACK MIDI port for ``target`` to ``target`` itself; returns what failed ("" if nothing did).

    python-rtmidi 1.5's JACK backend registers the port named after the one it opens but does not
    connect the two, so the keeper connects them with ``jack_connect``. Our port is
    ``<client>:<target>``; JACK may have given the client a suffix (``name-01``) if the name was taken.
    Only that name or that name with jack2's suffix (``-01`` to ``-99``, seen on jackd 1.9.21 with python-rtmidi
    1.5) is ours: a prefix match took another client's port too (``keys`` linking ``keys2``'s).
    A port left unconnected loses all its MIDI with no error anywhere else, so each failure is told: both
    ports and the tool's own words (a target gone since it was listed, a tool whose client could not open).
    """
    try:  # each tool asked again where it fails (jack_cli): one failure left the port unconnected, MIDI lost
        listed = jack_tool("jack_lsp")
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"MIDI port {target!r} not connected: {_tool_failed('jack_lsp', error)}"
    if listed.returncode != 0:
        return f"MIDI port {target!r} not connected: jack_lsp: {_tool_words(listed)}"
    ours = [p for p in listed.stdout.split("\n")
            if p.endswith(":" + target) and _is_our_client(client_name, p.split(":", 1)[0])]
    if not ours:
        return f"MIDI port {target!r} not connected: JACK lists no port of client {client_name!r} for it"
    problems = []
    for port in ours:
        pair = [target, port] if direction == "input" else [port, target]
        try:
            done = jack_tool("jack_connect", *pair)
        except (OSError, subprocess.TimeoutExpired) as error:
            problems.append(f"MIDI port {pair[0]!r} not connected to {pair[1]!r}: "
                            f"{_tool_failed('jack_connect', error)}")
            continue
        if done.returncode != 0:
            problems.append(f"MIDI port {pair[0]!r} not connected to {pair[1]!r}: jack_connect: "
                            f"{_tool_words(done)}")
    return "; ".join(problems)


def jack_midi_ports(direction: str) -> list[str] | None:
    """The JACK MIDI ports a keeper of ``direction`` can open (an input listens to another client's output), as
    ``jack_lsp`` lists them in a process of its own; None where it cannot tell.

    rtmidi lists them through a JACK client it opens in this process: each time, every MIDI port this process
    held open lost what arrived meanwhile (6% of a drum machine's clock ticks, polled once a second; a keyboard's
    note off, and its note hung). A client in another process disturbs nobody here.

    Raises:
        OSError: there is no ``jack_lsp`` to run (see :data:`JACK_TOOLS_PACKAGE`).
    """
    try:
        listed = jack_tool("jack_lsp", "-t", "-p")
    except subprocess.TimeoutExpired:
        return None
    if listed.returncode != 0:
        return None
    wanted = "output" if direction == "input" else "input"
    ports: list[str] = []
    name, flows = "", [""]
    for line in listed.stdout.splitlines():
        if not line.startswith(("\t", " ")):
            name, flows = line.strip(), []
        elif line.strip().startswith("properties:"):
            flows = line.split(":", 1)[1].replace(" ", "").split(",")
        elif line.strip() == "8 bit raw midi" and wanted in flows:
            ports.append(name)
    return ports


def open_input(midi: Any, name: str, callback: Callable[[Any], object] | None, *, client_name: str,
               on_error: Callable[[BaseException], None] = lambda error: None) -> PolledInput:
    """An input of mido backend ``midi`` (its rtmidi API), ``callback`` called on a thread of the port's own, never on
    rtmidi's MIDI thread (see :mod:`exsampling_patch.midi_reader`); a close is a plain close."""
    from exsampling_patch.midi_reader import open_polled

    return open_polled(getattr(midi, "api", None), name, client_name, callback, on_error)


def _is_our_client(client_name: str, client: str) -> bool:
    """Whether JACK's ``client`` is ``client_name`` as JACK may have renamed it: jack2 adds ``-01``..``-99`` to a
    name already taken (``keys`` opened twice is ``keys`` and ``keys-01``)."""
    return re.fullmatch(re.escape(client_name) + r"(-\d\d)?", client) is not None


def stop_keepers(keepers: list[PortKeeper], within: float = CLOSE_SECONDS) -> None:
    """Stop ``keepers`` within ``within`` seconds in all: their threads told to stop together, then each close
    waiting only for what is left of the shared time (one after another, N inputs took N times a close's wait)."""
    until = time.monotonic() + within
    for keeper in keepers:
        keeper._stop.set()
    for keeper in keepers:
        keeper.stop(until)


def _close_quietly(port: Any, until: float | None) -> None:
    """Close ``port`` (if any; an input by ``until``); what fails is of no use to a port being let go."""
    from exsampling_patch.midi_reader import PolledInput  # here: mido, which it imports, is imported lazily

    if port is not None:
        with contextlib.suppress(Exception):
            port.close(until) if isinstance(port, PolledInput) else port.close()


def _tool_failed(tool: str, error: OSError | subprocess.TimeoutExpired) -> str:
    """Why the JACK tool ``tool`` did not run, in the port keeper's words: a tool missing was told only as
    "[Errno 2] No such file or directory", with neither the package to install nor that nothing was linked."""
    if isinstance(error, OSError):
        return f"{tool} cannot run ({error.strerror or error}): install {JACK_TOOLS_PACKAGE}"
    return f"{tool}: {error}"


def _tool_words(done: subprocess.CompletedProcess[str]) -> str:
    """What a JACK tool that failed said (its last lines: libjack's own come first), else its exit status."""
    said = " / ".join(line.strip() for line in (done.stderr + done.stdout).splitlines() if line.strip())
    return said[-300:] if said else f"exit status {done.returncode}"


class PortKeeper:
    """Keeps one MIDI port open on a thread: a virtual port, or a named port re-opened when it returns.

    ``direction`` is ``"input"`` (messages go to ``on_message`` on a thread of the port's own: :mod:`.midi_reader`)
    or ``"output"`` (use :meth:`send`). Problems go to ``report_error``; the port's state to ``report_status``.
    """

    def __init__(
        self,
        direction: str,
        *,
        port: str = "",
        virtual: str = "",
        client_name: str = "exsampling",
        api: str = "auto",
        on_message: Callable[[Any], None] | None = None,
        report_error: Callable[[str], None] = lambda text: None,
        report_status: Callable[..., None] = lambda **values: None,
        poll_seconds: float = 1.0,
    ) -> None:
        if direction not in ("input", "output"):
            raise ValueError(f"direction must be 'input' or 'output', not {direction!r}")
        self.direction, self.port, self.virtual = direction, port, virtual
        self.client_name, self.api, self.on_message = client_name, api, on_message
        self.report_error, self.report_status, self.poll_seconds = report_error, report_status, poll_seconds
        self.opened: Any = None
        self.opened_name = ""
        self._backend: Any = None
        self._lock = threading.Lock()  # guards opened: send() and the keeper thread
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_error = ""
        self._warned = False  # a warning of ours stands (a port left unconnected), to be cleared
        self._told_no_lsp = False  # the warning that jack_lsp is missing was given
        self._jack_down = False  # the last look's jack_lsp found no JACK server answering

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name=f"midi-{self.direction}-{self.virtual or self.port}",
                                        daemon=True)
        self._thread.start()

    def stop(self, until: float | None = None) -> None:
        """Stop the keeper and close its port, by ``until`` (a monotonic time; else 2 s for the thread and
        :data:`CLOSE_SECONDS` for the close). See :func:`stop_keepers` for several at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0 if until is None else max(0.0, until - time.monotonic()))
        self._close(until)

    def wait_open(self, timeout: float = 5.0) -> bool:
        """Wait until the port is open (tests, start-up)."""
        deadline = threading.Event()
        for _ in range(int(timeout / 0.01)):
            if self.opened is not None:
                return True
            deadline.wait(0.01)
        return self.opened is not None

    def send(self, message: Any) -> bool:
        """Send on an output port; False (and the port is closed, to be re-opened) if it cannot."""
        with self._lock:
            port = self.opened
            if port is None:
                return False
            try:
                port.send(message)
                return True
            except Exception as error:
                self._error(f"MIDI port {self.opened_name!r} failed: {error}; re-opening it when it is back")
                self._close_locked()
                return False

    # -- the keeper thread ---------------------------------------------------------------------------------------

    def _run(self) -> None:
        wait = self.poll_seconds
        while not self._stop.is_set():
            self._jack_down = False
            try:
                self._check()
            except Exception as error:
                self._error(f"MIDI {self.direction}: {self._words(error)}")
            # While no JACK server answers, each look cost jack_lsp's 3 runs (jack_cli asks again) and a JACK
            # client of rtmidi's, every poll: looked for less and less often, back to every poll once it answers.
            down = self._jack_down
            wait = min(wait * 2, max(DOWN_POLL_MOST, self.poll_seconds)) if down else self.poll_seconds
            self._stop.wait(wait)

    def _words(self, error: Exception) -> str:
        """What an open or a look that failed says to the performer: rtmidi's "MidiInJack::initialize: JACK server
        not running?" is told as what it means here, and that the keeper goes on."""
        if self._on_jack and "JACK server not running" in str(error):
            server = named_server()
            if server:  # looked for by that name alone: another server may well run
                return (f"no JACK server answers as '{server}' (the server JACK_DEFAULT_SERVER names), and the MIDI "
                        "ports here are JACK's: the port opens once it does")
            return "no JACK server answers, and the MIDI ports here are JACK's: the port opens once one does"
        return str(error)

    @property
    def _on_jack(self) -> bool:
        """Whether its rtmidi backend is JACK's (ports are linked and listed with JACK's own tools)."""
        return "JACK" in str(getattr(self._backend, "api", "") or "")

    def _names(self) -> list[str]:
        if self._on_jack:
            try:
                listed = jack_midi_ports(self.direction)  # not through rtmidi: see jack_midi_ports
                self._jack_down = listed is None
            except OSError as error:
                listed = None
                if not self._told_no_lsp:  # a warning, once: no error, the keeper goes on with rtmidi's list
                    self._told_no_lsp = True
                    self.report_status(warning=f"jack_lsp cannot run ({error.strerror or error}): install "
                                               f"{JACK_TOOLS_PACKAGE}; until then MIDI ports are listed in this "
                                               "process, which loses the MIDI arriving meanwhile (hung notes)")
            if listed is not None:
                return listed
        get = self._backend.get_input_names if self.direction == "input" else self._backend.get_output_names
        return list(get())

    def _check(self) -> None:
        if self._backend is None:
            self._backend = backend(self.api)
        if self.virtual:
            if self.opened is None:
                self._open(self.virtual, virtual=True)
            return
        if not self.port:
            return
        names = self._names()
        if self.opened is not None:
            if self.opened_name not in names:
                self._error(f"MIDI port {self.opened_name!r} disappeared; waiting for it to come back")
                self._close()
            return
        match = find_port(names, self.port)
        if match is None:
            # said with what comes next: a performer plugging the controller in mid-show did not know that it is
            # looked for again (every poll), and stopped the show to start it again
            self._error(f"no MIDI {self.direction} port named {self.port!r} (ports: {', '.join(names) or 'none'}): "
                        "it opens as soon as one appears, no need to run the patch again")
            return
        self._open(match, virtual=False)

    def _open(self, name: str, virtual: bool) -> None:
        if self.direction == "input":
            port: Any = open_input(self._backend, name, self.on_message, client_name=self.client_name,
                                   on_error=self._failed)
        else:
            port = self._backend.open_output(name, client_name=self.client_name, virtual=virtual)
        unlinked = ""
        if not virtual and self._on_jack:
            unlinked = jack_link(self.client_name, name, self.direction)
        with self._lock:
            # A stop that gave up waiting for this thread (a slow jack_link) closed nothing: the port is ours to close,
            # else the input stayed open and its reader kept handing MIDI to the stopped node. The flag is set before
            # a stop waits, and its close takes the port under this lock: one of the two closes it.
            stopped = self._stop.is_set()
            if not stopped:
                self.opened, self.opened_name = port, name
        if stopped:
            _close_quietly(port, None)
            return
        self._last_error = ""
        status: dict[str, Any] = {"midi_port": name}
        if unlinked or self._warned:
            # A warning, not an error: the port is open and kept; the performer must know its MIDI goes nowhere.
            # "" clears the warning a link of this keeper left, once one links.
            status["warning"], self._warned = unlinked, bool(unlinked)
        self.report_status(**status)

    def _close(self, until: float | None = None) -> None:
        # taken out under the lock, closed outside it: an input's close waits for a message being handed on, and
        # send() or a stop waiting on the lock meanwhile added their waits to it
        with self._lock:
            port, self.opened = self.opened, None
        _close_quietly(port, until)

    def _close_locked(self) -> None:
        port, self.opened = self.opened, None
        _close_quietly(port, None)

    def _failed(self, error: BaseException) -> None:
        """What ``on_message`` raised, on the input's reader thread: said, and the next message handed on."""
        self._error(f"MIDI input {self.opened_name!r}: a message was not taken: {error}")

    def _error(self, text: str) -> None:
        if text != self._last_error:  # say it once, not every poll
            self._last_error = text
            self.report_error(text)
