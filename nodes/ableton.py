"""Ableton Live outputs: the original Max for Live device's protocol, AbletonOSC, and this project's remote script.

- ``ableton_max``: what the original ExSampling device listens for on UDP 10500. The device loads its
  buffer when ``/label`` arrives, so ``/label`` goes last, after this take's ``/sound``, ``/pitch``,
  ``/location`` and ``/duration`` (the original server sent ``/pitch`` after ``/label``, so the device
  played each take at the previous take's pitch).
- ``ableton_osc``: AbletonOSC (UDP 11000, replies on 11001): colours or names the slot's track, sets its
  volume, fires a clip. AbletonOSC cannot load samples.
- ``ableton_live``: this project's Live remote script (``exsampling ableton install``) loads each take into
  the track named after its slot, and answers ``/exsampling/loaded`` or ``/exsampling/error``.

A Live that is not running never stops the patch: sends are fire-and-forget, problems are reported.
"""

from __future__ import annotations

import difflib
import errno
import socket
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import Input, Node, Param
from exsampling_patch.nodes.abletonosc_replies import TrackNames
from exsampling_patch.nodes.abletonosc_tracks import (
    ASK_EVERY,
    OSC_ACTIONS,
    name_format_problem,
    slot_track,
    track_colour,
)
from exsampling_patch.nodes.kept_bundles import any_kept
from exsampling_patch.nodes.live_answers import LiveLink
from exsampling_patch.nodes.osc import OscTarget, host_checks, osc_bundle
from exsampling_patch.nodes.osc_outbox import FolderInUse, Outbox, bundle_key, unsent_path
from exsampling_patch.nodes.sent_log import SentLog
from exsampling_patch.nodes.sent_words import Sending, SentWords
from exsampling_patch.nodes.take_files import TakeFiles, copy_for_live, swept, write_ahead
from exsampling_patch.ports import SLOT, TAKE
from exsampling_patch.stop_news import KEPT_UNSENT
from exsampling_patch.wording import counted

UPCOMING_HELP = ("takes on their way to an assignment (e.g. pitch.out): their files are written while they are "
                 "classified, so that the assignment only sends OSC")

DEFAULT_SLOTS = ["HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus"]


def sent_key(assignment: SlotAssignment) -> str:
    """The sent log's key of an assignment whose take a source stored (and so may redo after a restart); else ""."""
    take = assignment.take
    return bundle_key(take.take_id, assignment.slot) if "stored_at" in take.meta else ""


def redone(assignment: SlotAssignment, sent: SentLog | None) -> bool:
    """True for an assignment of a take the source passed on again at this start (``recovered``: it had reached its
    slot when the last run stopped uncleanly) that this node had already sent to Live: not to be sent again."""
    key = sent_key(assignment)
    return bool(key) and bool(assignment.take.meta.get("recovered")) and sent is not None and key in sent


def held_sent_log(node: AbletonOsc | AbletonLive, folder: Path) -> SentLog:
    """``node``'s sent log in ``folder``, its lock held; else :class:`FolderInUse` (another run holds it), which
    ``node.refused`` keeps, for each take to raise rather than go to Live without the log."""
    try:
        return SentLog(folder / f".sent-{node.node_id}.txt", report_error=node.report_error)
    except FolderInUse as error:
        node.refused = error
        raise


def max_device_messages(assignment: SlotAssignment, path: Path,
                        default_pitch: float = 261.63) -> list[tuple[str, list[Any]]]:
    """The original device's messages for one take stored at ``path``, trigger (``/label``) last."""
    take = assignment.take
    pitch = take.meta.get("pitch_hz")
    pitch_hz = float(pitch) if isinstance(pitch, (int, float)) and pitch > 0 else default_pitch
    location = str(take.location) if take.location is not None else ""
    return [
        ("/sound", [str(path.resolve())]),
        ("/pitch", [pitch_hz]),
        ("/location", [location]),
        ("/duration", [float(take.duration)]),
        ("/label", [assignment.slot]),
    ]


class AbletonMax(Node):
    """Send each take to the original ExSampling Max for Live device (/sound, /pitch, /location, /duration, /label)."""

    type_name = "ableton_max"
    family = "outputs"
    #: Its device loads each take's file. The device never answers: a take is had once its sender sent it (a port
    #: nothing listens on ends it "not delivered").
    loads_takes = True

    assignment = Input(SLOT, "takes assigned to slots (the device loads each take's file)", multiple=True)
    upcoming = Input(TAKE, UPCOMING_HELP, multiple=True)
    needs = {"upcoming": "assignment"}  # a take sent ahead waits for its assignment

    host = Param(str, "127.0.0.1", "the machine running Live")
    port = Param(int, 10500, "the device's UDP port", minimum=1, maximum=65535)
    default_pitch = Param(float, 261.63, "pitch sent for a take without one (the device plays it at its own "
                          "rate on middle C)", minimum=8.0, maximum=20000.0, unit="Hz")

    folder = Param("path", "../session/live", "where takes changed by the patch (trimmed, ...) are written for Live")
    keep_per_slot = Param(int, 8, "copies kept per slot for Live (the newest; older ones are removed)", minimum=1,
                          maximum=10000)

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        return host_checks(params)

    def start(self) -> None:
        self.target = OscTarget(self.host, self.port, self.report_error)
        folder = self.resolve_path(self.folder)
        # Bundles go through a sender process that a kill -9 of the patch does not reach (see osc_outbox).
        self._kept_lock = threading.Lock()  # a report of kept takes gone, from the outbox's reader, and start's
        # A redone take's "already sent", from the outbox's reader, and the handler's "sent": which is said last.
        self._words = SentWords(self.report_status)
        self.outbox = Outbox(folder / f".sent-{self.node_id}.txt", self.report_error, self._words.already_sent,
                             self._sending_again, self._sender_restarted, self._kept_gone, self._listening)
        self.files = TakeFiles(folder, keep_per_slot=self.keep_per_slot, name=self.node_id,
                               pending=self.outbox.pending_files)
        self._warning = swept(self, self.files)
        # What a stop kept (this node's, rebuilt by a live edit) goes where the node sends now, not where it did.
        kept = any_kept(unsent_path(self.outbox.log))
        self._sending_kept(self.outbox.start(self.target.resolved() if kept else None))
        if not self.outbox.kept_sending:  # else _sending_kept cleared it; the stop says it anew where it must
            self.report_status(unsent_unknown=self.outbox.uncounted)  # "": not the node's an edit replaced

    def stop(self) -> None:
        outbox, target = getattr(self, "outbox", None), getattr(self, "target", None)  # those start() made
        if outbox is not None:
            unsent = outbox.close()
            # Said at each stop, "" included: an earlier stop's reason (a live edit's, the lock stuck then) stood
            # through the rebuilt node's run, and the summary said "unknown" of a count this stop could read.
            self.report_status(unsent_unknown=outbox.uncounted)  # where kept ones could not be read: why
            if unsent:  # its sender could not send them (another run held the folder): they go at the next start
                self.report_status(unsent=unsent)
            else:  # copies still on their way when their slot moved on are done now (kept ones wait for the sweep)
                self.files.prune()
        if target is not None:
            target.close()
        super().stop()

    def _sending_kept(self, count: int) -> None:
        if count:  # not unsent any more (the summary's count); the console says they go now, and where
            with self._kept_lock:  # the outbox's count of now: its sender may have found some files gone already
                self.report_status(unsent=0, unsent_unknown="", sending_kept=self.outbox.kept_sending,
                                   kept_to=f"{self.host}:{self.port}")

    def _kept_gone(self) -> None:
        # A kept take whose file was deleted while its sender waited: told as an error; the count goes down, and
        # under the lock, so that the last count reported is the outbox's last, whichever thread reports it.
        with self._kept_lock:
            self.report_status(sending_kept=self.outbox.kept_sending)

    def _sending_again(self) -> None:
        # "port", an opened key: the node is out of its error (another run held its folder), and says so.
        self.report_status(port=self.port, sending_again=str(self.files.folder))

    def _sender_restarted(self) -> None:
        # "port" again: the sender that stopped (told as an error) was replaced and sends; the error ends.
        self.report_status(port=self.port, sender_restarted=True)

    def _listening(self, where: str, listening: bool) -> None:
        # The sender's word on this machine's port (a refusal comes before send() returns); "port": opened.
        if listening:
            self.report_status(port=self.port, device_listens=where)
        else:
            self.report_error(f"nothing listens on {where}: takes sent there are lost until something does; is Live "
                              "running, with the ExSampling device in its set?")

    def _delivered(self, kept: SlotAssignment, where: str, path: Path) -> Callable[[str], None]:
        """What ends ``kept`` once its bundle's sender is done with it (see :class:`Outbox`), saying so where it did
        not go; "unstarted": the hand-over raised (no sender could be started). Once: a take closed twice was
        counted ended twice, which can end it while another branch (a sampler) still holds it. ``path``: the copy
        the bundle names, said where it was gone (deleted by hand while the bundle waited): Live got nothing."""
        once = threading.Lock()

        def done(word: str) -> None:
            if not once.acquire(blocking=False):
                return
            self.close_take(kept, {"refused": f"not delivered to Live: nothing listens on {where}",
                                   "failed": f"not delivered to Live: OSC to {where} failed",
                                   "gone": f"not delivered to Live: its file {path} is gone (deleted before it went)",
                                   "kept": KEPT_UNSENT,  # the stop's summary tells it by this node alone
                                   "unstarted": "not delivered to Live: the OSC sender could not start"}.get(word, ""))
        return done

    def on_upcoming(self, take: Take) -> None:
        write_ahead(self.files, take)

    def on_assignment(self, assignment: SlotAssignment) -> None:
        destination = self.target.resolved()
        if destination is None:
            # Reported once per distinct problem: each take is told on its end, or the next ones, with no error of
            # their own, counted among the outputs having them though nothing went.
            if self.keep_open(assignment):
                self.close_take(assignment, f"not delivered to Live: {self.target.error or 'its host is not found'}")
            return
        take = assignment.take
        path = copy_for_live(self, self.files, assignment)
        if path is None:  # told
            return
        # One datagram: in order, trigger last, across a network too.
        bundle = osc_bundle(max_device_messages(assignment, path, self.default_pitch))
        # A take from a take folder is redone after a crash (marked recovered): the sender sends it only if its
        # log does not have it yet.
        key = sent_key(assignment)
        # Kept open until its sender is done with it: the take's end says whether it went ("slot HH, not delivered
        # to Live: nothing listens on ..."), not "slot HH" for a take that was lost. The refusal comes before the
        # sender's send returns (a port of this machine), so the take ends as it would otherwise.
        kept = assignment if self.keep_open(assignment) else None
        ended = (self._delivered(kept, f"{destination[1][0]}:{destination[1][1]}", path) if kept is not None
                 else None)
        recovered = bool(take.meta.get("recovered"))
        sending = Sending(key, recovered)

        def done(word: str) -> None:
            self._words.done(sending)  # after its "already sent", if it skipped it (the reader's order)
            if ended is not None:
                ended(word)
        try:
            self._sending_kept(self.outbox.send(destination[1], destination[0], bundle, key, files=(str(path),),
                                                skip_if_sent=recovered, done=done))
        except BaseException:  # told as the node's error; the outbox keeps nothing of it (see Outbox.send)
            self._words.failed(sending)
            if ended is not None:
                ended("unstarted")
            raise
        self.files.assigned(assignment.slot, path)  # bookkeeping for the next start's sweep: after the hand-over
        # Unless its sender said "already sent" first (that word stays the last); recovered takes are the only ones
        # a sender may skip, and its word may follow.
        self._words.sent(sending, lambda: dict(slot=assignment.slot, label=assignment.label or "",
                                               take=take.take_id, **take.latency_status(), **self._warning.ended()))


class AbletonOsc(Node):
    """Tell Live through AbletonOSC about each take: colour/name the slot's track, set its volume, fire a clip."""

    type_name = "ableton_osc"
    family = "outputs"

    assignment = Input(SLOT, "takes assigned to slots", multiple=True)

    host = Param(str, "127.0.0.1", "the machine running Live with AbletonOSC")
    port = Param(int, 11000, "AbletonOSC's UDP port", minimum=1, maximum=65535)
    reply_port = Param(int, 11001, "port AbletonOSC answers on (to learn track names; 0: do not ask)",
                       minimum=0, maximum=65535)
    slots = Param(list, DEFAULT_SLOTS, "slot names; slot N is track N unless a track is named after the slot")
    actions = Param(list, ["color", "fire"], "what to do per take: any of name, color, volume, fire")
    name_format = Param(str, "{slot} {label}", "track name for the 'name' action ({slot}, {label}); with {slot} in "
                        "it, as the node finds the slot's track again")
    volume = Param(float, 0.85, "track volume for the 'volume' action (Live's 0..1; 0.85 is 0 dB)",
                   minimum=0.0, maximum=1.0)
    clip = Param(int, 0, "clip slot fired by the 'fire' action (0: the first scene)", minimum=0, maximum=999)
    folder = Param("path", "../session/live", "where the list of takes sent is kept (a take redone after a "
                   "restart is not sent, nor its clip fired, again)")

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """Each action one it knows: `actions: [colour, fire]` passed check, and the node then never started. Each
        slot once: a slot is found by name (case-insensitive), so the track of a second `hh` got no take. A
        ``name_format`` that names each slot's track so that it is found again: ``{Slot}`` raised at each take, and
        with no ``{slot}`` (``{label}``) HH's track renamed ``snare`` was taken for slot Snare's."""
        problems = host_checks(params)
        slots = params.get("slots")
        slots = slots if isinstance(slots, list) else []
        seen: dict[str, int] = {}
        for index, slot in enumerate(slots):
            first = seen.setdefault(str(slot).lower(), index)
            if first != index:
                case = f" ({slots[first]!r}: case does not count)" if str(slots[first]) != str(slot) else ""
                problems[("slots", index)] = (f"{slot!r} is slot {first + 1} already{case}: its takes go to slot "
                                              f"{first + 1}'s track, none to slot {index + 1}'s; name each slot once")
                break
        actions = params.get("actions")
        unknown = [action for action in actions if action not in OSC_ACTIONS] if isinstance(actions, list) else []
        if unknown:
            close = difflib.get_close_matches(str(unknown[0]), OSC_ACTIONS, n=1)
            problems[("actions",)] = (f"{unknown[0]!r} is no action: use {', '.join(OSC_ACTIONS)}"
                                      + (f"; did you mean '{close[0]}'?" if close else ""))
        name_format = params.get("name_format")
        if isinstance(name_format, str) and (problem := name_format_problem(name_format)):
            problems[("name_format",)] = problem
        return problems

    def start(self) -> None:
        self._listener: socket.socket | None = None
        self.sent: SentLog | None = None
        self.refused: FolderInUse | None = None
        self.replies: TrackNames | None = None
        unknown = [action for action in self.actions if action not in OSC_ACTIONS]
        if unknown:
            raise ValueError(f"ableton_osc actions {unknown} unknown: use {', '.join(OSC_ACTIONS)}")
        if problem := name_format_problem(self.name_format):
            raise ValueError(f"ableton_osc name_format: {problem}")
        self.sent = held_sent_log(self, self.resolve_path(self.folder))
        self.target = OscTarget(self.host, self.port, self.report_error)
        if self.reply_port:
            self._listen()

    def stop(self) -> None:
        self.stop_event.set()
        listener, target = getattr(self, "_listener", None), getattr(self, "target", None)  # those start() made
        if listener is not None:
            listener.close()
        if target is not None:
            target.close()
        super().stop()
        sent = getattr(self, "sent", None)
        if sent is not None:
            sent.close()

    def _listen(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            listener.bind(("0.0.0.0" if self.host not in ("127.0.0.1", "localhost") else "127.0.0.1",
                           self.reply_port))
        except OSError as error:
            listener.close()
            text = f"cannot listen for AbletonOSC replies on port {self.reply_port}: {error}"
            if error.errno == errno.EADDRINUSE:
                from exsampling_patch.devices import busy_port_text

                text = busy_port_text(self, "reply_port", self.reply_port, "UDP", zero="0 not to ask for track names")
            self.report_error(text)
            return
        listener.settimeout(0.2)
        self._listener = listener
        self.replies = TrackNames(self, self.target, listener, self.host, self.port, self.reply_port, ASK_EVERY)
        self.run_thread(self.replies.run, name=f"{self.node_id}-replies")

    @property
    def track_names(self) -> list[str]:
        """The track names AbletonOSC last told; none before it answers (or with ``reply_port`` 0)."""
        replies = getattr(self, "replies", None)
        return replies.names if replies is not None else []

    def track_index(self, slot: str) -> int:
        """The track named after ``slot`` if Live told us its names, else the slot's position in ``slots``: unless
        Live told its tracks and that position has none (a set with fewer tracks than slots: AbletonOSC dropped the
        take with a word in its log only), or its track is another slot's (its clip was fired)."""
        return slot_track(slot, self.track_names, [str(other) for other in self.slots], self.name_format)

    def on_assignment(self, assignment: SlotAssignment) -> None:
        if self.refused is not None:  # each take says why it did not go, rather than an AttributeError
            raise self.refused
        if redone(assignment, self.sent):  # Live had it before the restart: its clip is not fired a second time
            self.report_status(take=assignment.take.take_id, already_sent=True)
            return
        track = self.track_index(assignment.slot)
        label = assignment.label or assignment.slot
        messages: list[tuple[str, list[Any]]] = []
        if "name" in self.actions:
            name = self.name_format.format(slot=assignment.slot, label=label)
            messages.append(("/live/track/set/name", [track, name]))
        if "color" in self.actions:
            messages.append(("/live/track/set/color", [track, track_colour(label)]))
        if "volume" in self.actions:
            messages.append(("/live/track/set/volume", [track, float(self.volume)]))
        if "fire" in self.actions:
            messages.append(("/live/clip_slot/fire", [track, self.clip]))
        if self.target.send_many(messages):
            # Not written down as sent while AbletonOSC has not answered yet or is known gone (told as the node's
            # error): Live did not get it, and a redo after a restart (Live opened) sends it rather than skipping it.
            unheard = self.replies is not None and self.replies.unheard
            if (key := sent_key(assignment)) and self.sent is not None and not unheard:
                self.sent.add(key)
            self.report_status(slot=assignment.slot, label=label, track=track, **assignment.take.latency_status())


class AbletonLive(Node):
    """Load each take into the Live track named after its slot, through this project's remote script."""

    type_name = "ableton_live"
    family = "outputs"
    loads_takes = True  # its clip slots: a take's end names it among the outputs that have the take

    assignment = Input(SLOT, "takes assigned to slots (the script loads each take's file)", multiple=True)
    upcoming = Input(TAKE, UPCOMING_HELP, multiple=True)
    needs = {"upcoming": "assignment"}  # a take sent ahead waits for its assignment

    host = Param(str, "127.0.0.1", "where the ExSampling remote script listens: this machine (it listens on "
                 "127.0.0.1 only)")
    port = Param(int, 10600, "the remote script's UDP port", minimum=1, maximum=65535)
    fire = Param(bool, False, "also launch the loaded clip")
    folder = Param("path", "../session/live", "where takes changed by the patch (trimmed, ...) are written for Live")
    keep_per_slot = Param(int, 8, "copies kept per slot for Live (the newest; older ones are removed)", minimum=1,
                          maximum=10000)
    answer_within = Param(float, 2.0, "a take the remote script has not answered by then is told not loaded (Live "
                          "not running, the script not chosen)", minimum=0.2, maximum=60.0, unit="s")

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        return host_checks(params)

    @classmethod
    def check_warnings(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """A host other than this machine's loopback: the script binds 127.0.0.1 (ableton_remote/surface.py), so
        nothing sent to another address (Live's machine, this one's own LAN address) reaches it."""
        host = str(params.get("host", "127.0.0.1")).strip()
        if host == "localhost" or host.startswith("127.") or host == "::1":
            return {}
        return {("host",): f"{host!r}: the remote script listens on 127.0.0.1 only, so no take sent to {host} "
                           "reaches it (each is told not loaded): run the patch on Live's machine, host 127.0.0.1"}

    def start(self) -> None:
        self.refused: FolderInUse | None = None
        # The lock first: while another run holds the folder, this run's sweep leaves its files alone.
        self.sent: SentLog | None = held_sent_log(self, self.resolve_path(self.folder))
        self.files = TakeFiles(self.resolve_path(self.folder), keep_per_slot=self.keep_per_slot, name=self.node_id)
        self._warning = swept(self, self.files)
        # UDP tells nothing of a Live that is not there: the script's answers, or none in time, do (live_answers).
        self.link = LiveLink(self, self.host, self.port, self.answer_within, self._warning, self.sent,
                             self.files.folder / f".unloaded-{self.node_id}.jsonl")
        self._sock = self.link.sock
        self.run_thread(self.link.run, name=f"{self.node_id}-replies")

    @property
    def loaded(self) -> int:
        """Takes Live has said it loaded, each once (one sent again and answered again is not counted twice)."""
        return self.link.loaded

    @property
    def replies(self) -> threading.Event:
        """Set at each answer to a load (tests clear it, send, and wait)."""
        return self.link.replies

    @property
    def last_reply(self) -> tuple[str, list[Any]] | None:
        return self.link.last_reply

    def stop(self) -> None:
        self.stop_event.set()
        super().stop()
        link = getattr(self, "link", None)  # none when start() failed before it
        if link is not None:
            # Those Live never got (told "not loaded"), for the next start's first answer; before the unanswered are
            # taken out: a slot's newer one, still unanswered, is passed on again by its source instead.
            kept = link.keep()
            if kept:  # the run's summary says them
                self.report_status(unsent=kept)
            # A take kept open for an answer that can no longer come ends (an edit took the node out); as the
            # patch stops, it stays unfinished instead, and is passed on again at the next start.
            # A slot's take sent again to a Live back (a restore) is no take in flight: its end was told long ago.
            unanswered = [waiting for waiting in link.answers.unanswered() if not waiting.restore]
            for waiting in unanswered:
                link.close(waiting, "not known to be loaded into Live: the node stopped before Live answered")
            if unanswered:  # sent within answer_within of the stop: never told otherwise
                names = ", ".join(f"{waiting.name} ({waiting.slot})" for waiting in unanswered)
                self.report_status(warning=f"stopped before Live answered {counted(len(unanswered), 'take')} "
                                           f"sent to {link.where}: {names}; "
                                           "not known to be loaded")
        sock = getattr(self, "_sock", None)  # none when start() failed before it
        if sock is not None:
            sock.close()
        sent = getattr(self, "sent", None)
        if sent is not None:
            sent.close()

    def on_upcoming(self, take: Take) -> None:
        if self.refused is None:  # its assignment raises the error
            write_ahead(self.files, take)

    def on_assignment(self, assignment: SlotAssignment) -> None:
        if self.refused is not None:
            raise self.refused
        take = assignment.take
        pitch = take.meta.get("pitch_hz")
        path = copy_for_live(self, self.files, assignment)
        if path is None:  # told
            return
        if redone(assignment, self.sent):  # Live loaded it before the restart: not loaded (nor fired) again
            self.files.assigned(assignment.slot, path)
            self.report_status(take=take.take_id, already_sent=True)
            return
        # "once" for a redone take: a track that holds its file already (Live loaded it, and the patch was killed
        # before its log line) is left as it is, its clip not fired again.
        args = [assignment.slot, str(path.resolve()), assignment.label or "",
                float(pitch) if isinstance(pitch, (int, float)) else 0.0, int(self.fire),
                int(bool(take.meta.get("recovered")))]
        # Written down as sent when Live answers it loaded (the link does): a take redone after a crash while Live
        # was not running goes to it then, rather than being skipped as sent.
        # Kept open until Live answers: the take's end says whether Live loaded it (before, "slot HH" either way).
        kept = assignment if self.keep_open(assignment) else None
        sent = self.link.load(assignment.slot, args, take.name, sent_key(assignment), kept)
        self.files.assigned(assignment.slot, path)  # bookkeeping for the next start's sweep: after the send
        if not sent:  # told on the node, the take closed
            return
        self.report_status(slot=assignment.slot, label=assignment.label or "", **assignment.take.latency_status(),
                           **self._warning.ended())
