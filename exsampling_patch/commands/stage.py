"""The stage console of ``exsampling run``: what a performer reads while the patch runs.

At start, one line per input and output as each opens (:mod:`.opened_lines`: the recorder's URL and QR code, the
sound device or JACK server with its rate and block size, MIDI ports, OSC targets; the folder a folder source reads,
:mod:`.folder_words`); then one line per take with its fate (``12:03:41 take 7 from Mika, 2.9 s: hi-hat 94% -> HH
(14 ms)``, or why it went nowhere), a line when a node fails (the same error again is counted: :mod:`.error_repeats`)
or comes back, and one when a node warns (its status's ``warning``: a backlog, nothing failed).
``quiet`` prints only failures, recoveries, the recorder's URL and QR code (phones cannot pair without them) with its
warnings (on no network, a new token) and the summary; ``verbose`` adds every hop between nodes; ``json``
prints one JSON object per event instead (on stdout; a person's lines go to stderr: the recorder's URL and QR code
with its warnings among them, as quiet's).

Libraries' own output (libjack, PortAudio, the classifier's torch) goes to a log file (:mod:`.library_log`), the
console's ``sys.stderr`` kept on the terminal. What fails reaches the console as the node's error, in one line.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, TextIO

import numpy as np

from exsampling_patch.commands.console_lines import ConsoleLines
from exsampling_patch.commands.ended_takes import EndedTakes
from exsampling_patch.commands.error_repeats import RepeatedErrors, clock_text, error_line, gist
from exsampling_patch.commands.folder_words import folder_line
from exsampling_patch.commands.late_loads import TAKES_KEPT
from exsampling_patch.commands.master_news import MasterNews
from exsampling_patch.commands.opened_lines import opened_line, unprintable
from exsampling_patch.commands.take_words import LiveWords, take_name
from exsampling_patch.messages import summarize
from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import (
    Event,
    MessageHop,
    NodeError,
    NodeHung,
    NodeStarted,
    NodeStatus,
    NodeStillInError,
    TakeEnded,
)
from exsampling_patch.runtime.events import opened_keys
from exsampling_patch.runtime.ledger import not_loaded_of, slots_text
from exsampling_patch.stop_news import no_output_has
from exsampling_patch.wording import end_in_words, label_words, named_label

#: Node types that send OSC to ``host:port`` (their parameters), named on the console at start.
OSC_SENDERS = ("osc_send", "ableton_max", "ableton_osc", "ableton_live")


def seconds_text(seconds: float) -> str:
    """A take's length for the console: tenths, but hundredths under a second (a 30 ms hi-hat is no "0.0 s")."""
    return f"{seconds:.2f} s" if seconds < 0.995 else f"{seconds:.1f} s"


def _clock(event: Event) -> str:
    return clock_text(event.time)


def _plain(value: Any) -> Any:
    """A JSON-ready copy of ``value`` (messages and other objects become their one-line summary)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic) and isinstance(value.item(), bool | int | float):
        return value.item()  # a plugin's report_status(level=np.max(...)): was the text "np.float32(0.5)"
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return summarize(value)


class StageConsole:
    """Prints a run's events for a person (``mode``: quiet or normal; ``hops`` adds every hop) on ``err``, or as
    JSON lines (``json``) on ``out``."""

    def __init__(self, patch: Patch, mode: str = "normal", out: TextIO | None = None,
                 err: TextIO | None = None, lines: ConsoleLines | None = None) -> None:
        self.patch, self.mode = patch, mode
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        #: every line for a person goes through it: a console that cannot take one neither stops the run nor loses
        #: it without a word (:mod:`.console_lines`); ``lines``: the run's own, on ``err`` (one notice for both)
        self.lines = lines or ConsoleLines(self.err)
        self._lock = threading.Lock()
        self._takes: dict[str, dict[str, Any]] = {}  # take id -> what nodes said of it (duration, label...)
        #: The latest takes whose line is out (a node's status after it, "loaded after all", names one again): no
        #: error on one is left for its line to tell. Insertion-ordered, the oldest dropped past TAKES_KEPT.
        self._ended: dict[str, None] = {}
        #: whether a take is in flight (the run's ledger: ``take_id in engine.ledger``); None: not known
        self.in_flight: Callable[[str], bool] | None = None
        self._room = TAKES_KEPT  # takes on their way kept before a sweep (under ``_lock``)
        self._out_at_sweep: set[str] = set()  # those out of the ledger at the last sweep (under ``_lock``)
        self._ever_ended = EndedTakes()  # every take whose line went out, _ended's forgotten too (under ``_lock``)
        self._stop_began = False  # (under ``_lock``) the takes on their way may never end, nor their lines come
        self._opened: dict[str, set[str]] = {}  # node id -> what of it was announced (url, device...)
        #: the live node for an id (the run's engine.node), to read what a node knows beyond its status
        self.node: Any = lambda node_id: None
        #: web recorders whose QR code the console prints (their print_qr); they print none themselves
        self.qr_wanted = {node_id: bool(spec.params.get("print_qr", True)) for node_id, spec in patch.nodes.items()
                          if spec.type == "web_recorder"}
        #: which errors are told in full, and the counts of their repeats (under ``_lock``)
        self.repeats = RepeatedErrors()
        self._repeats_timer: threading.Timer | None = None
        self._out_gone = False  # JSON mode: its reader closed the pipe, or the last line went (under ``_lock``)
        self.master_news = MasterNews()  # a MIDI clock master's start, stop and tempo, for the groove following it
        self.live_words = LiveWords(patch)  # Live's reason for the takes it has not, said once (under ``_lock``)

    def kinds(self) -> tuple[type[Event], ...]:
        # Whether a node is back is the engine's word, on the status that opened it (NodeStatus.back): the console
        # keeps no errors of its own, and needs no event for each message handled.
        # One of a node's errors ended while another stands (NodeStillInError): the one that ended is new again.
        base: tuple[type[Event], ...] = (NodeError, NodeStarted, TakeEnded, NodeHung, NodeStatus, NodeStillInError)
        return (*base, MessageHop) if self.hops else base

    hops = False  # set by the run for --trace: every hop costs an event

    def say(self, text: str) -> None:
        """A line for a person, on stderr (stdout is for JSON lines, or a node's own output). One the console
        cannot take is in the log (:class:`.ConsoleLines`)."""
        self._said(text)

    def _said(self, text: str, logged: bool = True) -> bool:
        """:meth:`say`, and whether the console took it (``logged``: see :meth:`.ConsoleLines.say`)."""
        with self._lock:
            return self.lines.say(text, logged)

    def __call__(self, event: Event) -> None:
        if self.mode == "json" and not isinstance(event, NodeStillInError):  # the JSON lines stay as they were
            self._json(event)
        if isinstance(event, NodeStatus):
            self._status(event)
        elif isinstance(event, TakeEnded):
            self._take(event)
        elif isinstance(event, NodeError):
            if self.mode != "json":
                with self._lock:  # decided and printed in one go: a count never lands after the next error's line
                    take_id = self._take_named(event.error)
                    if take_id is not None and take_id in self._ever_ended:  # named again long after its line: told
                        take_id = None
                    # Its take's line is to tell it (normal mode: quiet prints no take lines, and tells each error;
                    # before the stop, which may cut that line off)
                    on_take = take_id is not None and self.mode == "normal" and not self._stop_began
                    lines = self.repeats.lines(event, on_take=on_take, names_take=take_id is not None)
                    if take_id is not None and on_take and error_line(event) not in lines:  # counted: its line tells
                        self._takes[take_id].setdefault("errors", []).append(event)
                    for line in lines:
                        self.lines.say(line)
                    if (spec := self.patch.nodes.get(event.node_id)) is not None:
                        self.live_words.error(spec.type, event.error)  # told in full, or a repeat of one told
                    self._arm_repeats()
        elif isinstance(event, NodeHung) and event.recovered and self.mode != "json":
            self._error_ended(event.node_id)
            self.say(f"{_clock(event)} node '{event.node_id}' is back after {event.seconds:.1f} s")
        elif isinstance(event, NodeStillInError) and event.how != "handled" and self.mode != "json":
            # As a node back: its device or port opened again, or rebuilt. An error on messages that one handled
            # ends is no news when it comes back (a plugin failing on some takes): counted, as before.
            self._error_ended(event.node_id, event.ended)
        elif isinstance(event, MessageHop) and self.mode != "json":
            self.say(f"{_clock(event)} hop {event.node_id}.{event.port} -> {event.target}.{event.target_port}: "
                     f"{summarize(event.message)}")

    def _take_named(self, error: str) -> str | None:
        """The take on its way that ``error`` names; None. Under ``_lock``, on the engine thread that reports the
        error: a pattern built for each take on its way outgrew the 512 Python caches under a burst, and each error
        compiled them all again; the substring test first leaves the pattern to the few the error may name."""
        return next((take_id for take_id in self._takes if take_id in error and take_id not in self._ended
                     if re.search(rf"(?<![\w-]){re.escape(take_id)}(?![\w-])", error)), None)

    def _error_ended(self, node_id: str, ended: tuple[str, ...] | None = None) -> None:
        """The node is back (or out of the errors ``ended`` only): its repeats' count now, and its error new again
        should it come back."""
        with self._lock:
            for line in self.repeats.ended(node_id, time.monotonic(), ended):
                self.lines.say(line)

    def stopping(self) -> None:
        """The run's stop has begun: each node's errors after its first are counted, not told one by one
        (:meth:`.RepeatedErrors.stop_began`); :meth:`flush_errors` tells the count."""
        with self._lock:
            self.repeats.stop_began()
            self._stop_began = True

    def flush_errors(self) -> None:
        """Say the counts of repeated errors not told yet (the run has stopped: before its summary), and the errors
        left for the lines of takes that never ended: the run stopped, and those lines never come."""
        with self._lock:
            if self._repeats_timer is not None:
                self._repeats_timer.cancel()
                self._repeats_timer = None
            cut_off: list[NodeError] = []
            for known in self._takes.values():
                cut_off += known.pop("errors", ())  # popped: told once, not again at a second flush
            for line in self.repeats.flush(time.monotonic(), cut_off):
                self.lines.say(line)

    def _arm_repeats(self) -> None:
        # A count waiting is said when due even if its node never fails again (a timer: no event may come).
        due = self.repeats.next_due()
        if due is None or self._repeats_timer is not None:
            return
        self._repeats_timer = threading.Timer(max(0.0, due - time.monotonic()), self._say_due_repeats)
        self._repeats_timer.daemon = True
        self._repeats_timer.start()

    def _say_due_repeats(self) -> None:
        with self._lock:
            if self._repeats_timer is threading.current_thread():  # not one armed since flush_errors cancelled this
                self._repeats_timer = None
            for line in self.repeats.due(time.monotonic()):
                self.lines.say(line)
            self._arm_repeats()

    def _json(self, event: Event) -> None:
        # "back" is said by the person's line; the JSON lines stay as they were
        fields = {k: _plain(v) for k, v in vars(event).items() if k not in ("time", "details", "back")}
        self.json_line(type(event).__name__, time.time() - (time.monotonic() - event.time), fields)

    def json_line(self, name: str, at: float, fields: dict[str, Any], last: bool = False) -> None:
        """One JSON line on ``out``: ``{"event": name, "at": at (Unix time), **fields}`` (the events', and the run's
        summary, ``RunStopped``); ``last``: no line after it (a node whose stop was given up on may still report)."""
        line = json.dumps({"event": name, "at": round(at, 3), **fields}, ensure_ascii=False)
        # A lone surrogate (a file name that is not UTF-8) as its JSON escape: stdout, a pipe, refused it strictly.
        line = line.encode("utf-8", "backslashreplace").decode("utf-8")
        with self._lock:
            if self._out_gone:
                return
            self._out_gone = last
            try:
                print(line, file=self.out, flush=True)
            except OSError as error:  # its reader went away (`| head`, a script that ended; a terminal closed)
                # Raised into the engine's publish for every event from then on, each a traceback in the libraries'
                # log (a few a second for the whole show). The show goes on, without its JSON lines: said once.
                self._out_gone = True
                self.lines.say(f"the JSON lines' reader went away ({error.strerror or error}): no more JSON lines "
                               "are written; the show goes on")

    # -- inputs and outputs -----------------------------------------------------------------------------------------

    def announce_static(self, registry: Registry) -> None:
        """Lines for outputs known from their parameters alone (OSC targets; ``registry`` knows their defaults)."""
        for node_id, spec in self.patch.nodes.items():
            if spec.type in OSC_SENDERS and self.mode not in ("quiet", "json"):
                params = registry.get(spec.type).resolve_params(spec.params)  # a port left out is the type's default
                self.say(f"{spec.type} '{node_id}': OSC to {params['host']}:{params['port']} (UDP)")

    def _status(self, event: NodeStatus) -> None:
        status = event.status
        take_id = status.get("take")
        if take_id:
            with self._lock:
                known = self._on_its_way(str(take_id))
                for key in ("duration", "recorder", "label", "confidence", "slot", "rejected", "recovered",
                            "file_name", "arrived_while_stopped"):
                    if key in status and not (key == "label" and "confidence" not in status):
                        known.setdefault(key, status[key])
                if status.get("slot") and "label" in status and "confidence" in status and not known.get("chosen"):
                    # The label that chose the slot (the map's; a gate judging slots sums labels), not the classifier's
                    # best: "hihat_closed 47% -> Snare" read as a hi-hat put in the snare's slot.
                    known.update(label=status["label"], confidence=status["confidence"], chosen=True)
                if isinstance(status.get("stored"), str):  # a take writer's file: each, where two stored it
                    known.setdefault("stored", []).append(status["stored"])
        warning = status.get("warning")
        # Quiet too for the web recorder's, start-up notices that qualify the URL quiet keeps (on no network: its
        # 127.0.0.1 is no phone's way here; a new token or certificate: the phones scan or accept it again).
        spec_of = self.patch.nodes.get(event.node_id)
        if spec_of is not None:
            with self._lock:
                self.live_words.status(spec_of.type, status, event.back)
        pairing = self.mode in ("quiet", "json") and spec_of is not None and spec_of.type == "web_recorder"
        # A lasting warning given the node line back (Live's old script, after each "not loaded yet") was told once.
        back = status.get("warning_back") is True
        if isinstance(warning, str) and warning and not back and (self.mode == "normal" or pairing):
            # Something to know that is no error (a backlog, nothing lost): a line, not "error in node".
            self.say(f"{_clock(event)} warning from node '{event.node_id}': {warning}")
        late = status.get("loaded_after_all")
        if late and set(status) == {"loaded_after_all"} and self.mode == "normal":
            # That word alone is an x's an edit rebuilt or removed (runtime/context.py), its warning none of the new
            # x's line: said by nothing, the take's "no output has it" stood. The current x's warning says its own.
            self.say(f"{_clock(event)} node '{event.node_id}': {take_name(str(late), '')} loaded after all (by the "
                     f"'{event.node_id}' an edit has since rebuilt or removed)")
        track = status.get("live_track")
        if late and isinstance(track, str) and not warning and self.mode == "normal":
            # Live's answer in time to a take its end told not loaded (sent again once Live was back): no warning
            # says it, and "not loaded" stood as the performer's last word on it. A late answer's warning says it.
            kind = spec_of.type if spec_of is not None else "node"
            self.say(f"{_clock(event)} {kind} '{event.node_id}': {take_name(str(late), '')} loaded into "
                     f"Live's track '{track}' after all")
        not_paired = status.get("not_paired")  # a phone refused for its token (web recorder), once each
        if isinstance(not_paired, str) and not_paired:
            # Quiet and JSON too, as the URL: a phone that cannot pair records nothing until its performer acts.
            self.say(f"{_clock(event)} warning from node '{event.node_id}': {not_paired}")
        refused = status.get("refused_take")  # a take the web recorder refused for good: lost but for this line
        if isinstance(refused, str) and refused and self.mode in ("normal", "quiet"):
            self.say(f"{_clock(event)} warning from node '{event.node_id}': {refused}")
        room = status.get("disk_room")  # a take folder's disk back above warn_free_mb: its warning ended
        if isinstance(room, str) and room and self.mode == "normal":
            self.say(f"{_clock(event)} node '{event.node_id}': {room}")
        clock_back = status.get("midi_clock_back")  # a pattern's MIDI clock master heard again: its warning ended
        if isinstance(clock_back, str) and clock_back and self.mode == "normal":
            self.say(f"{_clock(event)} node '{event.node_id}': {clock_back}")
        master = self.master_news.line(event.node_id, status, event.time)  # told in its status alone otherwise
        if master and self.mode == "normal":
            kind = spec_of.type if spec_of is not None else "node"
            self.say(f"{_clock(event)} {kind} '{event.node_id}': following the MIDI clock: {master}")
        session = self.master_news.session_line(event.node_id, status, event.time)  # a Link session's news
        session = session or self.master_news.own_line(event.node_id, status, event.time)  # or its own tempo
        if session and self.mode == "normal":
            self.say(f"{_clock(event)} {spec_of.type if spec_of is not None else 'node'} '{event.node_id}': {session}")
        kept = status.get("sending_kept")
        # Said once, with where they go (kept_to); a later count (one's file was gone: its own error) is not.
        if isinstance(kept, int) and kept > 0 and "kept_to" in status and self.mode == "normal":
            # Takes a stop kept unsent (ableton_max): they reach Live now, which a performer should not be surprised by.
            spec = self.patch.nodes.get(event.node_id)
            self.say(f"{_clock(event)} {spec.type if spec is not None else 'node'} '{event.node_id}': sending "
                     f"{kept} take{'s' if kept != 1 else ''} kept unsent at its last stop to {status.get('kept_to')}")
        folder = status.get("folder")
        if isinstance(folder, str) and folder and "watching" in status and self.mode == "normal":
            self._say_folder(event.node_id, folder, status)
        opened = opened_keys(status)
        if not opened:
            return
        node_id = event.node_id
        # The engine's word (runtime.recovery): an opening during the node's own start, or after its error already
        # ended (a message handled, a rebuild), is no recovery to announce.
        back = event.back
        if back and self.mode != "json":
            self._error_ended(node_id)
        said = self._opened.setdefault(node_id, set())
        if all(key in said for key in opened) and not back:
            return
        said.update(opened)
        # Quiet keeps the recorder's URL: without it (and its QR code) no phone can pair. So does JSON, on stderr, the
        # person's: a show run for a script's sake (--json) printed no way in for the phones.
        if (self.mode == "quiet" and not back and "url" not in opened) or (
                self.mode == "json" and (back or "url" not in opened)):
            return
        opened_event = getattr(getattr(self.node(node_id), "audio", None), "opened", None)
        if "device" in status and isinstance(opened_event, threading.Event):
            # The sampler's host learns its JACK client name just after the device's status: wait for it,
            # on a thread of our own (observers must return at once).
            def later() -> None:
                opened_event.wait(1.0)
                self._say_opened(node_id, status, back, event)

            threading.Thread(target=later, name="stage-console", daemon=True).start()
            return
        self._say_opened(node_id, status, back, event)

    def _say_folder(self, node_id: str, folder: str, status: dict[str, Any]) -> None:
        """Where a folder source takes its takes from, once: the console named the recorder's URL and the sound
        devices, never the folder, and a performer had to read the patch (and resolve its path) to find it. With the
        files there it leaves alone (:func:`folder_line`)."""
        with self._lock:
            said = self._opened.setdefault(node_id, set())
            if "folder" in said:
                return
            said.add("folder")
        spec = self.patch.nodes.get(node_id)
        self.say(folder_line(spec.type if spec is not None else "node", node_id, folder, status))

    def _say_opened(self, node_id: str, status: dict[str, Any], back: bool, event: Event) -> None:
        spec = self.patch.nodes.get(node_id)
        client = getattr(getattr(self.node(node_id), "audio", None), "jack_client", None)
        line = opened_line(spec.type if spec is not None else "node", node_id, spec.params if spec is not None else {},
                           status, back, client, self.qr_wanted.get(node_id, True))
        if not line:
            return
        text = f"{_clock(event)} {node_id} is back: {line}" if back else line
        if "url" in status and "\n" in line:  # with the recorder's QR code under its address
            self._say_with_qr(node_id, text, str(status["url"]))
        else:
            self.say(text)

    def _say_with_qr(self, node_id: str, text: str, url: str) -> None:
        """The recorder's address with its QR code under it. A console that cannot print the code (an ASCII
        terminal, a closed or full one) gets the address in plain text and a warning naming it, where it can, and the
        run goes on: the print raised out of the observer, and on an ASCII terminal the drawing said nothing.
        The web recorder's own print does the same (nodes/web_recorder)."""
        why = unprintable(text, self.err)
        if not why:
            if self._said(text, logged=False):  # refused: the log gets the address and the warning, not the drawing
                return
            why = self.lines.why  # a closed or full console: the address is what a phone needs
        warning = f"warning from node '{node_id}': the QR code could not be printed ({why}): phones open {url}"
        self.say(f"{text.split(chr(10), 1)[0]}\n{warning}")  # where the console cannot, the log has it (lines)

    # -- takes ---------------------------------------------------------------------------------------------------

    def _on_its_way(self, take_id: str) -> dict[str, Any]:
        """What is known of ``take_id``, a take on its way; {} (kept nowhere) where its line is out. Under ``_lock``.

        A take named again after its line ("loaded after all") is not on its way: kept, it stayed for good (5000 such
        takes, 5000 entries), and an error naming it waited for a line that never came. One no longer remembered as
        ended (a late load, the take a slot still plays) is kept until a sweep finds it out of the ledger
        (:meth:`_let_go_stale`). Errors left for the line of one let go are told as it goes, saying why now: kept for
        the run's flush, they were told as on takes "whose lines the stop cut off", untrue, and late."""
        if take_id in self._ended:
            return {}
        known = self._takes.setdefault(take_id, {})
        if len(self._takes) > self._room:
            self._let_go_stale()
        return known

    def _let_go_stale(self) -> None:
        """Forget takes no longer on their way, the table past its room. Under ``_lock``.

        The oldest was let go whatever it was: a burst of more than TAKES_KEPT takes on their way (a folder of 5000
        files) lost the details of its first takes, their lines then without class, slot or why. With the run's
        ledger (:attr:`in_flight`), only takes out of it at two sweeps running are let go (the first may be one whose
        end is being told right now), and the room doubles past what is left: a sweep each time the table doubles."""
        why = f"{TAKES_KEPT:,} newer takes on their way"
        if self.in_flight is None:  # no ledger to ask (a console of its own): the oldest goes
            gone = [next(iter(self._takes))]
        else:
            why = "its take is no longer on its way"
            out = {take_id for take_id in self._takes if not self.in_flight(take_id)}
            gone = [take_id for take_id in self._takes if take_id in out and take_id in self._out_at_sweep]
            self._out_at_sweep = out
            self._room = max(TAKES_KEPT, 2 * (len(self._takes) - len(gone)))
        for take_id in gone:
            errors = self._takes.pop(take_id).get("errors", [])
            self.repeats.let_go(errors)
            for error in errors:
                self.lines.say(f"{error_line(error)}; told now: the console stopped waiting for its take's line, {why}")

    def _take(self, event: TakeEnded) -> None:
        with self._lock:
            known = self._takes.pop(event.take_id, {})
            self._ended[event.take_id] = None
            self._ever_ended.add(event.take_id)
            if len(self._ended) > TAKES_KEPT:
                del self._ended[next(iter(self._ended))]
        if self.mode in ("quiet", "json"):
            return
        who = f" from {event.recorder}" if event.recorder else ""
        duration = known.get("duration")
        length = f", {seconds_text(duration)}" if isinstance(duration, int | float) else ""
        if known.get("recovered"):  # stored by the last run, not through the patch when it ended: passed on again
            length += ", recovered from the last run"
        if known.get("arrived_while_stopped"):  # a folder's file synced in a break: not this run's, not lost either
            length += ", arrived while the show was stopped"
        label, confidence = known.get("label"), known.get("confidence")
        # A label at 0% is the classifier's word for none ("nothing 0%"), not something it heard. In words, as the
        # phone says it ("choir voice 61%"; before, the model's identifier "choir_voice 61%").
        heard = (f"{label_words(str(label))} {confidence:.0%}"
                 if isinstance(confidence, int | float) and confidence > 0 and label else "")
        if event.fate == "slot":
            # The reason goes on after its slots with what an output did not load ("slot HH, not loaded into Live:
            # ..."): said after the label's arrow too, on the take's own line.
            not_loaded = not_loaded_of(event)
            with self._lock:  # Live's lasting reason as "not in Live", said once on its node's line, first
                told, live_lines = self.live_words.shorten(not_loaded) if not_loaded else ("", [])
                for line in live_lines:
                    self.lines.say(f"{_clock(event)} {line}")
            told = f", {told}" if told else ""
            # "-> HH, not loaded into Live" read alike where the sampler beside had it and where no output had it
            # (Live alone linked): the second is said so
            nowhere = "; no output has it" if no_output_has(event) else ""  # the summary counts it apart by the same
            fate = (f"{heard} -> {', '.join(event.slots)}{told}" if heard
                    else f"{slots_text(event.slots)}{told}" if not_loaded else event.reason) + nowhere
            if known.get("rejected"):  # the gate's fallback slot (the map said why): "kick 97% -> Chorus" said none
                fate += f" (gate's fallback: {end_in_words(str(known['rejected']))})"
        else:
            reason = end_in_words(event.reason)  # "not sure (glass breaking 31%)", as the label beside it
            stored, reached = known.get("stored"), f"done ({event.node_id})"
            if event.fate == "done" and stored and reason.startswith(reached):
                # "done (status)" names the first node where the take reached an end (TakeLedger's reached); where
                # a writer stored it, the file says where it went, as a slot does (a copy lost on the way still said)
                reason = f"stored as {', '.join(stored)}{reason[len(reached):]}"
            elif stored:
                # An error (or a gate's word) on one branch outranks the writer's file on another: "error in fx: ..."
                # alone read as the take lost, when the writer beside had stored it.
                reason += f"; stored as {', '.join(stored)}"
            # The label once where the reason names it: not where its text is in the reason's ("hat" in "hihat")
            fate = f"{heard}, {reason}" if heard and named_label(reason) != label_words(str(label)) else reason
        for error in known.get("errors", ()):  # its errors the console counted rather than told
            if error.error not in event.reason and gist(error.error) not in event.reason:  # not said by its end
                fate += f"; error in node '{error.node_id}': {error.error}"
        file_name = known.get("file_name")  # a file a source read (a folder's): its name says more than an id
        # A recorder's take by its id's last part ("take 0001dff0 from Bo"): the show log keeps the whole id
        name = str(file_name) if file_name else take_name(event.take_id, event.recorder)
        with self._lock:  # its errors told here, a count line may say them now ("each said on its take's line")
            self.lines.say(f"{_clock(event)} {name}{who}{length}: {fate} ({event.seconds * 1e3:.0f} ms)")
            self.repeats.said_on_line(known.get("errors", ()))
            self._arm_repeats()
