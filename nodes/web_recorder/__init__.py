"""Web recorder: phones record takes in a browser page and upload them as WAV, with their location.

The node runs an HTTPS server (a self-signed certificate made on first run and reused) whose URL carries
a pairing token; it prints the URL and its QR code and reports both to observers (``url``, ``qr``).
Each accepted upload is stored and flushed to disk (:class:`~exsampling_patch.takes.TakeStore`) before
the phone is told and before the take flows on. A take is written down as done (the take folder's
``.processed`` journal) when it has ended in the patch (:meth:`WebRecorder.take_ended`), not when it is passed
on: takes stored but not done when the process ended are passed on again at the next start. A phone's retry of
a take already stored gets the first reply, even after a restart, even before that take is passed on again (its
sidecar is read at start, before the server listens: :mod:`.seen`). A stored take that proves unreadable (its header
or its length, checked at start before the server listens; its samples, when it is read) is told (an error on the
node and on the phone's list), moved aside into the take folder's ``damaged/`` (kept, told once), and its phone take
id is withdrawn, so that the phone's retry is stored anew. The phone's take list
shows each take's end: its slot, or why not ("rejected: not sure (dog 31%)", "silent", "error in trim: ...").

A phone's take list shows what became of each take: link the classifier's predictions and the slot
map's assignments into a ``recorder_status`` node (:mod:`exsampling_patch.nodes.recorder_status`; a sink: links
back into the recorder would form a cycle). Observers can read :meth:`WebRecorder.takes` for a recorder's takes
and their status.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

from exsampling_patch.node import NodeContext, Output, Param, StandingWarning
from exsampling_patch.nodes.pass_on import PassOnGate
from exsampling_patch.nodes.passed_takes import ending, passed_from
from exsampling_patch.nodes.web_recorder.ends import save_end
from exsampling_patch.nodes.web_recorder.folders import TakeFolder, remove_spare, spare_files, state_folder
from exsampling_patch.nodes.web_recorder.intake import UploadIntake
from exsampling_patch.nodes.web_recorder.late_loads import LateLoads
from exsampling_patch.nodes.web_recorder.limits import (
    upload_limit_problems,
    upload_limit_warnings,
    upload_time_warnings,
)
from exsampling_patch.nodes.web_recorder.phones import PhoneLists, phone_in_sidecar
from exsampling_patch.ports import TAKE
from exsampling_patch.runtime.ledger import not_loaded_of
from exsampling_patch.takes import TakeStore, remove_dead_parts

log = logging.getLogger("exsampling.web_recorder")

#: The recorders of this process running on a temporary copy of a state folder (:func:`.folders.state_folder`), by the
#: folder named (resolved), oldest first. The runtime hands a node's state over to its rebuilt self only where its id
#: stays (:meth:`take_over`); a recorder an edit renamed is another node, started before the old one stops: it copied
#: the folder anew, without this run's takes seen and phones' lists, and a phone's retry of a take of this run was
#: stored again. Yet on the same state folder (its token, its certificate) it is the same recorder for the phones: it
#: starts with the running one's copy (:func:`_running_copy`), and takes what that one wrote after, at its stop
#: (:meth:`WebRecorder._adopt`).
class Handed(NamedTuple):
    """What a recorder an edit stopped hands to the one rebuilt in its place (:meth:`WebRecorder.handover`)."""

    state: Path  # the state folder named (resolved)
    files: dict[str, bytes] | None  # those of the temporary folder that stood in for it, if one did
    token: str  # the pairing token it served: a rotated one is the run's, not the edit's (rotate_token)


_ON_COPY: dict[Path, list[WebRecorder]] = {}
_ON_COPY_LOCK = threading.Lock()


def _running_copy(named: Path) -> dict[str, bytes] | None:
    """The files of the newest copy of ``named`` a recorder of this process runs on, if any."""
    with _ON_COPY_LOCK:
        running = list(_ON_COPY.get(named, ()))
    for recorder in reversed(running):
        if recorder._spare is not None:
            try:
                return spare_files(recorder._spare)
            except OSError:  # removed meanwhile (its stop): the next, or none
                continue
    return None


class WebRecorder(UploadIntake):
    """Serve a recording page to phones (HTTPS, pairing token) and emit every uploaded take."""

    type_name = "web_recorder"
    family = "sources"

    take = Output(TAKE, "each uploaded take, stored on disk first; source = the recorder's name")

    folder = Param("path", "../takes/web", "the session's take folder (WAV + JSON sidecar per take)")
    state_folder = Param("path", "../session/recorder", "where the certificate and pairing token are kept")
    host = Param(str, "0.0.0.0", "address to listen on (0.0.0.0: every network of this machine)")
    port = Param(int, 8443, "TCP port (0: any free port)", minimum=0, maximum=65535)
    https = Param(bool, True, "serve over HTTPS (phones need it for the microphone on a LAN address)")
    public_host = Param(str, "", "host name or address put in the URL; empty: this machine's LAN address")
    token = Param(str, "", "pairing token; empty: the saved one (made on first run)")
    rotate_token = Param(bool, False, "make a new pairing token at every run's start (old links stop working); a live "
                         "edit keeps the run's")
    max_seconds = Param(float, 10.0, "longest take a phone records", minimum=0.5, maximum=120.0, unit="s")
    max_upload_mb = Param(float, 30.0, "uploads larger than this are refused (413)", minimum=0.1, maximum=500.0,
                          unit="MB")
    max_channels = Param(int, 2, "uploads with more channels are refused", minimum=1, maximum=8)
    max_connections = Param(int, 128, "connections held at once; more are told to come back (503)", minimum=2,
                            maximum=4096)
    max_unauthenticated = Param(int, 32, "connections held at once that have not shown the token within a second "
                                "(the oldest is closed to make room; a burst of phones connecting together is "
                                "held up to max_connections)", minimum=1, maximum=4096)
    header_timeout = Param(float, 10.0, "time to connect and show the token (and to wait between requests)",
                           minimum=0.5, maximum=600.0, unit="s")
    request_timeout = Param(float, 120.0, "time an upload may run behind min_upload_kbps (a slow start, a pause) "
                            "before it is cut (408); also the time from the token shown to the body's start",
                            minimum=1.0, maximum=3600.0, unit="s")
    min_upload_kbps = Param(float, 100.0, "the slowest pace an upload is waited for: a larger take has more time, "
                            "a take sent slower is cut (408) once request_timeout behind", minimum=1.0,
                            maximum=1e6, unit="kbit/s")
    print_qr = Param(bool, True, "print the URL and its QR code on the terminal at start")
    warn_free_mb = Param(float, 2000.0, "warn that the take folder's disk is filling up below this much free space",
                         minimum=0.0, maximum=1e7, unit="MB")
    min_free_mb = Param(float, 200.0, "refuse takes (507, shown on the phone) below this much free space",
                        minimum=0.0, maximum=1e7, unit="MB")

    def __init__(self, node_id: str = "", params: Mapping[str, Any] | None = None,
                 context: NodeContext | None = None) -> None:
        super().__init__(node_id, params, context)
        #: Closed by :meth:`stop` after its join: a recovered take read after it stays on disk for the next start.
        self._gate = PassOnGate()
        #: Ends told before start() made its tables (an edit's rebuild is in its cell first): start() tells them
        self._early_ends: list[Any] | None = []
        self._early_lock = threading.Lock()
        self._no_tables = False  # its start failed before it made them: an end is only written down (take_ended)
        self._phones_made = False  # its phones' lists and late loads both made (take_loaded_after_all looks at both)
        #: The state folder named (resolved) and the files of the temporary folder that stood in for it, of the node an
        #: edit rebuilt this one from (:meth:`take_over`): a start on the same folder that cannot be written goes on
        #: with them
        self._carried: Handed | None = None
        self._token = ""  # the pairing token made at start (load_token): handed to the recorder an edit rebuilds
        self._left: list[tuple[Path, dict[str, Any]]] = []  # the last run's kept late takes (_take_left)
        self._left_queued: list[tuple[Path, dict[str, Any]]] = []  # of them, those queued till the server serves

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """An upload limit a full-length take fits: `max_seconds: 60, max_upload_mb: 5` passed check, and every take
        a phone recorded to the end (5.3 MB at 44.1 kHz) was then refused as too large (413)."""
        return upload_limit_problems(params)

    @classmethod
    def check_warnings(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """An upload limit a full-length take fits at 44.1 kHz but not at 48 kHz, most phones' rate: every take they
        record to the end is refused (413), those of a 44.1 kHz phone are not. Only sometimes wrong, so a warning
        (a limit below the 44.1 kHz size is :meth:`check_params`' problem); and a ``request_timeout`` a full-length
        take cannot be sent within on a slow network (each try answered 408, and sent again for ever): a
        ``min_upload_kbps`` above a slow phone network's 400 kbit/s."""
        return {**upload_limit_warnings(params), **upload_time_warnings(params)}

    def prepare(self) -> None:
        # A source, it starts last, once the classifier's process has loaded its model: what its start() imports
        # (the server, TLS, the QR code's segno) is imported now, while that process loads, 30-60 ms sooner "running".
        import segno  # noqa: F401

        from exsampling_patch import devices, qr  # noqa: F401
        from exsampling_patch.nodes.web_recorder import ends, refused, seen, server, status, store, tls  # noqa: F401
        from exsampling_patch.nodes.web_recorder.disk import DiskWatch  # noqa: F401
        from exsampling_patch.nodes.web_recorder.late import listing  # noqa: F401
        from exsampling_patch.nodes.web_recorder.unfinished import know_unfinished  # noqa: F401

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self._keep_left_again()
            # Failed before the ends it kept were told (a state folder an edit named that cannot be made): they are
            # written down in their own folders all the same (kept, they went through the patch again at the next
            # run), as are the ends told to it from now on; the error stays on the node (raised on).
            with self._early_lock:
                kept, self._early_ends = self._early_ends, None
                self._no_tables = kept is not None  # None: told already, its tables made
            for ended in kept or []:
                self._write_down(ended.take_id)
            raise

    def _start(self) -> None:
        from exsampling_patch.devices import naming_busy_port
        from exsampling_patch.nodes.web_recorder.disk import DiskWatch
        from exsampling_patch.nodes.web_recorder.ends import ENDS_FILE, TakeEnds
        from exsampling_patch.nodes.web_recorder.late import listing, listing_state
        from exsampling_patch.nodes.web_recorder.refused import RefusedPhones, refusing_unread, telling_refusals
        from exsampling_patch.nodes.web_recorder.seen import SEEN_FILE, SeenTakes
        from exsampling_patch.nodes.web_recorder.server import RecorderServer
        from exsampling_patch.nodes.web_recorder.status import BOARD
        from exsampling_patch.nodes.web_recorder.store import finish_interrupted
        from exsampling_patch.nodes.web_recorder.tls import (
            STATE_FILES,
            ensure_certificate,
            lan_address,
            load_token,
            server_context,
        )
        self._gate.open()
        self._board = BOARD
        # The rows this run adds are its own (a weak reference: a run's context, held by the board, outlived the
        # run): an edit's rebuilt node shares the context, and lists them on, another run's of a name it also has not
        self._owner = weakref.ref(self.context)
        #: The page's settings, as the server sends them: the take folder's state among them (:mod:`.folders`)
        self._page: dict[str, Any] = {"maxSeconds": self.max_seconds, "headerTimeout": self.header_timeout,
                                      "requestTimeout": self.request_timeout, "minUploadKbps": self.min_upload_kbps}
        self._folder = TakeFolder(self, self.resolve_path(self.folder), self._page)
        unmade = self._folder.make_at_start()  # '', or why it cannot be made or written: it starts, refusing takes
        self._store = TakeStore(self._folder.folder, make=False)
        self._lock = threading.Lock()
        self._done_at_emit = not self.context.tracks_takes  # no runtime to tell us a take's end
        self._phones = PhoneLists()  # each phone's take ids (by its key's digest), for its page's list
        self._late = LateLoads(self._board.get, self._save_end, self._board.update)  # loaded after all
        self._phones_made = True  # after both: a load told between the two found the one and not the other
        self._count = 0
        self._accepting = 0  # uploads read whole and being checked and stored (the stop says those it leaves)
        self._recorders: set[str] = set()
        self._notice_stands = StandingWarning()  # a start-up notice (new certificate, new token), until the first take
        self._notice_told = ""  # the last notice told (:meth:`_notice`)
        # None, or this run's own state folder, told: the system refused the one named
        named = self.resolve_path(self.state_folder)
        same = self._carried is not None and self._carried.state == named.resolve()
        carried = self._carried.files if same and self._carried is not None else None
        if carried is None:  # a recorder an edit renamed on the same folder, still running: this run's state goes on
            carried = _running_copy(named.resolve())
        state, self._spare = state_folder(self, named, self.report_error, (SEEN_FILE, ENDS_FILE), carried)
        # The folder named, not the temporary one standing in for it (new at each start): the key of the hand-on of a
        # late take and of the takes being stored, which the recorder an edit rebuilt shares
        self._state = named.resolve()
        self._left, self._left_queued = [], []  # the last run's kept late takes, till the server serves
        # One stored late in another take folder by the node this one replaced: handed on once its folder is listed
        with listing_state(self._state, self.context, self.node_id, self._take_late, self._take_left):
            # Temporary files of its state a kill left (a killed writer's only: another run may share the folder).
            if swept := remove_dead_parts(state, (SEEN_FILE, ENDS_FILE, *STATE_FILES)):
                log.info("removed %d temporary files a killed run left in %s", len(swept), state)
            # (recorder, phone, its id) -> reply, across restarts
            self._seen = SeenTakes(state, tell=self.report_error, named=self._state)
            # The phones' lists of ended takes, across restarts; a late row of a recorder stopped on another copy of
            # the folder named (a rename) comes to this one
            self._ends = TakeEnds(state, named=self._state, tell=self.report_error)
            if self._spare is not None:
                with _ON_COPY_LOCK:
                    _ON_COPY.setdefault(self._state, []).append(self)
            for phone, row in self._ends.rows():
                self._board.add(row["take_id"], str(row.get("recorder", "")), owner=self._owner, **row)
                self._board.update(row["take_id"], status=row.get("status", "received"))  # add sets "received"
                self._phones.add(phone, row["take_id"])
            if self._folder.made:
                finish_interrupted(self._store.folder)  # a take whose storing a kill cut between its two renames
                self._store.remove_leftovers()  # then what a kill mid-store left that is no take (temporary files)
            self._serving = False  # until its recovery thread is started: a take handed on late waits for that
            with listing(self._store.folder, self._take_late):  # one stored late by the node this one replaced:
                # here or handed on (before the server listens: a retry is a duplicate)
                self._unfinished = self._know_unfinished() if self._folder.made else deque()
        with self._early_lock:
            early, self._early_ends = self._early_ends or [], None
        for ended in early:
            self.take_ended(ended)
        self._disk = DiskWatch(self._store.folder, self.warn_free_mb, self.min_free_mb, self.report_error,
                               self.report_status, shown=lambda: self.shown_warning)
        if unmade:
            self._disk.cannot_write(unmade)  # ended as a folder made writable again: at the next take stored
        if self._folder.made:
            self._disk.check_at_start()
        public = self.public_host or (lan_address() if self.host in ("0.0.0.0", "", "::") else self.host)
        if public == "127.0.0.1" and not self.public_host and self.host in ("0.0.0.0", "", "::"):
            # Started before the laptop joined the venue's Wi-Fi: the URL and its QR code named 127.0.0.1, which
            # every phone took for itself ("cannot reach"), and nothing on the console said why.
            self._notice("this machine is on no network: the URL's address, 127.0.0.1, is no phone's way here; join "
                         "the phones' network (or start a hotspot), then start the patch again, or set 'public_host'")
        tls = None
        if self.https:
            tls = server_context(*ensure_certificate(state, [public], warn=self._notice))
        # An edit's rebuild on the same state folder goes on with the run's token: rotated anew, it unpaired every
        # phone mid-show (rotate_token means one token per run, a new show)
        kept = self._carried.token if same and self._carried is not None and self.rotate_token else ""
        token = self.token or kept or load_token(state, rotate=self.rotate_token, warn=self._notice)
        # Handed on only where made here (rotated, loaded): a 'token' parameter's, handed on, was still served once
        # the edit cleared it, and a leaked token could not be revoked mid-show
        self._token = "" if self.token else token

        def refused_take(text: str) -> None:  # a take refused for good: the console's line, counted in the summary
            self.report_status(refused_take=text)

        with naming_busy_port(self, "port", self.port, "TCP"):
            self.server = RecorderServer(
                (self.host, self.port), token, telling_refusals(self._accept, refused_take), self.phone_takes,
                self._page, int(self.max_upload_mb * 1e6), tls,
                max_connections=self.max_connections, max_unauthenticated=self.max_unauthenticated,
                header_timeout=self.header_timeout, request_timeout=self.request_timeout,
                min_upload_rate=self.min_upload_kbps * 1e3 / 8,
                on_refused=RefusedPhones(lambda text: self.report_status(not_paired=text)).refused,
                on_refused_unread=refusing_unread(refused_take, self._disk.dropped))
        scheme = "https" if self.https else "http"
        port = self.server.port
        default_port = (scheme == "https" and port == 443) or (scheme == "http" and port == 80)
        self.url: str = f"{scheme}://{public}{'' if default_port else f':{port}'}/?token={token}"
        self.local_url = f"{scheme}://127.0.0.1:{port}/?token={token}"
        self.qr = self._qr_of(self.url)
        # held_on_phones (uploads_cut_off, uploads_arriving) too: the status outlives a node rebuilt by an edit, which
        # counts anew
        self.report_status(url=self.url, qr=self.qr, takes=0, recorders=0, held_on_phones=0, uploads_cut_off=0,
                           uploads_arriving=0)
        log.info("web recorder '%s' listening: %s", self.node_id, self.url)
        if self.print_qr:
            self._print_url()
        # Last before serving: a phone's retry of one is then its duplicate; and after every step that may fail (the
        # URL's status), which kept them again for the next start
        self._pass_on_left()
        self.run_thread(lambda: self.server.serve_forever(poll_interval=0.05), name=f"{self.node_id}-http")
        self._serving = True  # before: a take handed on late after the thread's last look is passed on by its own
        self._left_queued = []  # served: a take stored now whose emit fails starts a thread that may pass them on
        self.run_thread(self._recover, name=f"{self.node_id}-recover")

    def _qr_of(self, url: str) -> list[str]:
        """The QR code of ``url`` (:func:`~exsampling_patch.qr.qr_rows`), or none where it cannot be made: told as a
        notice, the URL still printed and served. Raised, it failed the whole start (no page for any phone)."""
        from exsampling_patch.qr import qr_rows

        try:
            return qr_rows(url)
        except Exception as error:
            self._notice(f"no QR code of the page's address ({error}): phones open {url}")
            return []

    def _print_url(self) -> None:
        """Print the page's address, then its QR code, on the terminal (print_qr). A print that fails (no stdout, a
        terminal whose encoding has no half blocks, a console sent to a full disk) is a notice, the address said in
        plain text where it can be, and the recorder serves: raised, it failed the whole start for a drawing."""
        from exsampling_patch.qr import terminal_text

        note = " (accept the certificate warning once on each phone)" if self.https else ""
        # In the words of `exsampling run`'s console, which prints the URL in this one's place (print_qr off).
        line = f"\n{self.type_name} '{self.node_id}': phones open {self.url}{note}"
        try:
            print(f"{line}\n{terminal_text(self.qr)}\n" if self.qr else f"{line}\n", flush=True)
            return
        except Exception as error:
            why = f"{type(error).__name__}: {error}"
        try:  # the address alone, in plain text (a terminal that cannot show the blocks shows this)
            print(f"{line}\n", flush=True)
        except Exception:
            log.info("the page's address could not be printed either")  # the log says the URL (listening: ...)
        self._notice(f"the QR code could not be printed ({why}): phones open {self.url}")

    def _notice(self, text: str) -> None:
        """A start-up notice, for the performer to act on (phones accept the new certificate, scan the new QR code):
        a warning, ended at the first take received (:meth:`~.intake.UploadIntake._store_and_emit`)."""
        self._notice_told = text
        self._notice_stands.told()
        self.report_status(warning=text)

    def stop(self) -> None:
        from exsampling_patch.nodes.web_recorder.late import leave, leave_state

        if hasattr(self, "_store"):
            leave(self._store.folder, self._take_late)
        if hasattr(self, "_state"):
            leave_state(self._state, self.context, self.node_id, self._take_late)
        server = getattr(self, "server", None)
        if server is not None:
            if getattr(self, "_serving", False):  # else its start failed before serving: shutdown() waited for ever
                server.shutdown()
            server.server_close()
            if server.uploads_cut_off:  # the run's summary says them: kept on the phones, sent again
                self.report_status(uploads_cut_off=server.uploads_cut_off)
            with self._lock:
                arriving = self._accepting
            if arriving:  # past the server's wait: their ends come after the run's summary, which says them so
                self.report_status(uploads_arriving=arriving)
        super().stop()
        self._gate.close()  # a recovered take flowing on now is the engine's still; the next is left on disk
        self._hand_to_successor()
        for table in (getattr(self, "_seen", None), getattr(self, "_ends", None)):
            if table is not None:
                table.close()
        spare = getattr(self, "_spare", None)
        if hasattr(self, "_state"):  # spare read before it is removed: the node an edit rebuilds goes on with them
            self._handed = Handed(self._state, spare_files(spare) if spare is not None else None, self._token)
        remove_spare(spare)

    def _hand_to_successor(self) -> None:
        """Off :data:`_ON_COPY`; what this run wrote to its copy goes to the recorder started since on a copy of the
        same folder (a rename), if any: what came between its start and this stop was in this copy only."""
        with _ON_COPY_LOCK:
            running = _ON_COPY.get(getattr(self, "_state", Path()), [])
            if self not in running:
                return
            running.remove(self)
            successor = running[-1] if running else None
            if not running:
                del _ON_COPY[self._state]
        if successor is not None:
            successor._adopt(self)

    def _adopt(self, old: WebRecorder) -> None:
        """The takes seen and the phones' rows of ``old``, stopped on another copy of this one's state folder, that
        this one lacks."""
        self._seen.adopt(old._seen)
        for phone, row in old._ends.rows():
            if self._ends.adopt(phone, row):
                self._phones.add(phone, str(row["take_id"]))

    def handover(self) -> Handed | None:
        """The state folder named, the files of the temporary one that stood in for it, if any, and the token served:
        the recorder an edit rebuilds goes on with them (its table of takes seen: a phone's retry of a take of this
        run is its duplicate; a rotated token: the phones paired this run stay paired)."""
        return getattr(self, "_handed", None)

    def take_over(self, handed: Handed) -> None:
        self._carried = handed

    def take_ended(self, ended: Any) -> None:
        """Show the phone how the take ended (``not_loaded`` apart: never said loaded), and write it down as done.

        The phone is told first: a journal that cannot be written (a full disk) leaves the take to be passed on
        again at the next start, which the console says, but the phone still sees this end now; a row that cannot be
        saved for the phone's list after a restart is said with it (:meth:`_save_end`)."""
        with self._early_lock:
            if self._early_ends is not None:  # before start(): it failed on the tables, and start() passed it on again
                self._early_ends.append(ended)
                return
            no_tables = self._no_tables
        if no_tables:
            self._write_down(ended.take_id)
            return
        row = self._board.get(ended.take_id) or {}
        fields: dict[str, Any] = {"fate": ended.fate, "end": ended.reason, "not_loaded": not_loaded_of(ended)}
        loaded = getattr(ended, "loaded", None)
        if ended.fate == "slot" and loaded is not None:  # the outputs that have it: none, and the phone shows it red
            fields["loaded"] = list(loaded)
        if ended.fate in ("rejected", "dropped", "error"):
            fields["status"] = ended.fate
        elif row.get("status", "received") == "received":  # what a recorder_status node said stays
            fields["status"] = "assigned" if ended.fate == "slot" else "done"
        if ended.slots and not row.get("slot"):
            fields["slot"] = ended.slots[0]
        phone = self._phones.phone_of(ended.take_id) or self._phone_elsewhere(ended.take_id)
        if phone and row:  # the phone's list shows it after a restart too; one not saved says so with its end
            fields.update(self._save_end(phone, {**row, **fields}))
        self._board.update(ended.take_id, **fields)
        # Loaded after all before its end came (another output kept it open meanwhile)
        for by, kind in self._late.ended(ended.take_id):
            self.take_loaded_after_all(ended.take_id, by, kind)
        self._write_down(ended.take_id)

    def take_loaded_after_all(self, take_id: str, by: str, kind: str) -> None:
        """Output ``by`` (of type ``kind``) loaded a take after all (its status's ``loaded_after_all``), which its end
        told not loaded: the phone's row, saved once at the end, stayed red though the take played."""
        phone = self._phones.phone_of(take_id) if self._phones_made else None
        if phone is None:  # not started, or another recorder's take
            return
        self._late.loaded(take_id, phone, by, kind)

    def _phone_elsewhere(self, take_id: str) -> str | None:
        """The phone of a take passed on from another folder (a live edit changed the folder since: this node knows
        only its own folder's takes), read from its sidecar and put on that phone's list; None where it has none.
        Unknown, its end was saved for no phone and the phone's row said "received" for good."""
        store = passed_from(self.context, take_id)
        phone = None if store is None or store.folder == self._store.folder else phone_in_sidecar(store, take_id)
        if phone:
            self._phones.add(phone, take_id)
        return phone

    def _write_down(self, take_id: str) -> None:
        """Write an ended take down as done in the folder it is stored in: a live edit may have changed the folder
        since, or this node may have none, its start failed (:mod:`..passed_takes`)."""
        with ending(self.context, take_id, getattr(self, "_store", None)) as store:
            if store is None:
                return
            self._mark_done_told(store, take_id)

    def _save_end(self, phone: str, row: dict[str, Any]) -> dict[str, Any]:
        """Save a take's ended row for its phone's list after a restart (:func:`~.ends.save_end`)."""
        return save_end(self._ends, phone, row, self.report_error)

    # -- observers -------------------------------------------------------------------------------------------

    def takes(self, recorder: str = "") -> list[dict[str, Any]]:
        """A recorder's takes with their status (received, label, confidence, slot), newest first: this run's (another
        run's recorder of the same name is another phone)."""
        return self._board.for_recorder(recorder, self._owner) if recorder and hasattr(self, "_owner") else []

    def phone_takes(self, phone: str, recorder: str = "") -> list[dict[str, Any]]:
        """The takes uploaded by one phone (the digest of its key), newest first; ``recorder``: of that name."""
        ids = self._phones.take_ids(phone)
        rows = [row for row in (self._board.get(i) for i in reversed(ids)) if row is not None]
        return [row for row in rows if not recorder or row["recorder"] == recorder]
