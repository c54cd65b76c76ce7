"""The engine's message flow: how a message gets from a node's output, or from :meth:`MessageFlow.inject`, into
the inboxes of the nodes it goes to, how its take is counted on the way (which take ends when:
:mod:`~exsampling_patch.runtime.ledger`), and how the engine tells that no message is queued or in hand
(:meth:`MessageFlow.idle`).

It lives apart from :mod:`~exsampling_patch.runtime.engine` (which starts and stops the run, and whose workers
take the messages out of the inboxes) so that each of the two stays short enough to read on its own; every
method here is still one of :class:`~exsampling_patch.runtime.engine.Engine`'s.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from exsampling_patch.node import Node
from exsampling_patch.runtime.events import EventBus, MessageHop, TakeEnded
from exsampling_patch.runtime.ledger import TakeLedger, slot_of, take_key, take_of
from exsampling_patch.runtime.parts import ByNode, Cell, Worker
from exsampling_patch.runtime.plan import Plan
from exsampling_patch.runtime.run_gate import RunGate
from exsampling_patch.wording import counted

# The engine's logger, as before these methods left engine.py: logging set up (or a test's caplog) by that name
# still gets the warning of a take that goes nowhere.
log = logging.getLogger("exsampling_patch.runtime.engine")


class MessageFlow:
    """Mixed into the engine, ahead of :class:`~exsampling_patch.runtime.swap.PlanSwap` (whose stand-ins for
    ``_deliver`` and ``_count_off`` it overrides): emitting, injecting and delivering messages, and ending takes."""

    _plan: Plan | None
    _cells: dict[str, Cell]
    _ready: queue.SimpleQueue[Any]
    _local: threading.local  # .worker: the Worker state of the worker thread it is read on; .called: see _calling
    ledger: TakeLedger
    events: EventBus
    run_id: int
    _gate: RunGate  # see Engine.__init__
    _stopping: bool  # see Engine.__init__
    _left_why: dict[str, str]  # see Engine.__init__
    _left_plans: ByNode[Plan]  # see Engine.__init__
    _retired: dict[str, Node]  # see Engine.__init__

    if TYPE_CHECKING:  # the engine's: for the type checker only (no stand-in shadows it)
        def _record_error(self, node_id: str, error: BaseException | str, port: str | None = None,
                          details: str = "", during: str = "", of: Node | type[Node] | None = None, *,
                          called_back: bool = False) -> str: ...

    # -- public API -------------------------------------------------------------------------------------------

    def inject(self, node_id: str, port: str, message: Any, source: str = "") -> None:
        """Deliver ``message`` to input ``port`` of ``node_id`` as if a link had carried it.

        ``source`` names who sent it (``"editor"``: a performer's button): the message is then published as a
        :class:`MessageHop` from ``source`` (port ``""``), so observers (the show log) see it as any hop. A take it
        carries is counted and ends as one a source emits (:meth:`_begin`), but no node is told of its end.

        One act of the run gate for the run it finds: a caller held past its lookup while the engine stopped and
        started again counted the take in the new run's ledger, and its node of the ended run, put in the new run's
        queue, handled it there. start() waits for the act now, or the act finds its run ended (KeyError, as one
        between runs: no node runs then)."""
        run = self.run_id
        with self._gate.acting(run):
            self._inject(node_id, port, message, source, run)

    def _inject(self, node_id: str, port: str, message: Any, source: str, run: int) -> None:
        """:meth:`inject`'s act, for ``run``."""
        # Looked up once: an edit may remove the node meanwhile (a button pressed as it goes in); its closed cell
        # then ends the take as any left there. Looked up again, that raised KeyError with the take counted.
        cell = self._cells.get(node_id)
        if cell is None or run != self.run_id:  # the run checked after the lookup: a cell of the next run is no use
            raise KeyError(f"no node '{node_id}' is running")
        if port not in cell.node.inputs:
            raise KeyError(f"node '{node_id}' has no input '{port}'")
        if source and self.events.wants(MessageHop):
            self.events.publish(MessageHop(source, port="", target=node_id, target_port=port, message=message))
        key = take_key(message)
        # Its assignment made by whoever injected it (the target, when unnamed); begun by no source node.
        if key is not None and not self._count_on(key, message, source or node_id, 1):
            self._begin(key, message, source or node_id, "", 1, run)
        self._deliver(cell, port, message, key)

    def idle(self) -> bool:
        """True when no message is queued or being handled."""
        return all(not c.scheduled and not c.inbox for c in list(self._cells.values()))

    def wait_idle(self, timeout: float = 5.0, settle: float = 0.0) -> bool:
        """Wait until :meth:`idle` (and stays so for ``settle`` seconds); returns False on time-out. It looks at
        least once, so an idle engine is idle whatever time is left (a stop that spent its time on the sources)."""
        return self._wait_for(self.idle, timeout, settle)

    @staticmethod
    def _wait_for(idle: Callable[[], bool], timeout: float, settle: float = 0.0) -> bool:
        """:meth:`wait_idle`, with ``idle`` telling when there is nothing more to wait for."""
        deadline = time.monotonic() + timeout
        quiet_since: float | None = None
        while True:
            now = time.monotonic()
            if idle():
                quiet_since = now if quiet_since is None else quiet_since
                if now - quiet_since >= settle:
                    return True
            else:
                quiet_since = None
            if now >= deadline:
                return False
            time.sleep(0.002)

    # -- message flow ------------------------------------------------------------------------------------------

    def _emit(self, node_id: str, port: str, message: Any, run: int | None = None) -> None:
        """``run``: the run of the context that sends it (None: a worker's, its own run then, or the flow's own)."""
        plan = self._plan
        if plan is None:
            return
        key = take_key(message)
        worker: Worker | None = getattr(self._local, "worker", None)
        run = worker.run if run is None and worker is not None else run
        if worker is not None and worker.run != self.run_id:
            # A handler held past its run's stop, the engine started again: the new plan's links from its id led into
            # the new run's nodes. Its take stays in flight in its run, redone at the next start as any stop() meets.
            return
        busy = worker.busy if worker is not None else None
        if worker is not None and busy is not None and busy[0].node_id == node_id:
            worker.emitted = True
        left = worker is not None and node_id not in plan.node_types
        if left:
            # A node an edit removed finishes what was queued for it (or a handler that hung comes back): what it
            # emits follows its links in the plan that ran, to the nodes still here. The edited plan has none from
            # it: what it passed on was lost, a chain's second removed node's whole queue among it. By its node: a
            # later edit of its id notes another handler's plan.
            ran = self._left_plans.get(busy[0]) if busy is not None and busy[0].node_id == node_id else None
            plan = ran if ran is not None else plan
        elif worker is not None and (ran := self._retyped_from(node_id, worker, plan)) is not None:
            plan, left = ran, True
        routes = plan.routes.get((node_id, port), ())
        cells = [(cell, target, target_port) for target, target_port in routes
                 if (cell := self._cells.get(target)) is not None and (not left or target_port in cell.node.inputs)]
        missed = len(routes) - len(cells) if node_id in plan.node_types else 1  # else: added by an edit rolled back
        if left and missed and worker is not None:
            self._emitted_out_of_plan(node_id, port, key, worker, missed)
            if not cells:
                return
        # Counted before any is queued: a fast consumer must not end the take before its other inputs get it.
        if key is not None and not self._count_on(key, message, node_id, len(cells)):
            node_type = plan.node_types.get(node_id)
            if worker is not None or (node_type is not None and node_type.inputs):
                key = None  # a take no source began (a node made it): not tracked
            elif node_type is None:  # the plan routes it nowhere: see _left_plan
                self._left_plan(node_id, key)
                return
            else:  # a source (from its own thread): the take begins
                self._begin(key, message, node_id, node_id, len(cells), run)
        if key is not None and worker is not None and worker.busy is not None and worker.busy[4] == key:
            # The handler's message is not an end of the take (see TakeLedger.finish); emitted on an output linked
            # to nothing, it is no end either: the take went nowhere from here.
            # (its type is in the plan: a handler's node out of it returned above); looked up only where no link goes
            if cells:
                worker.passed_on = True
            elif not getattr(plan.node_types[node_id].outputs.get(port), "report", False):  # a report is no going on
                worker.passed_on = True
                self.ledger.went_nowhere(key, node_id, port)
        trace = self.events.wants(MessageHop)
        for cell, target, target_port in cells:
            if trace:
                self.events.publish(MessageHop(node_id, port=port, target=target, target_port=target_port,
                                               message=message))
            self._deliver(cell, target_port, message, key, (node_id, port))

    def _retyped_from(self, node_id: str, worker: Worker, now: Plan) -> Plan | None:
        """The plan ``worker``'s handler of ``node_id`` ran in, where an edit has since made that node another type
        (its handler hung, the new node built beside it, :meth:`PlanSwap._replace`; or the edit is still under way,
        the edited routes in effect and the node not rebuilt yet), or removed it and a later edit added one of that
        id back (its handler hung through both); else None. ``now``: the plan :meth:`_emit` read, the entry read
        after it (the swap notes it before it switches the plan: read before, a worker paused between the two reads
        took the edited plan for the one that ran). Its output is the old node's: routed by the node's id in the
        edited plan, it went along the new node's links of that name, or nowhere (the take 'went nowhere: x.out is
        linked to nothing', though x.out was linked as it reached x)."""
        if worker.busy is None:
            return None
        node, cell = worker.busy[0], self._cells.get(node_id)
        ran = self._left_plans.get(node)  # set for such a node by the swap (and for one removed)
        if ran is None:
            return None
        built = getattr(node, "built_type", type(node))
        # The node that runs, of the type the plan has: its own handler. By type alone, a node removed while its
        # handler hung and added back as it was (undoing the delete) took the old handler for the new node's, and
        # what it passed on went by the re-added node's links. By the cell alone, an old node still in its cell
        # between the edited routes taking effect and its rebuild went by the new type's links.
        if node.node_id != node_id or (cell is not None and cell.node is node and now.node_types.get(node_id) is built):
            return None
        return ran if ran.node_types.get(node_id) is built else None

    def _count_on(self, key: str, message: Any, sender: str, count: int) -> bool:
        """``count`` more messages of take ``key`` are queued, ``sender``'s assignment (if ``message`` is one)
        noted; False, with nothing counted or noted, where the take is not in flight."""
        slot = slot_of(message)
        if slot is not None:  # first: sent to no input (count 0), the take may end with its other messages meanwhile
            self.ledger.note(key, sender, "slot", f"slot {slot}", slot=slot)
        return self.ledger.add(key, count)

    def _begin(self, key: str, message: Any, sender: str, source: str, count: int, run: int | None = None) -> None:
        """Take ``key`` begins with ``message``, sent by ``sender`` to ``count`` inputs (``source``: the node told of
        its end; '' for an injected one). Emitted or injected alike: a take that begins with its assignment (OSC's
        /slot, the editor's) ends in its slot. ``run``: as :meth:`_ended`'s (an observer of its end at once, sent to
        no input, that starts the engine again on this thread: the new run's source of its id was told it)."""
        ended = self.ledger.begin(key, getattr(take_of(message), "source", ""), source, count)
        if ended is not None:
            self._ended(ended, run)
            return
        slot = slot_of(message)
        if slot is not None:  # not in flight until now, so not noted by _count_on
            self.ledger.note(key, sender, "slot", f"slot {slot}", slot=slot)

    def _emitted_out_of_plan(self, node_id: str, port: str, take_id: str | None, worker: Worker, copies: int) -> None:
        """The handler of a node an edit took out emitted ``copies`` copies of a message that go nowhere: the nodes
        its old links lead to left too (or, a node of an edit rolled back, the plan put back has none from it). A
        take's copies are dropped with the node (counted as reached, it ended 'done (node)' though it reached
        nothing, and its source wrote it down as done); a plain message's are told, as they were not."""
        why = self._left_why.get(node_id, "removed by an edit")
        if take_id is None:
            log.warning("node %s (%s) sent %s on output '%s' that went nowhere: no node it was linked to "
                        "is still in the patch", node_id, why, counted(copies, "message"), port)
            return
        self.ledger.lost(take_id, node_id, f"dropped with node {node_id}: {why}")
        if worker.busy is not None and worker.busy[4] == take_id:
            worker.passed_on = True  # not an end the take reached: see TakeLedger.finish

    def _left_plan(self, node_id: str, take_id: str) -> None:
        """A node the plan no longer has (an edit removed it, not retired yet; or added it and was rolled back, its
        threads winding down) emitted a take from its own thread: it goes nowhere, is not tracked, and is not ended.
        Ended ('done' or 'dropped'), its source would write it down as done (the web recorder's and the microphone's
        journal) and never pass it on again; it stored the take before it emitted it, so the next start does."""
        log.warning("take %s from node %s, which an edit took out of the patch, goes nowhere now; its source, if it "
                    "stores its takes, passes it on again at the next start", take_id, node_id)

    def _deliver(self, cell: Cell, port: str, message: Any, key: str | None = None,
                 sender: tuple[str, str] | None = None) -> None:
        with cell.lock:
            closed = cell.closed
            if cell.diverts is not None and sender is not None:  # its node left the plan: see Cell.diverts
                closed = cell.diverts.get((sender, port), closed)
            if closed is None:
                cell.inbox.append((port, message, key, sender))
                if cell.scheduled or not cell.started:
                    return
                cell.scheduled = True
        if closed is not None:  # its node left the plan after this sender read it: see Cell.closed
            closed((port, message, key, sender))
            return
        worker: Worker | None = getattr(self._local, "worker", None)
        if worker is not None:
            with worker.lock:
                if not worker.hung:
                    worker.pending.append(cell)  # this worker takes it up next: no hand-off between threads
                    return
        self._ready.put(cell)

    def _count_off(self, key: str, node_id: str, reached: bool = False, run: int | None = None) -> None:
        """A message of take ``key`` is done with at ``node_id`` (``reached``: its handler passed nothing of the take
        on): the take ends with its last one. ``run``: as :meth:`_ended`'s (the handler's worker's run)."""
        ended = self.ledger.finish(key, node_id, reached)
        if ended is not None:
            self._ended(ended, run)

    def _handled_off(self, key: str, node_id: str, reached: bool, run: int, ledger: TakeLedger) -> None:
        """A worker of ``run`` is done with a message of take ``key`` at ``node_id``, handled in ``ledger``'s run:
        counted off while that run is the engine's and not stopping, checked and counted as one act of the run gate.
        Checked outside it, a worker held between the two while the engine stopped and started again counted the old
        message off in the new run's ledger, ending the new run's take of the id (a take redone keeps it)."""
        outer = self._gate.inside()
        try:  # entered inside it: see RunGate.enter
            if not outer:
                self._gate.enter(run)
            if not self._stopping and run == self.run_id and ledger is self.ledger:
                self._count_off(key, node_id, reached, run)
        finally:
            if not outer:
                self._gate.leave()

    @contextlib.contextmanager
    def _edit_act(self, run: int, ledger: TakeLedger) -> Iterator[bool]:
        """One act of the run gate for ``run``, an edit's, whose ``ledger`` it was, around what that edit left to run
        later on a sender's thread (a removed node's closed queue, a diversion, a roll-back's hand-back); yields whether
        that run is still the engine's. What it counts off then goes with its run: with none, the take's end, told on
        once an observer had started the engine again on this thread, went to the new run's source of its id."""
        outer = self._gate.inside()
        try:  # entered inside it: see RunGate.enter
            if not outer:
                self._gate.enter(run)
            yield run == self.run_id and ledger is self.ledger
        finally:
            if not outer:
                self._gate.leave()

    def _ended(self, ended: TakeEnded, run: int | None = None) -> None:
        """A take has ended: tell observers, then the source that emitted it (it may now write it down as done). In
        this order, a kill between the two has the source pass the take on again at the next start, told "recovered"
        (its end told twice); the other way round, the take was done with its end never told (the console, the show
        log).

        ``run``: the run of the node's context that tells it (None: the flow's own). An observer may stop and start
        the engine on this very thread, which the run gate does not wait for (it is this act's): the source is looked
        up, then the run checked, so a source of the new run (put in after its run began) is never told the old end."""
        log.debug("take %s ended at %s: %s", ended.take_id, ended.node_id, ended.reason)
        self.ledger.first_end(ended.take_id)  # noted for a loop sending it again past its node's stop
        # Noted on a worker's state while told (out of its handler): a stop() that met it there said all had finished,
        # and the next start() was refused for this very act (see stop_workers).
        worker: Worker | None = getattr(self._local, "worker", None)
        before = worker.telling if worker is not None else None
        try:
            if worker is not None:
                worker.telling = (ended.take_id, None)
            self.events.publish(ended)
            cell = self._cells.get(ended.source)
            node = cell.node if cell is not None else self._retired.get(ended.source)  # one an edit removed
            if node is None or (run is not None and run != self.run_id):
                return
            if worker is not None:
                worker.telling = (ended.take_id, node)
            self._tell_source(node, ended)
        finally:
            if worker is not None:
                worker.telling = before

    @contextlib.contextmanager
    def _calling(self, node: Node) -> Iterator[None]:
        """``node``'s code is called on this thread (a worker's, whatever handler it runs): what it tells there is
        ``node``'s (see EngineContext.report_error). By the worker's busy handler, a rebuilt x's own report_error on
        its old handler's worker was taken for that old handler's and dropped."""
        before = getattr(self._local, "called", None)
        self._local.called = node
        try:
            yield
        finally:
            self._local.called = before

    def _tell_source(self, node: Node, ended: TakeEnded) -> None:
        """The source's ``take_ended``; what it raises is told on it."""
        try:
            with self._calling(node):
                node.take_ended(ended)
        except KeyboardInterrupt:  # no node's failure
            raise
        except BaseException as error:  # a plugin's sys.exit() too: told on the node, as one out of its stop()
            # Let through, it ended the worker thread it ran on, or an edit's drops of the takes after this one (a
            # removed node's, a rolled-back edit's hand-back), leaving those in flight. Told as ``node``'s: by the id,
            # one rebuilt beside it while this ran on its own hung handler's worker had its error stand on the new node.
            self._record_error(ended.source, error, details=traceback.format_exc(), during="take_ended", of=node,
                               called_back=True)

    def _loaded_after_all(self, take_id: str, node_id: str, run: int | None = None) -> None:
        """Output ``node_id`` loaded a take after all, past its end that said not loaded: the nodes that show takes'
        ends (a web recorder's phone list, ``take_loaded_after_all``) are told; its end is not told again. ``run``:
        as :meth:`_ended`'s (a status's observer that started the engine again on this thread)."""
        by, cells = self._cells.get(node_id), list(self._cells.values())
        if run is not None and run != self.run_id:  # read first: cells of a run begun since never come through
            return
        kind = by.node.type_name if by is not None else ""
        for cell in cells:
            node = cell.node  # read once: an edit rebuilding it meanwhile would have its failure told as the new one's
            tell = getattr(node, "take_loaded_after_all", None)
            if not callable(tell):
                continue
            try:
                with self._calling(node):
                    tell(take_id, node_id, kind)
            except KeyboardInterrupt:
                raise
            except BaseException as error:  # on the output's thread: told on the node it came from
                self._record_error(node.node_id, error, details=traceback.format_exc(),
                                   during="take_loaded_after_all", of=node, called_back=True)
