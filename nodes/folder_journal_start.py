"""The folder source's journal, as its node reads and writes it: at each start, which of the files there need
nothing, are read again (their takes in flight when the last run ended) or arrived while the patch was stopped
(see :mod:`.folder`); then each take's end, written down as done. Methods of
:class:`~exsampling_patch.nodes.folder.FolderSource`, whose start sets what they use."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from exsampling_patch.node import Node
from exsampling_patch.nodes.folder_closes import file_stamp
from exsampling_patch.nodes.folder_journal import Entry, FolderJournal, Record, Stamp, journal_path, write_end


class JournalStart(Node):
    """The folder source's reading of its journal at start, and its writing to it (a base of it, not a node type
    of its own)."""

    abstract = True

    include_existing: bool
    _root: Path
    _done: dict[Path, tuple[Stamp, int | None]]
    _arrived: set[Path]
    _redone: dict[Path, tuple[Stamp, str | None]]
    _left_alone: int
    #: Files there at start whose takes ended in an earlier run, not read again though include_existing is on.
    _taken_before = 0
    #: The folder's clock at start (ns), as the journal's time says it, written then; None where not written.
    _folder_clock: int | None = None

    def _open_journal(self, there: dict[Path, Stamp]) -> FolderJournal | None:
        """Read the journal and mark the files ``there`` at start that need nothing (see the module), keeping
        only their lines in it; None (and a warning) where the folder cannot be written."""
        self._folder_clock = None
        journal = FolderJournal(journal_path(self._root, self.node_id), self.context)
        kept: dict[Entry, bool] = {}
        seen: set[Entry] = set()  # left alone at this start: in the journal, so that the next start knows them
        try:
            if journal.loops():  # taken for unreadable, it was kept, and each take then told "journal not written"
                raise OSError(f"{journal.path} is a symbolic link that leads back to itself: remove it")
            with journal.held():  # an end told meanwhile (a take of the node an edit replaced) is not lost
                try:
                    record = journal.load()
                except OSError as error:
                    if journal.holds_lines():  # rewritten, the takes in flight when the last run ended were lost
                        return self._journal_unread(journal, there, error)
                    record = Record()  # a folder in its way: nothing in it to keep (nor can it be rewritten)
                self._sort_out(there, record, kept, seen)
                journal.rewrite(kept, seen, record.takes)
                stamp = file_stamp(journal.path)
                self._folder_clock = stamp[1] if stamp is not None else None
        except OSError as error:
            self.report_status(warning=f"no journal ({error}): a take in flight when the process ends is not read "
                               "again at the next start" + (", and every file there is" if self.include_existing
                                                            else ""))
            if not self.include_existing:  # not written down once read: it would be read again at every start
                self._done.update((path, (there[path], None)) for path in self._arrived)
            self._arrived.clear()
            return None
        return journal

    def _journal_unread(self, journal: FolderJournal, there: dict[Path, Stamp], error: OSError) -> FolderJournal:
        """The journal is there but could not be read: kept as it is (this run's takes written down in it still),
        and the files ``there`` left alone, include_existing or not (those whose takes ended, read again, were
        loaded again): those in flight when the last run ended, or arrived since, are read at the next start that
        reads it."""
        # Not counted as left_alone: the console said they were there before the first start, for include_existing.
        self._done.update((path, (stamp, None)) for path, stamp in there.items())
        files = f"{len(there)} file{'s' * (len(there) != 1)}"
        self.report_status(warning=f"journal {journal.path} could not be read ({error.strerror or error}): kept as "
                           f"it is, and the {files} there now left alone: those in flight when the last run ended, "
                           "or that arrived since, are read at the next start that can read it")
        return journal

    def _sort_out(self, there: dict[Path, Stamp], record: Record, kept: dict[Entry, bool], seen: set[Entry]) -> None:
        """Mark the files ``there`` at start that need nothing, or are read again, as ``record`` has them; ``kept``
        gets the journal's lines to keep, ``seen`` the files left alone."""
        self._taken_before = 0
        for path, stamp in there.items():
            entry = (self._file_name(path), stamp)
            ended = record.ended.get(entry)
            if ended is not None:
                kept[entry] = ended
                # Not read again where its take is still in flight in this run (this node rebuilt by a live edit):
                # it went through the patch twice (loaded twice), told as recovered from the last run.
                if ended or entry in record.in_flight:
                    self._done[path] = (stamp, None)
                    if ended and self.include_existing:  # taking none of them was not said: told at start
                        self._taken_before += 1
                else:
                    self._redone[path] = (stamp, record.takes.get(entry))
            elif entry in record.seen or not record.lists_all:  # there before its first start (or journal)
                if not self.include_existing:
                    seen.add(entry)
                    self._done[path] = (stamp, None)
            else:  # not there at the last start, nor read since: it arrived (or was replaced) while stopped
                self._arrived.add(path)
        self._left_alone = len(seen)

    def take_ended(self, ended: Any) -> None:
        """A take has ended in the patch: its file is written down as done (not before: a kill reads it again). That
        of a take the node this one rebuilt passed on too, in that node's journal (the edit may have changed the
        folder), even before this node's start: it was not, and the next start read that file again."""
        self._journal_write(write_end, self.context, ended.take_id)

    def _journal_write(self, write: Callable[..., None], *args: Any) -> None:
        try:
            write(*args)
        except OSError as error:  # a full disk: the take goes on; only a restart would read it again
            where = f": {error.filename}" if error.filename else ""
            self.report_error(f"journal not written ({error.strerror or error}{where})")

    def _file_name(self, path: Path) -> str:
        return path.relative_to(self._root).as_posix()
