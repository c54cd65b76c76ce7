"""``ableton_live``'s line to Live's remote script: the loads it sent, the script's answers, and its silence.

The script answers every load (``/exsampling/loaded`` or ``/exsampling/error``) and ping (``/exsampling/pong``) from
Live's display timer, about a tenth of a second after it arrives. A load that gets no answer went nowhere: Live is
not running, the script is not chosen as its Control Surface, another port, another host. UDP says nothing of that
(a datagram to a port no one listens on is "sent"), so a ping at the start, or a load, not answered in time is what
tells it: at the start, not at the first take, mid-show. From then on the node pings Live every second, whether it
answers or not: a Live that quits (or crashes) between takes is told within ``QUIET_TIMES`` times ``within`` of its
first unanswered ping (longer than a load's ``within``: a Live saving or loading a set, or held by a heavy plug-in,
answers nothing for seconds), before the performer records the next sound, not at that take. Once it answers,
"Live answers" is told, and the newest unanswered take of each slot is sent again: a Live opened after the patch, or
restarted, gets the slots it missed; after a silence told, so does the take it had loaded last into each slot (a Live
opened again reopened its set without them; one that kept them answers ``already``). A take sent while Live is so
known silent is told not loaded at once, not after
``within`` more of the same silence, and is sent again as the others; a load unanswered within ``within`` while Live
answered a ping in the last ``QUIET_TIMES`` times ``within`` (busy, not known silent) is a warning, and makes Live no
more silent than its pings do. An answer that comes late (a Live busy loading
a set) is matched to its load and told: the take reached Live, and is not sent again. The script answers in the order
things came, so a pong to a ping sent after a load still unanswered says that load went nowhere (the script was down
a moment: Live loading another set): it goes again then, its take kept open, rather than told "not loaded"
``within`` later; unless a newer load of its slot went since, which it would follow and undo. A script installed
before pongs named their ping cannot tell that: the node says so once, with how to install the newer one. The loads
that would go again are kept at the node's stop (:meth:`LiveLink.keep`) and go at the next start's first answer.
"""

from __future__ import annotations

import errno
import socket
import threading
import time
from pathlib import Path
from typing import Any

from exsampling_ableton_remote.surface import VERSION
from exsampling_patch.node import Node, StandingWarning
from exsampling_patch.nodes.live_waiting import OVERDUE_KEPT, LiveAnswers, Waiting
from exsampling_patch.nodes.osc import osc_datagram
from exsampling_patch.nodes.sent_log import SentLog, read_unloaded, write_unloaded
from exsampling_patch.runtime.ledger import take_key
from exsampling_patch.wording import clock_text, counted

#: Seconds between pings (a few bytes each way, answered on Live's display timer)
PING_EVERY = 1.0
#: A Live that has answered and then answers no ping for this many times ``within`` is told silent: saving or loading
#: a set, or a heavy plug-in, holds Live's main thread (and the script's answers) for seconds; a load's own answer is
#: still waited for ``within`` only
QUIET_TIMES = 5
#: How the performer installs this ExSampling's script into Live (as docs/ableton.md gives it)
INSTALL = ".venv/bin/exsampling ableton install"
#: The script's first version whose ``/exsampling/error`` names the take's path
PATH_IN_ERRORS = 3
ASK = "is Live running, with 'ExSampling' as its Control Surface (Settings > Link, Tempo & MIDI)?"


def again_unless(slot: str) -> str:
    """What becomes of a take told not loaded: only the newest of a slot goes again (an older one over it would undo
    it); "sent again once Live answers" alone was told of each take, and an older one of its slot never went."""
    return f"sent again once Live answers, if no newer take of {slot} goes first"


def port_held(host: str, port: int) -> bool:
    """Whether a program of this machine holds UDP ``port`` on ``host`` (a loopback address; False for another)."""
    if not (host == "localhost" or host.startswith("127.")):
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False


def old_script_words(where: str, version: str, named: bool) -> str:
    """The warning for a pong from Live's script of ``version`` (``named``: the pong named its ping), "" for one as
    new as this ExSampling's. The script comes from the install command, so it stays old until that runs again,
    whatever the takes: the performer is told what is lost, and how to mend it. A pong naming no ping is older than
    version 2, whatever it says."""
    lost = []
    if not named:
        # Which ping a pong answers tells a load Live missed (a set loading) at once: without it, sent at the newest
        # ping's guess, a load Live is still to answer would go twice
        lost.append("its pong names no ping, so a take Live misses while it loads a set goes again only after "
                    "answer_within (told 'not loaded yet'), not at once")
    if not named or (version.isdecimal() and int(version) < PATH_IN_ERRORS):
        # Its refusal names the slot alone: matched to the slot's oldest load in flight, which may be another take
        lost.append("its refusal of a take names no file, so with two takes of a slot on their way to Live, the "
                    "older one is told refused (and not sent again) in place of the one refused")
    if not lost:
        return ""
    its = f"version {version}, older" if version else "older"
    return (f"the ExSampling script in Live (on {where}) is {its} than this ExSampling's (version {VERSION}): "
            f"{'; '.join(lost)}; run '{INSTALL}' again, then restart Live")


class LiveLink:
    """The node's socket to the script (answers come back to it), what waits for an answer, and the reply loop
    (:meth:`run`, on the node's thread). Problems are told on ``node``; nothing here raises into a handler."""

    def __init__(self, node: Node, host: str, port: int, within: float, warning: StandingWarning,
                 sent_log: SentLog | None = None, kept_file: Path | None = None) -> None:
        self.node, self.host, self.port, self.within, self.warning = node, host, port, within, warning
        self.quiet = QUIET_TIMES * within  # no answer to pings for this long, once Live has answered: told
        #: Where a load Live answered is written down (its key): a take redone after a crash is not loaded twice,
        #: and one Live never answered (not running) is sent again.
        self.sent_log = sent_log
        self.where = f"{host}:{port}"
        self.answers = LiveAnswers(within)
        self.loaded = 0  # takes Live said it loaded, each once (:meth:`_count`)
        self._counted: dict[str, str] = {}  # slot -> the path of the take last counted loaded there
        #: (slot, path) -> the id of a take its end told not loaded: Live's answer to its load, however late or sent
        #: again (kept open no more), names it loaded after all. The latest ``OVERDUE_KEPT`` only.
        self._told_not: dict[tuple[str, str], str] = {}
        self._told_lock = threading.Lock()
        self.last_reply: tuple[str, list[Any]] | None = None  # the last answer to a load
        self.replies = threading.Event()  # set at each answer to a load
        self.silent = False  # Live left a load (or a ping) unanswered, and has not answered since
        self._silent_since = 0.0  # when that was sent (monotonic)
        self._went_silent = ""  # the clock time of the silence Live came back from last, said of its takes put back
        self._answered_ever = False  # Live answered something: a silence from then on is Live gone mid-show
        self._pinged = float("-inf")
        self._pings: dict[int, float] = {}  # a ping's id -> when it was sent, until its pong
        self._old_script = ""  # the warning told of an old script in Live (:func:`old_script_words`), until it is not
        self._last_error = ""
        #: Held while a load or a ping is stamped and sent: the stamps' order is the datagrams', so that a pong says
        #: which loads Live got before its ping (:meth:`LiveAnswers.missed`). Reentrant: a take closed under it may
        #: end on this thread.
        self._order = threading.RLock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("0.0.0.0" if host not in ("127.0.0.1", "localhost") else "127.0.0.1", 0))
        self.sock.settimeout(0.2)
        #: When the oldest ping Live has not answered went, until it answers or is told silent: a Live not running
        #: is told at the start (this first ping, sent here in the node's start, before any take's load), and one
        #: that quits between takes within ``quiet`` of its first ping unanswered, not at the next take.
        self._asked: float | None = None
        #: Where the loads Live never got are kept at a stop, and read back here: a take told "not loaded" has ended,
        #: and no source passes it on again, so a Live down when the patch stopped got none of them at the next run.
        self.kept_file = kept_file
        if kept_file is not None:
            self.answers.carry(self._kept(kept_file))
        self._ping(time.monotonic())

    def _kept(self, kept_file: Path) -> list[Waiting]:
        try:
            records, damaged = read_unloaded(kept_file)
        except (OSError, UnicodeError) as error:
            self.node.report_status(warning=f"the takes Live did not get before the last stop are not sent: "
                                            f"{kept_file} cannot be read ({error})")
            return []
        if damaged:
            self.node.report_status(warning=f"{kept_file}, line {', '.join(map(str, damaged))}: not a take kept for "
                                            "Live (damaged?); left out")
        now = time.monotonic()
        return [Waiting(str(record["args"][0]), str(record["args"][1]), str(record.get("name", "")), now,
                        tuple(record["args"]), str(record.get("key", "")), carried=True) for record in records]

    def keep(self) -> int:
        """Write down (in ``kept_file``) the newest load of each slot Live never got, for the next start; the file
        goes where there are none. Returns how many."""
        if self.kept_file is None:
            return 0
        kept = self.answers.to_keep()
        try:
            write_unloaded(self.kept_file, [{"name": waiting.name, "key": waiting.key, "args": list(waiting.args)}
                                            for waiting in kept])
        except OSError as error:
            self.node.report_error(f"{counted(len(kept), 'take')} Live did not get could not be kept for the next "
                                   f"start in {self.kept_file}: {error}")
            return 0
        return len(kept)

    def send(self, address: str, args: list[Any]) -> bool:
        """Send from the socket the answers come back to; report (once) instead of raising."""
        try:
            self.sock.sendto(osc_datagram(address, args), (self.host, self.port))
        except OSError as error:
            text = f"OSC to {self.where} failed: {error}"
            if text != self._last_error:
                self._last_error = text
                self.node.report_error(text)
            return False
        self._last_error = ""
        return True

    def load(self, slot: str, args: list[Any], name: str, key: str = "", kept: Any = None,
             restore: bool = False) -> bool:
        """Send one load and wait for its answer (on the reply loop); ``key``: its sent log's, once Live loaded it;
        ``kept``: the assignment the node keeps open, closed with the answer or when none came in time, or here
        (once) where the load did not go (False) or Live is known silent (then sent again once Live answers, whether
        it went or not)."""
        with self._order:
            return self._load(slot, args, name, key, kept, restore)

    def _load(self, slot: str, args: list[Any], name: str, key: str, kept: Any, restore: bool = False) -> bool:
        waiting = Waiting(slot, str(args[1]), name, time.monotonic(), tuple(args), key, kept, restore=restore)
        silent = self.silent  # read once: the reply loop may end the silence meanwhile
        # Written down before it goes: the script's answer can be read (on the reply loop) before sendto returns,
        # and an answer to a load not written down is matched to nothing: the take would be told "not loaded".
        replaced = self.answers.sent(waiting, overdue=silent)
        if silent:
            # Live is known silent: the take ends now, rather than after answer_within more of the same silence. Its
            # load goes all the same (a Live back answers it: "loaded after all"), and it goes again at Live's pong.
            # Told before the send: a Live back at that moment answers on the reply loop at once, and told after,
            # "not loaded" followed its "loaded after all".
            since = clock_text(self._silent_since)
            self.close(waiting, f"not loaded into Live: Live is not answering since {since}")
            self.node.report_error(f"{name} (slot {slot}) not loaded: Live is not answering on {self.where} since "
                                   f"{since}; {ASK} ({again_unless(slot)})")
        if not self.send("/exsampling/load", args):
            if silent:  # closed above and told "sent again once Live answers": kept for that, as a load that went
                # (withdrawn, Live back got the slot's older take instead), and not closed again (a runtime ended
                # the take at the second close, while another branch, the sampler's, still had it)
                return False
            self.answers.withdraw(waiting, replaced)
            self.close(waiting, f"not loaded into Live: OSC to {self.where} failed")
            return False
        return True

    def close(self, waiting: Waiting, not_loaded: str = "") -> None:
        """Let the take kept open for ``waiting`` end (``not_loaded``: why Live did not get it)."""
        if waiting.kept is not None:
            take_id = take_key(waiting.kept) if not_loaded else None
            if take_id:
                with self._told_lock:
                    self._told_not[(waiting.slot, waiting.path)] = take_id
                    while len(self._told_not) > OVERDUE_KEPT:
                        del self._told_not[next(iter(self._told_not))]
            self.node.close_take(waiting.kept, not_loaded)

    def run(self) -> None:
        from pythonosc.osc_message import OscMessage

        while not self.node.stop_event.is_set():
            self._silence(time.monotonic())
            try:
                data, _ = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                if self.node.stop_event.is_set():
                    return
                continue  # ICMP "port unreachable" (a connected socket's): keep listening
            try:
                message = OscMessage(data)
            except Exception:
                continue
            self._answer(message.address, [str(p) for p in message.params], list(message.params))

    def _silence(self, now: float) -> None:
        # Once Live has answered, its silence between takes is told only after ``quiet``: a Live busy a few seconds
        # (a set saved or loaded) is not an error, nor are the takes sent meanwhile told "not loaded" at once.
        limit = self.quiet if self._answered_ever else self.within
        if self._asked is not None and now - self._asked >= limit:
            asked, self._asked = self._asked, None
            if not self.silent:  # else told already (a load left unanswered)
                self._silent_since = asked
                self.silent = True
                if self._answered_ever:  # Live quit (or hangs) mid-show: told now, before the next take
                    since = clock_text(asked)
                    self.node.report_error(f"Live has not answered on {self.where} for {self.quiet:g} s (since "
                                           f"{since}): busy (loading or saving a set) or quit; {ASK} (asked every "
                                           "second; the newest take of each slot is sent once it answers)")
                elif port_held(self.host, self.port):  # not Live's script not chosen: "is Live running" misled
                    self.node.report_error(f"Live does not answer on {self.where}, though a program holds that port: "
                                           "Live busy (starting, loading a set), or another program on it (Live's "
                                           f"status bar then says 'ExSampling: UDP port {self.port} is taken')? "
                                           "(asked every second; the newest take of each slot is sent once it "
                                           "answers)")
                else:
                    self.node.report_error(f"Live does not answer on {self.where}: {ASK} (asked every second; the "
                                           "newest take of each slot is sent once it answers)")
        for waiting in self.answers.overdue(now):
            if self._answered_ever and not self.silent:
                # Live answered a ping within ``quiet``: busy (a set saved or loaded), not known gone. The take ends
                # "not loaded" and goes again once Live answers (or is told "loaded after all"), a warning; the node
                # is not made silent (an error, and the takes sent meanwhile told "not loaded" at once): its pings
                # tell a Live gone, after ``quiet``.
                self.close(waiting, f"not loaded into Live: Live did not answer within {self.within:g} s")
                self.node.report_status(warning=f"{waiting.name} (slot {waiting.slot}) not loaded yet: Live did not "
                                                f"answer within {self.within:g} s on {self.where}, busy (loading or "
                                                f"saving a set)? ({again_unless(waiting.slot)})")
                self.warning.told()  # the next take that goes through ends it
                continue
            if not self.silent:
                self._silent_since = waiting.sent_at  # first: a handler that reads silent reads this after it
                self.silent = True
            self.close(waiting, f"not loaded into Live: Live did not answer within {self.within:g} s")
            self.node.report_error(f"{waiting.name} (slot {waiting.slot}) not loaded: Live did not answer within "
                                   f"{self.within:g} s on {self.where}; {ASK} ({again_unless(waiting.slot)})")
        if now - self._pinged >= PING_EVERY:  # whether Live answers or not: one that quits is told by them
            self._ping(now)

    def _ping(self, now: float) -> None:
        self._pinged = now
        if self._asked is None and not self.silent:  # told silent already: the next answer ends it
            self._asked = now
        with self._order:
            ping = len(self._pings) and max(self._pings) + 1
            self._pings[ping] = time.monotonic()  # stamped as it goes, after any load sent before it
            if len(self._pings) > OVERDUE_KEPT:  # lost (a Live not running): the oldest are no use
                del self._pings[min(self._pings)]
            self.send("/exsampling/ping", [ping])

    def _answer(self, address: str, params: list[str], raw: list[Any]) -> None:
        if address == "/exsampling/pong":
            ping = raw[1] if len(raw) > 1 and isinstance(raw[1], int) else None
            # A script installed before pongs named their ping: the newest sent is the best guess (and no sure word
            # on the loads sent before it).
            sent = self._pings.pop(ping, None) if ping is not None else max(self._pings.values(), default=None)
            old = old_script_words(self.where, params[0] if params else "", named=ping is not None)
            if old != self._old_script:  # told once: the same script answers each second
                self._old_script = old
                if old:
                    self.node.report_status(warning=old)
                    self.warning.told_lasting(old)  # no take ends it: the script is still old (the console keeps it)
                else:  # installed again and Live restarted, the patch running
                    ended = self.warning.lasting_ended()
                    if ended:
                        self.node.report_status(**ended)
            self._heard(time.monotonic() if sent is None else sent, pong=ping is not None and sent is not None)
            return
        self.last_reply = (address, raw)
        self.replies.set()
        if address == "/exsampling/error":
            # ``<slot> <reason> <path>``: the take refused, though an older load of its slot waits (one that went
            # nowhere: Live loading a set); a script installed before names no path: the slot's oldest load
            named = len(params) > 2
            found = (self.answers.answered(params[0], params[2], refused=True) if named
                     else self.answers.answered(params[0]) if params else None)
            if found is None:
                self.node.report_error("Live: " + " ".join(params[:2]))
            else:
                why = params[1] if named else " ".join(params[1:])
                if found[0].restore:  # no take in flight (its end told long ago): the set Live has now refused it
                    # Whether Live had closed (its set reopened) or was only busy (another set loaded meanwhile) the
                    # node cannot tell: "before Live closed" was said of a busy Live too.
                    self.node.report_error(f"{found[0].name}, {found[0].slot}'s take when Live went silent at "
                                           f"{self._went_silent}, was sent again in case Live had reopened its set "
                                           f"without it, and refused: {why}")
                else:
                    if not found[1]:  # one told overdue was closed then
                        self.close(found[0], f"not loaded into Live's track '{found[0].slot}': {why}")
                    self.node.report_error(f"{found[0].name} not loaded into Live's track '{found[0].slot}': {why}")
        elif address == "/exsampling/loaded":
            found = self.answers.answered(params[0], params[1]) if len(params) > 1 else None
            self._count(params, found)
            if found is not None and found[0].key and self.sent_log is not None:
                self.sent_log.add(found[0].key)
            # The take its end told not loaded, by its id as the sampler names one: the run's summary and --json
            # count it loaded, and its phone's row shows it so (a warning's text alone counted it not loaded). Its
            # load sent again once Live answered is held open no more: before, only a held one was named. Answered in
            # time, no warning tells it: the track named with it is the stage console's to say where it went.
            take_id = self._loaded_after_all(found[0]) if found is not None else None
            if found is not None and not found[1]:
                self.close(found[0])
            after_all = {"loaded_after_all": take_id, "live_track": found[0].slot} if take_id and found else {}
            self.node.report_status(live_loaded=self.loaded, live_method=params[-1] if params else "",
                                    **(after_all if found and not found[1] else {}))
            if found is not None and found[1]:
                late = time.monotonic() - found[0].sent_at
                self.node.report_status(**({"loaded_after_all": take_id} if take_id else {}),
                                        warning=f"{found[0].name} was loaded into '{found[0].slot}' after all, "
                                                f"{late:.1f} s after it was sent")
                self.warning.told()  # the next take sent ends it
        else:
            return
        if found is not None:
            self._heard(found[0].sent_at)

    def _loaded_after_all(self, waiting: Waiting) -> str | None:
        """The id of the take Live's answer to ``waiting`` loaded after its end told it not loaded, else None (a
        slot's take put back after a silence had been loaded: its end said so)."""
        if waiting.restore:
            return None
        with self._told_lock:
            return self._told_not.pop((waiting.slot, waiting.path), None)

    def _count(self, params: list[str], found: tuple[Waiting, bool] | None) -> None:
        """Count a load Live answered, unless it answers a take counted already, sent again: put back after a silence
        (loaded anew into a reopened set, or left as it was: ``already``), or its first answer read late. Before,
        each answer counted, and ``live_loaded`` said 2 for one take Live kept through a silence."""
        slot, path = (params[0], params[1]) if len(params) > 1 else ("", "")
        again = (found is not None and found[0].restore) or (bool(params) and params[-1] == "already")
        if not (again and path and self._counted.get(slot) == path):
            self.loaded += 1
        if path:
            self._counted[slot] = path

    def _heard(self, sent_at: float, pong: bool = False) -> None:
        """Live answered what was sent at ``sent_at``: after a silence, "port" (opened: the node's error ends), and
        the loads it missed, sent before that, go again. ``pong``: the answer to a ping known by its id: the loads
        sent before it that still wait went nowhere, and go again now, each with its take, rather than after
        ``within`` and a "not loaded" while Live answers."""
        came_back = self.silent and self._answered_ever  # it had answered, then gone silent: the console says "again"
        self._asked = None  # Live is there: the pings sent so far need no answer more
        self._answered_ever = True
        # Each slot's take Live had loaded goes again too, to a Live that comes back after a silence told ("once":
        # a track that still holds it is left alone). A Live that quit (or crashed) and was opened again reopened
        # its set as last saved, without them: its tracks were empty, or held older takes, while the patch and the
        # console said the slots held these. Not fired: that take's moment passed. Looked at before ``missed``
        # takes the newer loads that went nowhere out of those waiting: those go again below, and the older take
        # sent after them would be loaded over them.
        held = self.answers.held() if came_back else []
        if came_back:
            self._went_silent = clock_text(self._silent_since)
        again = self.answers.to_send_again(before=sent_at)
        lost, passed = self.answers.missed(before=sent_at) if pong else ([], [])
        if not self.silent and not again and not lost and not passed:
            return
        told = self.silent or bool(again)
        self.silent = False  # first: a load sent while silent is told "not loaded" at once
        went: list[Waiting] = []  # of ``again``, those sent again
        restored: list[Waiting] = []  # of ``held``, those sent again
        if again or lost or held:
            # Looked at again under the order's lock: a take's load that went since (on the node's handler) would
            # come before the older one going again, and Live end with the older sound. Those sent here, after
            # ``start``, are not newer takes.
            with self._order:
                start = time.monotonic()
                for waiting in again:  # "once": a load whose answer alone was lost is not loaded (nor fired) again
                    if not self.answers.newer_went(waiting, before=start):
                        self.load(waiting.slot, [*waiting.args[:5], 1], waiting.name, waiting.key)
                        went.append(waiting)
                for waiting in lost:  # newer than those (not told overdue yet); its take kept open, ended at its answer
                    if self.answers.newer_went(waiting, before=start):
                        passed.append(waiting)
                    else:
                        self.load(waiting.slot, [*waiting.args[:5], 1], waiting.name, waiting.key, waiting.kept,
                                  waiting.restore)
                for waiting in held:  # no key: written down as sent when it first loaded
                    if not self.answers.newer_went(waiting, before=start):
                        self.load(waiting.slot, [*waiting.args[:4], 0, 1], waiting.name, restore=True)
                        restored.append(waiting)
        for waiting in passed:  # Live holds (or is to hold) the newer take: this one is not sent again over it
            self.close(waiting, f"not loaded into Live: a newer take of {waiting.slot} went instead")
        if not told:
            return
        missed = ", ".join(f"{waiting.name} ({waiting.slot}{', kept at the last stop' if waiting.carried else ''})"
                           for waiting in went)
        had = ", ".join(f"{waiting.name} ({waiting.slot})" for waiting in restored)
        self.node.report_status(port=self.port, live_answers=self.where + (f"; sent again: {missed}" if missed else "")
                                + (f"; sent again in case Live reopened its set without them: {had}" if had else ""),
                                **({"live_again": True} if came_back else {}))
