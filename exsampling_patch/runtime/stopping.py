"""Stopping the engine's nodes, each once, also when stop() comes while a swap (a start, or a live edit) runs.

A swap may take long: a node's ``start()`` loading a model, an edit waiting on a slow handler (up to its node's
``hang_after``). stop() does not wait for it (Ctrl+C must stop the show promptly), and the two meet under
:attr:`NodeStops._halt_lock`:

- stop() marks the engine halted. From then on the swap calls no node's constructor, ``prepare()`` or ``start()``
  and waits on no queue or handler: at its next step it raises :class:`Halted` and ends there (no roll-back, no
  further retiring, no :class:`~exsampling_patch.runtime.events.PlanSwapped`).
- stop() stops every node but the one whose call the swap has in hand.
- Whichever of the two ends last stops what is left (:meth:`NodeStops._stop_left`): the node that was in hand, one
  the swap built or took out of the plan meanwhile; then the engine drops its nodes.

Every node built is noted in :attr:`NodeStops._live` until its ``stop()`` is called, which claims it
(:meth:`NodeStops._stop_node`). Before, a stop() during an edit cleared the nodes under the edit: a removed node it
was retiring, or one it started afterwards, was never stopped and held its ports and devices.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from exsampling_patch.node import Node
from exsampling_patch.runtime.events import EventBus, NodeStopped
from exsampling_patch.runtime.parts import Cell, Worker, running_at, thread_stacks
from exsampling_patch.runtime.plan import Plan

log = logging.getLogger(__name__)


class Halted(BaseException):  # not an Exception: no handler of a node's errors may take it for one
    """Raised in a swap at its next step once stop() has begun: the swap ends there, what it holds left to stop."""


#: Put on the ready queue once for each worker by :func:`stop_workers`: the worker that takes it ends.
STOP_WORKER = object()


def stop_workers(workers: list[threading.Thread], states: list[Worker], ready: queue.SimpleQueue[Any],
                 deadline: float) -> list[tuple[str, str, str, str]]:
    """Tell each worker to end and wait for them until ``deadline`` (each one 0.05 s at least); what they still do
    then, as ``Engine.unfinished`` holds it (node id, input, where in its code, the take's id or ''):

    - a handler still running: its node and input;
    - a worker still telling a take's end, out of any handler (``busy`` cleared before it counts its message off): to
      its source, whose ``take_ended`` has not returned (the source's id, input '', the line of its code), or to the
      run's observers (id and input ''). Counted as none before, stop() said all had finished while that act went
      on, and the next start() was refused for it ("a thread of the last run is still telling the engine").

    Each worker's state is read once, all at the deadline, and the list is all there is: built after the joins
    from threads seen alive before, a handler that ended in between left the run saying "some work did not finish
    in time" and naming no handler. A worker alive but in neither is between two messages, which meet stopped nodes
    (its takes stay in flight, redone at the next start): nothing of its own is left."""
    for _ in workers:
        ready.put(STOP_WORKER)
    for thread in workers:
        thread.join(max(0.05, deadline - time.monotonic()))
    alive = {thread.ident for thread in workers if thread.is_alive()}
    now = [(state, state.busy, state.telling) for state in states]
    # One dump of every thread for all their places, only where some place is told: a dump for each worker held the
    # GIL 3.5-21 ms each time (parts.thread_stacks), in a stop that Ctrl+C waits on.
    placed = any(busy is not None or (telling is not None and telling[1] is not None and state.thread_id in alive)
                 for state, busy, telling in now)
    stacks = thread_stacks() if placed else {}
    left = []
    for state, busy, telling in now:
        if busy is not None:
            left.append((busy[0].node_id, busy[1], running_at(state.thread_id, busy[0], stacks), busy[4] or ""))
        elif telling is not None and state.thread_id in alive:
            take_id, source = telling
            where = running_at(state.thread_id, source, stacks) if source is not None else ""
            left.append((source.node_id if source is not None else "", "", where, take_id))
    return left


class NodeStops:
    """Mixed into the engine: stopping its nodes, each once, beside a swap that runs (see the module's docstring)."""

    _plan: Plan | None
    _cells: dict[str, Cell]
    _starting: tuple[str, str] | None
    _never_started: set[str]
    _handing_on: bool  # the diversion's (Diverts): an edit hands on a removed node's queue
    events: EventBus

    if TYPE_CHECKING:  # the engine's and the swap's: for the type checker only (no stand-in shadows them)
        def _record_error(self, node_id: str, error: BaseException | str, port: str | None = None,
                          details: str = "", during: str = "", of: Node | type[Node] | None = None) -> str: ...

        def _report_escape(self, error: BaseException) -> None: ...

        def _node_call(self, node_id: str, call: str,
                       of: Node | type[Node]) -> contextlib.AbstractContextManager[None]: ...

    def _reset_stops(self) -> None:
        """Ready for a start: nothing built, not halted."""
        self._halt_lock = threading.Lock()
        self._halted = False  # stop() has begun: a swap calls no further node
        self._swapping = False  # a swap runs (under the swap lock)
        self._stopped = False  # stop() has stopped what it could: the swap, ending after it, stops the rest
        #: Each node built and not stopped yet, by id(): one the swap holds outside the cells is stopped too.
        self._live: dict[int, tuple[str, Node]] = {}
        #: The node whose stop() runs now, and the thread it runs on: ``exsampling run`` names one that hangs.
        self._stopping_now: tuple[str, Node, int] | None = None

    def _settled(self) -> bool:
        """Whether stop() has no message left to wait for: the engine's ``idle()``, but for what is queued at a node
        that takes up none and that no swap will start (stop() has begun: a swap starts no node but the one whose
        constructor, prepare() or start() it has in hand). Waited for, those (an edit's added node behind one whose
        start() loads a model) held stop() for its whole timeout, and it said some work had not finished: they stay
        in flight as any take stop() meets, and are redone at the next start. Not while an edit hands on a removed
        node's queue (:attr:`_handing_on`, a few ms once stop() has begun): what it has taken out of that queue is in
        none, and the node it holds takes none up. Settled then, stop() stopped the nodes and said all had finished,
        and the takes it handed on after that met stopped nodes: left in flight, redone at the next start."""
        if self._handing_on:
            return False
        now = self._starting  # read once: the swap's thread clears it
        starting = now[0] if now is not None else None
        return all(not cell.scheduled and (not cell.inbox or (not cell.started and node_id != starting))
                   for node_id, cell in list(self._cells.items()))

    def _noted(self, node_id: str, node: Node) -> None:
        """Note a node just built: it is stopped once, by whoever comes to it first."""
        with self._halt_lock:
            self._live[id(node)] = (node_id, node)

    @contextlib.contextmanager
    def _calling_now(self, node_id: str, call: str) -> Iterator[None]:
        """Note that a swap calls ``node_id``'s constructor, ``prepare()`` or ``start()`` (:attr:`_starting`: stop()
        leaves that node be, ``exsampling run`` names one that takes long), unless stop() has begun: then
        :class:`Halted`. One test under the lock: a call begun after stop() passed the node was never stopped.
        Cleared however the call ends: left set by a sys.exit(), stop() left that node be, with the threads and ports
        its start() had opened."""
        with self._halt_lock:
            if self._halted:
                raise Halted
            self._starting = (node_id, call)
        try:
            yield
        finally:
            self._starting = None

    def _halt_point(self) -> None:
        """A swap's step that may wait (a queue to empty, a handler to return): it ends here once stop() began."""
        if self._halted:
            raise Halted

    def _begin_swap(self) -> bool:
        """Called with the swap lock held: False once stop() has begun (the swap then does nothing)."""
        with self._halt_lock:
            self._swapping = not self._halted
            return self._swapping

    def _swap_ended(self) -> bool:
        """The swap's end: stops what is left if stop() has ended meanwhile; returns whether stop() has begun."""
        with self._halt_lock:
            self._swapping = False
            halted, last = self._halted, self._stopped
        if last:
            self._stop_left()
        return halted

    def _halt(self) -> bool:
        """stop()'s first step: False where another stop() has begun already."""
        with self._halt_lock:
            if self._halted:
                return False
            self._halted = True
            return True

    def _halt_ended(self) -> None:
        """stop()'s last step: stops what is left, unless a swap runs still (it does so as it ends)."""
        with self._halt_lock:
            self._stopped = True
            swapping = self._swapping
        if not swapping:
            self._stop_left()

    def _stop_left(self) -> None:
        """Stop each node built and not stopped yet (no swap runs, nor does stop()), then drop all of them."""
        self._stop_each(self._live_nodes(), but_starting=False)
        self._cells.clear()
        self._plan = None

    def _stop_nodes(self, node_ids: Iterable[str]) -> None:
        """Stop these nodes (the engine's stop()), in this order."""
        self._stop_each([(n, cell.node) for n in node_ids if (cell := self._cells.get(n)) is not None])

    def _stop_rest(self) -> None:
        """Stop each node built and not stopped yet but the one a swap calls now: one a swap took out of the plan
        and is retiring, or added and is rolling back."""
        self._stop_each(self._live_nodes())

    def _live_nodes(self) -> list[tuple[str, Node]]:
        with self._halt_lock:
            return list(self._live.values())

    def _stop_each(self, nodes: Iterable[tuple[str, Node]], but_starting: bool = True) -> None:
        """Stop each of ``nodes`` (id, node), but, with ``but_starting``, the one still in its constructor,
        prepare() or start() (Ctrl+C then), which is left be: see :meth:`_stop_left`. What escapes one's stop() (a
        plugin's sys.exit()) is told on it by :meth:`_stop_node` and goes no further: it ended the engine's stop()
        there, the nodes after it and the workers left running, and reached the caller (the editor's Stop closed
        the editor)."""
        for node_id, node in nodes:
            starting = self._starting if but_starting else None
            if starting is None or node_id != starting[0]:
                with contextlib.suppress(Exception, SystemExit):
                    self._stop_node(node_id, node)

    def _stop_node(self, node_id: str, node: Node, rebuilt: bool = False) -> None:
        """Call ``node.stop()`` unless it was called already: an Exception is reported on the node (logged only for
        one that never started); what else escapes is reported too (:meth:`_report_escape`), then raised on.
        :class:`NodeStopped` in any case (``rebuilt``: a live edit builds it anew)."""
        with self._halt_lock:
            if self._live.pop(id(node), None) is None:  # stopped already: a second stop() met what it closed
                return
        try:
            with self._node_call(node_id, "stop", node):
                self._stopping_now = (node_id, node, threading.get_ident())
                try:
                    node.stop()
                except Exception as error:
                    if node_id in self._never_started:  # it met what a start() that failed left half made: noise
                        log.debug("node %s, which never started, failed to stop: %s", node_id, error)
                    else:
                        self._record_error(node_id, error, during="stop", of=node)
                except BaseException as error:  # a plugin's sys.exit(): told on the node here, then raised on
                    self._report_escape(error)
                    raise
                finally:
                    self._stopping_now = None
                    # A stop() that forgot super().stop() (or raised first) left the run_thread loops going: a node
                    # replaced by a live edit went on emitting beside its successor.
                    node.stop_event.set()
                    node._runtime_stopped = True  # a loop going on sends nothing beside the node's successor
                    _tell_loops_going_on(node)
        finally:
            # Also when a sys.exit() escaped its stop(): its threads are told to end all the same, and observers
            # that were never told took it for running.
            self._never_started.discard(node_id)
            self.events.publish(NodeStopped(node_id, rebuilt=rebuilt))

    def _hand_over(self, node_id: str, old: Node, new: Node) -> None:
        """A live edit rebuilt ``node_id``: give what the stopped ``old`` hands over (:meth:`Node.handover`) to
        ``new``, of its type, before its start (:meth:`Node.take_over`). An Exception is reported on the node whose
        call raised, and the edit goes on (the new node with nothing taken over)."""
        with self._node_call(node_id, "handover", old):
            try:
                handed = old.handover()
            except Exception as error:
                self._record_error(node_id, error, during="handover", of=old)
                return
        if handed is None:
            return
        with self._node_call(node_id, "take_over", new):
            try:
                new.take_over(handed)
            except Exception as error:
                self._record_error(node_id, error, during="take_over", of=new)


def _tell_loops_going_on(node: Node) -> None:
    """Warn on ``node`` of a loop of its :meth:`~Node.run_thread` still running once it stopped (not looking at
    ``stop_event``, or busy past the wait of its stop), with the line of its code the loop is on: what it sends from
    now on goes nowhere; a built-in node's, with no line of a plugin's code to show, in a performer's words. Before,
    the only word was a log line at its first send after the stop: a run that ended then said nothing, its stop
    waiting 2 s while the loop sent on."""
    # Read now, not at import: the wait told is the one Node.stop() just used, which reads the module's value then
    # (tests shorten it with monkeypatch.setattr; a name bound at import kept the 2 s).
    from exsampling_patch.node import STOP_JOIN_SECONDS

    going = [thread for thread in getattr(node, "_threads", ()) if thread.is_alive()]
    until = time.monotonic() + 0.1  # a loop the stop_event set just now wakes (a stop() without super().stop())
    for thread in going:
        thread.join(timeout=max(0.0, until - time.monotonic()))
    going = [thread for thread in going if thread.is_alive()]
    if not going:
        return
    where = running_at(going[0].ident, node)
    if not where:
        # A built-in node's (a folder source on a share that does not answer), or one with no line of its type's code
        # on it (run_thread(server.serve_forever)): a thread and stop_event are no performer's words, and the log
        # line at its first send (if it sends) was all that was said. Which node, and what follows, is.
        node.report_status(warning=f"did not stop in time: still busy {STOP_JOIN_SECONDS:g} s after it was told to "
                                   "stop (waiting on a device, a file or a share that does not answer?); what it sends "
                                   "from now on goes nowhere")
        return
    node.report_status(warning=f"its loop on thread {going[0].name} was still running when the node stopped (busy "
                               f"past the {STOP_JOIN_SECONDS:g} s its stop waits, or not looking at self.stop_event): "
                               f"what it sends from now on goes nowhere (at {where})")
