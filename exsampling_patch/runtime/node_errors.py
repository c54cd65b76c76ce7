"""The errors the engine keeps of its nodes: each one told (:meth:`ErrorKeeping._record_error`), ended by the rule
of :mod:`~exsampling_patch.runtime.recovery` (:meth:`ErrorKeeping._recovered`), and read whole by an observer that
joins late (:meth:`ErrorKeeping.error_state`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from exsampling_patch.node import Node
from exsampling_patch.runtime.events import EventBus, NodeError, NodeErrorCounted, NodeRecovered, NodeStillInError
from exsampling_patch.runtime.parts import error_text, raised_at
from exsampling_patch.runtime.recovery import ErrorBook, ErrorState, Sign

if TYPE_CHECKING:
    from exsampling_patch.runtime.parts import Cell, Worker

log = logging.getLogger(__name__)


class ErrorKeeping:
    """Mixed into the engine: its nodes' errors, kept under one book (see :meth:`_init_errors` for the fields)."""

    events: EventBus
    errors: dict[str, str]
    error_counts: dict[str, int]
    _counted_before: dict[str, int]
    _removals: dict[str, int]
    _builds: dict[str, int]
    _handler_errors: dict[str, int]
    _error_book: ErrorBook
    _cells: dict[str, Cell]
    _local: threading.local
    run_id: int
    #: The node a live edit rebuilds now, from the clear of its id's errors until its successor is in its cell
    #: (PlanSwap._replace): a failure of its handler meanwhile is its own. By the cell's node alone, still this one
    #: then, it was told as its id's, after the clear, and stood on the successor.
    _replacing: Node | None = None

    def _init_errors(self) -> None:
        """The engine's fields of its nodes' errors, as it is made."""
        self.errors = {}
        self.error_counts = {}
        # Of those, each id's count as an edit last removed its node (and the errors that node told after): none of an
        # id added back, whose badge counts from there (error_state)
        self._counted_before = {}
        # Of those, the errors of handling a message (a port's): what tells a handler that failed (see _recovered)
        self._handler_errors = {}
        # Each of errors as published (what ends it depends on it), under a lock: a device thread's error must not be
        # lost to a worker's recovery.
        self._error_book = ErrorBook()
        # How many times an edit removed each id (_mark_removed): never reset, a node built in any run is stamped with
        # its id's count then (Node._runtime_removals), and an ended run's node is told apart by its run anyway
        self._removals = {}
        # How many nodes of each id the engine built (_stamp): never reset, as _removals
        self._builds = {}

    def _reset_errors(self) -> None:
        """Forget the last run's errors at a start: engine.errors named a node the new run has not, and one of its ids
        started in the error it had then. Emptied in place under the book's lock, where a thread of the last run (a
        hung handler, a device's) may still tell one; the book's ticks go on, so that a handler of the last run that
        returns late takes no error of this run for one told before it began."""
        with self._error_book.lock:
            self._error_book.reset()
            self._handler_errors.clear()
            self.errors.clear()
            self.error_counts.clear()
            self._counted_before.clear()

    def _recovered(self, node_id: str, sign: Sign, errors_before: int = -1, opened: Sequence[str] = (),
                   began: int | None = None) -> bool:
        """Forget ``node_id``'s current error (its count stays) if ``sign`` ends it (:func:`.recovery.clears_error`):
        a handler of it has just returned (``handled``; ``errors_before``: the node's count of errors of handling a
        message as it began, -1 when it raised: one raised, told by the handler, or a hung one's told meanwhile,
        stands; an error another thread told meanwhile has no port, and stands by its own end, or is told later and
        stands past ``began``, the handler's tick from ``ErrorBook.began``), it reported its
        device or port opened after its start (``opened``, the status keys it opened, each ending only the errors
        about it; not while a message it failed on is being finished), or a live edit rebuilds it (``rebuilt``).
        Whether it did: a node in two errors is back only once both ended (one ended: :class:`NodeStillInError`
        tells the one that stands). The one decider: observers follow its :class:`NodeRecovered` (published under the
        book's lock, as each NodeError is, so that they see the two in the book's order), and one that joins late
        reads :meth:`error_state`."""
        book = self._error_book
        if node_id not in self.errors and node_id not in book.finishing:
            return False  # the usual case, without the lock
        with book.lock:
            # Not by the node's count of all errors: a device thread's told meanwhile kept an earlier message's error
            # from ending, which stood as the node's error again once the device's ended.
            failed = sign == "handled" and self._handler_errors.get(node_id, 0) != errors_before
            ended = book.ends(node_id, sign, failed, opened, began)
            if not ended:
                return False
            if (standing := book.current(node_id)) is not None:
                # One of its errors ended: the one it is still in is told, else the editor's badge kept the text of
                # the one that ended.
                self.errors[node_id] = standing.error
                if self.events.wants(NodeStillInError):
                    self.events.publish(NodeStillInError(node_id, how=sign, error=standing,
                                                         ended=tuple(error.error for error in ended)))
                return False
            del self.errors[node_id]
            if self.events.wants(NodeRecovered):
                self.events.publish(NodeRecovered(node_id, how=sign))
        return True

    def _mark_removed(self, node_id: str) -> None:
        """A live edit takes ``node_id``'s node out of the patch (removed, or added by an edit rolled back): that node,
        and every older one of the id (rebuilt before, a hung handler or a loop of theirs still running), is removed
        (:meth:`_removed`). Marked on the last node alone, an older one's late error stood on the removed id, and on an
        x added back after."""
        with self._error_book.lock:  # see _record_error: whose an error is, is looked at under it
            self._removals[node_id] = self._removals.get(node_id, 0) + 1

    def _removed(self, node: Node) -> bool:
        """Whether an edit removed ``node``'s id since it was built (:meth:`_mark_removed`)."""
        return node._runtime_removals < self._removals.get(node.node_id, 0)

    def _stamp(self, node: Node) -> None:
        """Stamp ``node``, just built, with its id's counts of removals and builds (:meth:`_not_its_ids`)."""
        with self._error_book.lock:  # see _mark_removed
            node._runtime_removals = self._removals.get(node.node_id, 0)
            node._runtime_builds = self._builds[node.node_id] = self._builds.get(node.node_id, 0) + 1

    def _not_its_ids(self, node: Node) -> bool:
        """Whether ``node`` is no longer its id's node: an edit is rebuilding it, built another in its place, or
        removed it (:meth:`_removed`). By its stamps, not the cells: the patch's stop empties them, and an x rebuilt
        before told its status and errors on the id again."""
        return node is self._replacing or self._removed(node) or \
            node._runtime_builds < self._builds.get(node.node_id, 0)

    def _forget_removed(self, node_id: str) -> None:
        """A live edit removed ``node_id``'s node (out of its cell, stopped): its errors leave the running patch's book,
        its hung handler's failed message among them, with no event (observers drop the node on the edit's
        PlanSwapped). Kept, they stood in :attr:`errors` and :meth:`error_state` (an editor attaching then showed the
        id in error) until an edit added the id back or the engine started again. The console told each as it came,
        and the id's count keeps them for the end-of-show summary, not for :meth:`error_state`: the editor drops the
        node's count with it, and an id added back is a new node, its badge counting from none."""
        with self._error_book.lock:
            self._error_book.ends(node_id, "rebuilt")
            self.errors.pop(node_id, None)
            self._counted_before[node_id] = self.error_counts.get(node_id, 0)

    def _handler_back(self, cell: Cell, node: Node, errors_before: int, began: int) -> None:
        """A handler of ``node`` in ``cell`` returned: :meth:`_recovered`'s ``handled``, only where that node is still
        its id's. Not for one its node left beside it, hung (removed, rebuilt, of an ended run): by the id, a removed
        x's return ended the finishing of a re-added x's failed message, whose device opening then ended that error."""
        if self._in_its_cell(node, cell):
            self._recovered(node.node_id, "handled", errors_before, began=began)

    def _in_its_cell(self, node: Node, cell: Cell | None) -> bool:
        """Whether ``node`` is still its id's node, in ``cell`` (the cell its handler ran in): not removed by an edit,
        nor rebuilt beside its handler."""
        return cell is not None and self._cells.get(node.node_id) is cell and cell.node is node

    def error_state(self, then: Callable[[dict[str, ErrorState]], None] | None = None) -> dict[str, ErrorState]:
        """Each node that has had an error: the one it is in now (None: none any more) and its count (since an edit last
        added its id: not a removed node's, which only :attr:`error_counts` keeps, for the summary); taken whole,
        for an observer that joins late (which follows the engine's NodeRecovered from then on, so needs nothing of
        what ends the error).

        ``then`` is given it before any later error or recovery is published: an observer that subscribed first
        queues it there, after the events it already holds and before those it does not."""
        book = self._error_book
        with book.lock:
            state = {}
            for node_id, count in self.error_counts.items():
                error, told = book.current(node_id), count - self._counted_before.get(node_id, 0)
                if told or error is not None:
                    state[node_id] = ErrorState(error, told)
            if then is not None:
                then(state)
            return state

    def _record_error(self, node_id: str, error: BaseException | str, port: str | None = None,
                      details: str = "", during: str = "", of: Node | type[Node] | None = None,
                      where: str = "", about: str = "", later: bool = False, *,
                      called_back: bool = False, after_stop: bool = False) -> str:
        """Tell ``error`` on ``node_id``: its text, count and :class:`NodeError`, with where the code of ``of`` (by
        default the node in its cell) raised it, unless ``where`` says it. ``later``: see :attr:`NodeError.later`.
        ``called_back``: raised or told by ``of``'s code that the engine called back for another node's news (a source's
        take_ended, an output's take_loaded_after_all), on whatever thread that news came (see :meth:`_old_node`).
        ``after_stop``: told by ``of`` once the engine stopped it (:meth:`Node.report_error`), not in an edit's call."""
        text = error_text(error) if isinstance(error, BaseException) else str(error)
        log.debug("node %s failed: %s", node_id, text)
        given = of
        if of is None and (cell := self._cells.get(node_id)) is not None:
            of = cell.node
        if not where and of is not None and isinstance(error, BaseException):
            where = raised_at(error, of)
        state = getattr(self._local, "worker", None)
        if state is not None and state.run != self.run_id:
            # A handler held past its run's stop, the engine started again: it landed on this run's node of its id
            log.debug("node %s of an earlier run failed: %s", node_id, text)
            return text
        if not later and state is not None and state.busy is not None and state.busy[0].node_id == node_id:
            self._local.erred = node_id  # its handler's, on the message in hand: that take's (see _handle)
        event = NodeError(node_id, error=text, details=details, port=port, where=where, during=during, about=about,
                          later=later and port is not None)
        # Whose it is, looked at under the lock an edit's clear of the id's errors takes: looked at before it, and
        # recorded after it, an old x's failure stood on the new x (see _replacing).
        with self._error_book.lock:  # see error_state
            if (old := self._old_node(node_id, state, given, port, called_back, after_stop)) is not None:
                # A handler whose node an edit removed or rebuilt beside it, hung: its error is that old node's. Told
                # by the id, it stood on a re-added x, "finishing" a message no handler of x would end (_handler_back
                # skips such a return), and the new x's device opening ended nothing. Its take tells it too (see
                # _handle).
                log.warning("node %s, removed or rebuilt by an edit while %s, failed: %s", node_id,
                            "a thread of its own ran on past its stop" if after_stop else "its handler ran", text)
                # Still counted on the id: x failed, whichever x, and the end-of-show summary names it (as its take's
                # "error in x" does); the count outlives an edit's rebuilding.
                self.error_counts[node_id] = self.error_counts.get(node_id, 0) + 1
                if self._removed(old):
                    # Not on the badge: the editor dropped the removed node's count, and counted on the id it showed on
                    # an x added back (see _forget_removed)
                    self._counted_before[node_id] = self._counted_before.get(node_id, 0) + 1
                else:
                    # Published under it, as a NodeError is: an observer that follows the events (the editor's badge)
                    # counted it not, and one copying error_state later read one more.
                    self.events.publish(NodeErrorCounted(node_id, error=text))
                return text
            # Published under it: see _recovered
            self.errors[node_id] = text
            self.error_counts[node_id] = self.error_counts.get(node_id, 0) + 1
            if port is not None and not event.later:  # a handler's: the one running now failed (see _recovered)
                self._handler_errors[node_id] = self._handler_errors.get(node_id, 0) + 1
            self._error_book.told(event)
            self.events.publish(event)
        return text

    def _old_node(self, node_id: str, state: Worker | None, of: Node | type[Node] | None, port: str | None,
                  called_back: bool, after_stop: bool = False) -> Node | None:
        """The old node an error on ``node_id`` is of (None: the id's node's now), no longer its id's (an edit removed
        it, or rebuilt it beside it): raised by ``of``'s code called back for another node's news (``called_back``), or
        on worker ``state`` by its busy handler's node (``of`` that node, or none given and told on a port: the
        handler's own), hung. By the busy handler alone, the new x's own error told there (its take_loaded_after_all,
        called on the old x's take) was dropped as the old x's. Or told by ``of`` after its stop (``after_stop``), where
        an edit removed it, or built another node of its id in its place or is rebuilding it: by the id alone, a loop
        going on past its stop had its error stand on the new x, or on a removed id."""
        if called_back and isinstance(of, Node) and of.node_id == node_id:
            # Its code called back for another node's news (a source's take_ended, an output's take_loaded_after_all:
            # on another node's worker, busy with none of x's, or on an output's own thread, Live's answers), and x
            # rebuilt since, or being rebuilt, or removed (a removed source is still told its takes' ends): by the busy
            # handler alone, it stood on the new x, or on an x added back while it failed. By the thread alone,
            # an old x's failure told on Live's answer thread stood on the new x, or an edit's own call of the old
            # node (its handover to the new one) was taken for a late failure and told on no node. By its stamps, not
            # the cells: once the patch's stop emptied them, the id's only node's was taken for an old x's.
            return of if self._not_its_ids(of) else None
        if after_stop and isinstance(of, Node) and of.node_id == node_id and self._not_its_ids(of):
            return of
        if state is None or (busy := state.busy) is None or busy[0].node_id != node_id:
            return None
        if not (of is busy[0] or (of is None and port is not None)):
            return None
        return busy[0] if busy[0] is self._replacing or not self._in_its_cell(busy[0], state.cell) else None
