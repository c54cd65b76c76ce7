"""Folder source: turns audio files that appear in a folder into takes (a recordings library, a drop box).

Hidden files and folders are skipped, and so are a card's Windows recycle bin and system folders, and the
``damaged/`` subfolder of a take folder (one a recorder or a microphone writes: it holds a ``.processed``
journal), where takes found unreadable are set aside.

A file is read once it is whole, never while something still writes it (a slow copy, a recorder that stalls, a
writer that updates the header at close). On Linux the system says when the writer has closed it (inotify's
IN_CLOSE_WRITE, through :mod:`watchdog`), or renamed it in (IN_MOVED_TO): it is read then, at once, however
long the writer paused; a file still open for writing is not read. Where nothing says so (not Linux, no
watchdog, a network share written from another machine, a file already there at start), a file is read once
its size and time stayed the same for ``settle_time``. The scan every ``poll_interval`` finds the files (patterns,
sub-folders, what is skipped); the close events only tell it which are finished. Files are read in the order
written (by their times): one whose close was heard waits for one dated before it, seen no later, that waits for
its quiet time (moved into a sub-folder made meanwhile, before its watch: no event). It looks at the files read
already only where close events were heard of them, and :data:`RECHECKED_PER_SCAN` of them in turn, so that the
takes a show keeps in the folder cost each scan little more than their names. A file changed after it was read
(exported again over it) is a new recording: it is read again, once whole again (seen at once where close events say
so, else within ``files / RECHECKED_PER_SCAN`` scans); one whose times alone changed since (``cp -p`` sets them
after its close, ``touch``) is not, where close events say it was not written and an IN_ATTRIB says its times were
set.

A WAV or an MP3 that holds less than its header says (:mod:`.wav_length`, :mod:`.mp3_length`) is not whole,
quiet or closed (a copy stalled longer than ``settle_time``, a file appended in pieces): it is read once whole, or
as it is, with a warning, once unchanged for :data:`UNFINISHED_WAIT`. So is a WAV whose recorder had not set its
length yet (0, or less than it holds): once unchanged as long (its battery died), it is read with the length it
holds. One of any kind that cannot be read, not closed as it is and arriving (not there so at start), is told
unreadable only once unchanged for as long (half a FLAC or an OGG). One there at start, last written that long
before it as the folder's clock tells (its time beside the journal's), has been: it is read, or told, at once.

When the system's event queue overflows (IN_Q_OVERFLOW: a burst of thousands of files), it drops events without
saying which: a file changed before that (not read as it is) is read once quiet for ``settle_time``, as without
close events, even if a write of it was heard and no close, until it changes again (its events heard again).
The close events come from :mod:`.folder_closes` (watchdog's inotify observer), which tells how overflows are heard.

Each take passed on is written down in a hidden journal in the folder (:mod:`.folder_journal`), and as done once it
has ended in the patch (:meth:`FolderSource.take_ended`): a file whose take was in flight when the process was
killed is read again at the next start, with or without ``include_existing``, and one whose take ended is not read
again, even with ``include_existing``; nor is one whose take is still in flight in this run, at the start of the node
a live edit rebuilt. The files a start leaves alone are written down too: one in none of its lines
at the next start arrived (or was replaced) while the patch was stopped, and is read, its take's line on the
console saying so; at the first start (no journal yet), those there are left alone without ``include_existing``.
A file that cannot be read is the node's error, and ends as a take would ("error", named by its file: the stage
console's line), once: the journal writes it down as done. Where the folder cannot be written, a warning says so
once, and the node runs without one (files there at start: all of them with ``include_existing``, else none).
A journal there that cannot be read (an I/O error) is not rewritten, which erased its takes in flight for good: a
warning names it, and the files there at start are left alone, for the next start that reads it.

One run reads a folder: the node holds a lock beside its journal while it runs (:class:`.FolderLock`, the Live
outputs' own). The same patch's second run is told so, naming the process that holds it, and its node reads nothing
from the folder, even once that run ends (see docs/recording.md). A node stopped mid-read (a live edit, a big file)
lets go of it only once its watch thread ended, passing nothing on: the node the edit rebuilt waits for it, then
reads the file.
"""

from __future__ import annotations

import fnmatch
import threading
import time
from collections.abc import Iterable
from pathlib import Path

from exsampling_patch.messages import FOLDER_FILE, Take, default_take_id
from exsampling_patch.node import Output, Param
from exsampling_patch.nodes.folder_closes import CloseWatch, file_stamp, inotify_available
from exsampling_patch.nodes.folder_journal import FolderJournal, Stamp, journal_path
from exsampling_patch.nodes.folder_journal_start import JournalStart
from exsampling_patch.nodes.folder_listing import FolderListing
from exsampling_patch.nodes.mp3_length import unfinished_mp3
from exsampling_patch.nodes.osc_outbox import FolderInUse
from exsampling_patch.nodes.sent_log import FolderLock
from exsampling_patch.nodes.take_level import take_level
from exsampling_patch.nodes.wav_length import unfinished
from exsampling_patch.phone_formats import PHONE_PATTERNS, convert_hint, sndfile_why, unreadable_recording
from exsampling_patch.ports import TAKE
from exsampling_patch.takes import read_take

#: Whether to use close events where they are available; off, every file waits for the quiet time (tests).
CLOSE_EVENTS = True

#: Files already read that a scan looks at again, in turn, beside those not read yet and those close events were heard
#: of: a file exported again over one read where no event says so (a share written from another machine) is seen
#: within ``files / RECHECKED_PER_SCAN`` scans (2,000 takes kept: 20 scans, 2 s at the default ``poll_interval``).
#: Not at the next scan: written in place, it changes no name nor its folder's time, only its own stamp, and a stat of
#: every file at every scan is the cost this spares (with close events, as on Linux's own disks, it is the next scan).
RECHECKED_PER_SCAN = 100

#: Seconds a WAV that holds less than its header says waits, unchanged, before it is read as it is (a copy cut
#: off, a recorder whose battery died): a copy to a network share can stall far longer than ``settle_time``.
UNFINISHED_WAIT = 30.0


#: Folder sources' locks (by path) that a stopped node lets go of once its watch thread ended, and the event set then.
_LETTING_GO: dict[Path, threading.Event] = {}
_GUARD = threading.Lock()


def close_events_available() -> bool:
    """Whether this system tells the folder source when a file's writer closed it (Linux, with watchdog)."""
    return CLOSE_EVENTS and inotify_available()


class FolderSource(JournalStart):
    """Emit a take for every new audio file (WAV, FLAC, OGG, Opus, MP3, AIFF) in a folder, once it is whole."""

    type_name = "folder_source"
    family = "sources"

    take = Output(TAKE, "one take per new audio file")

    folder = Param("path", None, "the folder to watch", required=True)
    # Every kind a take is read from (read_take, as `exsampling classify` reads files): with WAV, FLAC and OGG
    # alone, an MP3 that classify --patch put in a slot was passed over here without a word.
    patterns = Param(str, "*.wav,*.flac,*.ogg,*.opus,*.mp3,*.aiff,*.aif", "file name patterns, comma separated")
    include_existing = Param(bool, False, "also emit the files already there when the patch first starts on the "
                             "folder (not those whose takes ended in an earlier run; those in flight when it ended, "
                             "and those that arrived while it was stopped, are read either way)")
    recursive = Param(bool, False, "watch sub-folders too (not hidden ones, nor a take folder's damaged/)")
    poll_interval = Param(float, 0.1, "seconds between scans of the folder", minimum=0.01, maximum=10.0, unit="s")
    settle_time = Param(float, 1.0, "seconds a file must stay unchanged before it is read where the system cannot "
                        "say its writer closed it (not Linux, a network share, a file there at start)",
                        minimum=0.05, maximum=60.0, unit="s")

    def start(self) -> None:
        self._root = self.resolve_path(self.folder)
        self._root.mkdir(parents=True, exist_ok=True)
        self._wake = threading.Event()
        self._lock_key = journal_path(self._root, self.node_id)
        with _GUARD:
            before = _LETTING_GO.get(self._lock_key)
        if before is not None:  # the node an edit rebuilt still reads a file: the folder is this one's once it let go
            self.watching = "nothing yet (the node this edit replaced is still reading a file)"
            self.report_status(watching=self.watching)
            self.run_thread(lambda: self._run(before), name=f"{self.node_id}-watch")
        elif self._take_folder(at_start=True):
            self.run_thread(self._run, name=f"{self.node_id}-watch")

    def _take_folder(self, at_start: bool = False) -> bool:
        """Take the folder's lock and what the watch needs (the scan at start, the journal, the close events);
        False where another run holds it (raised :class:`FolderInUse` ``at_start``), or this node is stopping."""
        # A second run of the same patch (started in two terminals) read every file dropped here too: two runs each
        # took the take, and wrote into one journal. The lock refuses it, naming the run that holds it; that run
        # ending does not hand the folder over mid-show (a take would appear from a run the performer forgot).
        try:
            lock = FolderLock(self._lock_key, "this node reads nothing from it in this run (start it again once that "
                              "run stopped)")
        except FolderInUse as error:
            self.watching = "nothing (another run watches the folder)"
            self.report_status(watching=self.watching)  # the editor's node said nothing of what it watches
            if at_start:  # a start that failed: told on the node, and `exsampling run` ends with status 3, not 0
                raise
            self.report_error(str(error))
            return False
        with _GUARD:
            if self._stopping:
                lock.close()
                return False
            self._folder_lock = lock
        try:
            self._begin()
        except BaseException:  # tried again (run_thread) with the lock taken again, or told as the start's failure
            with _GUARD:
                self._let_go()
            raise
        return True

    def _begin(self) -> None:
        self._globs = [p.strip().lower() for p in self.patterns.split(",") if p.strip()]
        # A phone's recording this build cannot read (Voice Memos' .m4a in a synced folder) was passed over without
        # a word: it is found too, and told once as unreadable, with what to convert it to.
        self._globs += [g for g in PHONE_PATTERNS if g not in self._globs]
        # path -> (stamp, when first seen with it): a file without a close event is read once quiet long enough.
        self._since: dict[Path, tuple[Stamp, float]] = {}
        # path -> the stamp last read (or there at start) and the number of the close it was read after (None:
        # no close heard of): read again once changed, or gone and back; unwritten since that close, a new
        # stamp is only new times.
        self._done: dict[Path, tuple[Stamp, int | None]] = {}
        self._takes_read = 0
        self._short_told = False  # the node's warning names a file read short (cleared by the next one read)
        # path -> its stamp when close events were lost (the queue overflowed), not read as it is: its write or close
        # may be among those lost, so the quiet time reads it, open for writing or not, until it changes again.
        self._doubt: dict[Path, Stamp] = {}
        self._overflows = 0
        self._overflow_told = -float("inf")
        self._closes: CloseWatch | None = None
        self._listing = FolderListing(self._root, self.recursive, self._wanted)
        self._todo: list[Path] | None = None  # the files each scan looks at (None: all, at the first scan)
        self._turn = 0  # where the files read are looked at again, RECHECKED_PER_SCAN a scan
        self._at_start = self._scan()
        # path -> a stamp it could not be read with, not closed as it is: read again once changed, or unchanged
        # for UNFINISHED_WAIT (then told unreadable).
        self._unsure: dict[Path, Stamp] = {}
        self._arrived: set[Path] = set()  # arrived while stopped (a phone's sync in a break): told so once read
        # path -> its stamp and its take's id, for a file whose take the last run passed on and never ended (killed,
        # or stopped before Live answered its load): read again, its take says "recovered", as a recorder's does
        self._redone: dict[Path, tuple[Stamp, str | None]] = {}
        self._journal = self._open_journal(self._at_start)
        if close_events_available():
            try:
                self._closes = CloseWatch(self._root, self.recursive, self._wanted, self._wake, self.report_error)
            except Exception as error:  # out of inotify watches or instances: the quiet time does
                self.report_error(f"no close events ({error}): files are read after {self.settle_time:g} s quiet")
        self.watching = "close events" if self._closes else "quiet time"
        # The folder as resolved (a patch's relative folder is its own folder's): the stage console names it, where a
        # performer drops the takes; "folder: ../takes/inbox" in the patch did not say where that is.
        self.report_status(watching=self.watching, folder=str(self._root), left_alone=self._left_alone,
                           taken_before=self._taken_before, journal=str(self._lock_key))

    _closes: CloseWatch | None = None
    #: Scans that ended with every file there read as it is (or left alone): none is read until one changes. What a
    #: wait for "nothing more comes" waits on (two of them begun after it), not a guessed time (tests, diagnostics).
    idle_scans = 0
    _left_alone = 0  # files there before the node's first start on the folder, not read (no include_existing)
    _journal: FolderJournal | None = None
    _folder_lock: FolderLock | None = None
    _lock_key: Path | None = None
    _stopping = False  # set by stop(): the watch thread lets go of the folder as it ends
    _watch_ended = True  # the watch thread is not in _run (not started, or ended)
    _released: threading.Event | None = None  # set once the folder is let go, where stop() left that to the thread

    def _run(self, before: threading.Event | None = None) -> None:
        """The watch thread: first, where ``before`` is given, waits for the node an edit rebuilt to let go of the
        folder, and takes it; lets go of it as it ends, once the node is stopped (not before: a rebuilt node would
        read the file this thread still reads, and both pass it on)."""
        with _GUARD:
            if self._stopping:
                return
            self._watch_ended = False
        try:
            if self._folder_lock is None:
                while before is not None and not before.wait(0.1):
                    if self.stop_event.is_set():
                        return
                if self.stop_event.is_set() or not self._take_folder():
                    return
            self._watch()
        finally:
            if before is not None and self._closes is not None and self.stop_event.is_set():
                self._closes.stop()  # maybe opened here after stop() stopped none: not left watching
            with _GUARD:
                self._watch_ended = True
                if self._stopping:
                    self._let_go()

    def _let_go(self) -> None:
        """Release the folder's lock (under ``_GUARD``), and tell a node waiting for it."""
        if self._folder_lock is not None:
            self._folder_lock.close()
            self._folder_lock = None
        released = self._released
        if released is not None:
            released.set()
            if self._lock_key is not None and _LETTING_GO.get(self._lock_key) is released:
                del _LETTING_GO[self._lock_key]

    def stop(self) -> None:
        self.stop_event.set()
        wake = getattr(self, "_wake", None)  # None where start() failed early
        if wake is not None:
            wake.set()  # out of the wait between scans now
        if self._closes is not None:
            self._closes.stop()
        super().stop()  # waits STOP_JOIN_SECONDS for the watch thread: a big file, or a dead share, takes longer
        with _GUARD:
            self._stopping = True
            if self._watch_ended:
                self._let_go()
            elif self._folder_lock is not None and self._lock_key is not None:
                # Let go by the thread as it ends (after a read stuck on a dead share: not before): meanwhile the node
                # an edit rebuilds waits for it, rather than reading the file this one still reads, or nothing.
                self._released = threading.Event()
                _LETTING_GO[self._lock_key] = self._released

    def _wanted(self, name: str) -> bool:
        return not name.startswith(".") and any(fnmatch.fnmatch(name.lower(), g) for g in self._globs)

    def _scan(self) -> dict[Path, Stamp]:
        """Every wanted file and its stamp (the scan at start, and after close events were lost)."""
        self._listing.list(full=True)  # kinds read anew: events lost may hide a file made a folder
        return self._stamps(self._listing.paths)

    def _stamps(self, paths: Iterable[Path]) -> dict[Path, Stamp]:
        found = {}
        for path in paths:
            stamp = file_stamp(path)
            if stamp is not None:
                found[path] = stamp
            else:  # gone since the listing: put back later, it is a new recording
                self._done.pop(path, None)
        return found

    def _look(self, full: bool) -> dict[Path, Stamp]:
        """The stamps of the files to look at in this scan: those not read as they are (new, arriving, changed), those
        close events were heard of, and :data:`RECHECKED_PER_SCAN` of those read, in turn (a file exported again over
        one read, on a share whose writer is on another machine, makes no event here); every file where ``full``.
        Looking at every file read, at every scan, cost CPU in proportion to the takes the folder kept."""
        heard = self._closes.take_changed() if self._closes else set()  # before the stamps: heard later, next scan
        if full or self._todo is None:
            current = self._scan()
            for gone in self._done.keys() - current.keys():  # a file put back later is a new recording
                del self._done[gone]
            if self._closes is not None:
                self._closes.forget_gone(self._listing.present)
            return current
        look = dict.fromkeys(self._todo)
        listing = self._listing
        if listing.list():  # names came or went (rarely): the new ones looked at, those gone forgotten
            look.update((path, None) for path in listing.paths if path not in self._done)
            for gone in self._done.keys() - listing.present:
                del self._done[gone]
            if self._closes is not None:  # what close events told of files gone (a sub-folder moved away)
                self._closes.forget_gone(listing.present)
        look.update((path, None) for path in heard if path in listing.present)
        paths = listing.paths
        if paths:
            turn = self._turn % len(paths)
            look.update((path, None) for path in paths[turn:turn + RECHECKED_PER_SCAN])
            self._turn = turn + RECHECKED_PER_SCAN
        return self._stamps(look)

    def _watch(self) -> None:
        while not self.stop_event.is_set():
            if self._closes is not None and not self._closes.alive():
                self.report_error(f"close events stopped: files are read after {self.settle_time:g} s quiet")
                self._closes = None
                self.watching = "quiet time"
                self.report_status(watching=self.watching)
            # Overflows counted before the scan: it sees the files as the events dropped until then left them.
            overflows = self._closes.overflows() if self._closes else self._overflows
            current = self._look(full=overflows != self._overflows)
            # While watchdog holds the events behind a move out, a file touched meanwhile (its IN_ATTRIB held) looked
            # changed and unclosed: a settle_time under the hold read it again, as a new take of the same sound. Read
            # before the snapshot: a hold over by then has its events in it.
            held = self._closes.held_until() if self._closes else -float("inf")
            closed, writing, touched = self._closes.snapshot(current) if self._closes else ({}, set(), {})
            quiet = max(self.settle_time, self._closes.hold_floor) if self._closes else self.settle_time
            now = time.monotonic()
            if overflows != self._overflows:
                self._overflows = overflows
                self._doubt = {path: stamp for path, stamp in current.items() if not self._read_as(path, stamp)}
                if now - self._overflow_told >= 60.0:
                    self._overflow_told = now
                    self.report_error(f"close events lost (the system's event queue overflowed): files changed "
                                      f"until now are read after {self.settle_time:g} s quiet")
            # Read in the order written: once a file waits for its quiet time, those dated after it and seen no earlier
            # wait for it. A file moved into a sub-folder made meanwhile, before watchdog watched it, has no close
            # event; one moved in after it, into a folder watched all along, had its close heard and was read first.
            # Only those seen since: older-dated files arriving without close events (a card copied with its dates,
            # a share) would hold a new take until their stream stops, not at most settle_time.
            waiting = float("inf")  # when the watcher first saw the earliest-seen file waiting in this scan
            for path in sorted(current, key=lambda p: (current[p][1], p.name)):
                if self.stop_event.is_set():
                    break  # stopped (a live edit): the node that replaces it reads the rest
                stamp = current[path]
                done = self._done.get(path)
                if done is not None and done[0] == stamp:
                    continue
                close = closed.get(path)
                doubt = self._doubt.get(path) == stamp  # as when events were lost: its own may be among them
                if (done is not None and close is not None and done[1] == close[1] and touched.get(path) == stamp
                        and not doubt):
                    self._done[path] = (stamp, close[1])  # not written since it was read: new times, same sound
                    continue
                seen = self._since.get(path)
                if seen is None or seen[0] != stamp:
                    self._since[path] = seen = (stamp, now)
                if stamp[0] == 0 or (path in writing and not doubt):
                    continue  # empty yet, or open for writing (written since its last close): wait for the close
                if (close is None or close[0] != stamp) and (now - seen[1] < quiet or now < held):
                    waiting = min(waiting, seen[1])
                    continue  # not closed as it is now (no event heard of it): once unchanged for settle_time
                if seen[1] >= waiting:
                    continue  # dated after, seen after one that waits for its quiet time (at most settle_time, a hold)
                short = unfinished(path, stamp[0]) or unfinished_mp3(path, stamp[0])
                waited = now - seen[1] >= UNFINISHED_WAIT or self._old_at_start(path, stamp)
                if short and not waited:
                    continue  # still arriving, quiet or closed (a copy that stalls, one appended in pieces)
                # Not closed as it is and arriving now (not there so at start), or arrived while stopped (a copy
                # going on across a restart after a crash): one that cannot be read may be a copy stalled longer
                # than settle_time (half a FLAC or an OGG, on a network share), not a damaged file. Not told
                # unreadable until unchanged for UNFINISHED_WAIT, nor read again until it changes.
                hold = ((close is None or close[0] != stamp)
                        and (self._at_start.get(path) != stamp or path in self._arrived) and not waited)
                if hold and self._unsure.get(path) == stamp:
                    continue
                self._emit_file(path, stamp, close[1] if close else None, short, hold)
            # Looked at again next scan: those not read as they are now (the others, in turn, or once heard of).
            self._todo = [path for path, stamp in current.items() if not self._read_as(path, stamp)]
            self._since = {p: seen for p, seen in self._since.items() if p in current}
            self._unsure = {p: s for p, s in self._unsure.items() if current.get(p) == s}
            if self._doubt:  # out of doubt once changed (its events heard) or read
                self._doubt = {p: s for p, s in self._doubt.items() if current.get(p) == s and not self._read_as(p, s)}
            if not self._todo:
                self.idle_scans += 1
            self._wake.wait(self.poll_interval)
            self._wake.clear()

    def _old_at_start(self, path: Path, stamp: Stamp) -> bool:
        """Whether ``path``, there at start as it is, was last written UNFINISHED_WAIT or more before that start, as
        the folder's own clock tells (its time beside the journal's, written then): no copy under way, but one that
        arrived while the patch was stopped, an hour ago. Not as this machine's clock tells: a share's may lag it, and
        a copy under way there would look old."""
        written = self._folder_clock
        return (written is not None and self._at_start.get(path) == stamp
                and written - stamp[1] >= UNFINISHED_WAIT * 1e9)

    def _read_as(self, path: Path, stamp: Stamp) -> bool:
        done = self._done.get(path)
        return done is not None and done[0] == stamp

    def _arrival(self, path: Path, stamp: Stamp) -> dict[str, bool]:
        """The status field that tells a file read as it was at start as arrived while the patch was stopped
        (the console's line for its take says so), once."""
        if path not in self._arrived:
            return {}
        self._arrived.discard(path)
        return {"arrived_while_stopped": True} if self._at_start.get(path) == stamp else {}

    def _emit_file(self, path: Path, stamp: Stamp, close_number: int | None, short: str = "",
                   hold: bool = False) -> None:
        try:
            take: Take = read_take(path, source=self.node_id)
        except Exception as error:
            if self.stop_event.is_set():
                return  # stopped while it read: the node an edit rebuilt reads it once this one let go
            if file_stamp(path) != stamp:
                return  # changed while read: not finished after all; read once it is
            if hold:
                self._unsure[path] = stamp
                return
            self._done[path] = (stamp, close_number)
            file_name = self._file_name(path)
            # Told as its take's end alone (the console's one line for it, the show log, the summary's count): as
            # the node's error too, the console said it twice, and the node, which reads on, stood in an error no
            # file could end.
            if self._journal is not None:  # told now: not at every start
                self._journal_write(self._journal.done, (file_name, stamp))
            # Its end, as any take's (the console's line per take, the show log), though it never flowed: under an
            # id of its own, named by its file as a take read from it would be.
            take_id = default_take_id()
            # Named on the node too (its live line in the editor), or it went on naming the file read before.
            self.report_status(take=take_id, file_name=file_name, last_file=f"{file_name}: unreadable",
                               **self._arrival(path, stamp))
            kind = unreadable_recording(path)
            why = convert_hint(path, kind) if kind else sndfile_why(error)
            self.tell_fate_of(take_id, self.node_id, reason=f"error in {self.node_id}: unreadable: {why}"
                              + (f" ({short})" if short else ""))
            return
        if file_stamp(path) != stamp:
            return  # written again while read: what was read may be half of it
        if self.stop_event.is_set():
            # Stopped while it read (a big file, a live edit): passed on now, it was not passed on, and told so beside
            # the take of the node the edit rebuilt, which reads it once this one let go of the folder.
            return
        self._done[path] = (stamp, close_number)
        self._takes_read += 1
        # The take's id is the engine's key (unique in the run); the console, the editor (this node's line too:
        # last_file) and OSC name the take by its file relative to the folder (Take.name), which it carries along.
        file_name = self._file_name(path)
        # "recovered": an output that loads takes into Live (ableton_live) asks it to leave a track that holds this
        # file already, as the last run's take may have reached it: not loaded, nor its clip fired, a second time.
        # Under the id it had: a copy for Live of a take processed on its way (normalized) is named by it, and under
        # a new one Live held the last run's copy, not this file, and loaded (and fired) it again. Not where that
        # take is still on its way in this run (a node an edit rebuilt): two takes under one id are one to the runtime.
        redone_stamp, redone_id = self._redone.pop(path, (None, None))
        recovered = {"recovered": True} if redone_stamp == stamp else {}
        if recovered and redone_id and not self.take_in_flight(redone_id):
            take = take.derive(take_id=redone_id)
        # "stored_at": the file is stored and its take, redone after a kill, keeps its id, so that ableton_max logs
        # the take as sent and skips it then, as a recorder's; without it, a kill between the OSC send and the take's
        # end sent it to the original device a second time at the next start.
        take = take.derive(meta={FOLDER_FILE: file_name, "stored_at": time.monotonic(), **recovered})
        if short or self._short_told:  # told once, on the console; on the node's line until the next file
            self._short_told = bool(short)
            self.report_status(warning=short and f"{file_name}: read as it is, unchanged for {UNFINISHED_WAIT:g} s "
                               f"though {short}: a copy cut off, or a recorder that stopped?")
        if self._journal is not None:
            self._journal_write(self._journal.passed_on, take.take_id, (file_name, stamp))
        self.report_status(last_file=file_name, takes=self._takes_read, take=take.take_id,
                           file_name=file_name, duration=round(take.duration, 2), **self._arrival(path, stamp),
                           level=take_level(take), **recovered)
        self.emit("take", take)
        if self._journal is not None and not self.context.tracks_takes:  # no runtime tells this node its end
            self._journal_write(self._journal.ended, take.take_id)

