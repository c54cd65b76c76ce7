"""Installing a plan in the engine: what a start, and a live edit (``Engine.update``), do to the nodes and to the
takes queued at them.

A swap from the plan that runs to an edited one (:meth:`PlanSwap._install`, one at a time, under the swap lock):

1. *Swap in* (:meth:`PlanSwap._swap_in`): the added nodes are built (one whose constructor raises is stood in for
   by :class:`~exsampling_patch.runtime.parts.Failed`, which bypasses what it gets); the removed nodes are told
   they leave (``Node.leaving``: what they emit then still goes where they were linked); what is on its way through
   a removed node whose sender the edit links on elsewhere goes there instead (:mod:`~.divert`); the new plan's
   routes take effect (emits follow them from then on); the added nodes are prepared; then the added and the
   changed nodes start, consumers first, so that the first messages find their targets ready. A changed node is
   stopped and rebuilt with its queued messages kept.
2. *Retire* (:meth:`PlanSwap._retire`): a removed node has :attr:`PlanSwap.retire_wait` to empty its queue (what
   it passes on follows its old links; none while its handler is hung: its queue cannot move), then takes up no
   further message and is stopped; each take left in its
   queue is told 'dropped with node X: removed by an edit', and how many other messages were.
3. :class:`~exsampling_patch.runtime.events.PlanSwapped` is published.

An :class:`Exception` out of a node's method is reported on the node and the swap goes on. Anything else (a
plugin's ``sys.exit()``) is reported on the node too, named in ``Engine.failed_call``, and raised to the caller of
start() or update(). Out of step 1 of an edit, it first *rolls the edit back* (:mod:`~.rollback`): the
added nodes are stopped and dropped, what was queued for them is *handed back* to the nodes the plan that ran
routes it to (a take only the edit's nodes had is told 'dropped with node X: the edit that added it was not
swapped in'), and the changed nodes restarted so far are restarted as they were, as are the removed nodes told
they leave that do something then (a pattern's scheduler ended). Out of a removed node's
``stop()`` in step 2, it rolls nothing back: the new plan runs, the other removed nodes are still retired, and it
is raised after step 3.

Each wait for the message a node has in hand (the node stopped, rebuilt or dropped) ends once its handler counts
as hung (:meth:`PlanSwap._hold_runs`); that take ends once the handler comes back. What a removed node's handler
passes on, its queue's or a hung one's, follows its links in the plan that ran to the nodes still here; what goes
nowhere (they left too) is told, a take's copy dropped with the node. A sender that read the plan before a node
left it, and delivers to it afterwards, meets its closed cell: the take goes where the queued ones went.

Once the engine's stop() has begun, the swap calls no further node and waits on nothing: it ends at its next step,
and the nodes it holds are stopped once, by it or by stop() (:mod:`~exsampling_patch.runtime.stopping`).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
import traceback
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from exsampling_patch.collector import collector_paused
from exsampling_patch.node import Node, NodeContext
from exsampling_patch.runtime.divert import Diverts
from exsampling_patch.runtime.events import STOP_NEWS_KEYS, NodeStarted, PlanSwapped
from exsampling_patch.runtime.ledger import TakeLedger
from exsampling_patch.runtime.parts import ByNode, Cell, Entry, Failed, built_whole, error_text
from exsampling_patch.runtime.path_errors import with_folder_param
from exsampling_patch.runtime.plan import Plan
from exsampling_patch.runtime.recovery import Sign
from exsampling_patch.runtime.rollback import RollBack
from exsampling_patch.runtime.stopping import Halted, NodeStops

log = logging.getLogger(__name__)


class PlanSwap(RollBack, Diverts, NodeStops):
    """Mixed into the engine: installing a plan, and building, starting, restarting and stopping its nodes."""

    _plan: Plan | None
    _cells: dict[str, Cell]
    _context: NodeContext
    _ready: queue.SimpleQueue[Any]
    _swap_lock: threading.Lock
    _marking: threading.Lock  # see Engine.__init__
    _replacing: Node | None  # see ErrorKeeping
    _abort: threading.Event
    _local: threading.local  # .calling: see _node_call
    errors: dict[str, str]
    error_counts: dict[str, int]
    failed_call: tuple[str, str] | None
    ledger: TakeLedger
    _left_why: dict[str, str]  # see Engine.__init__
    _left_plans: ByNode[Plan]  # see Engine.__init__
    _retired: dict[str, Node]  # see Engine.__init__
    status: dict[str, dict[str, Any]]  # see Engine.__init__
    _status_lock: threading.Lock
    #: Seconds a node an edit removes has to empty its queue (update() waits for it, holding the swap): what is
    #: left then is dropped with the node, each take told so. The message in hand then is waited for until its
    #: handler counts as hung (its node's ``hang_after``; see :meth:`_hold_runs`); one hung is not waited for.
    retire_wait: float = 2.0

    if TYPE_CHECKING:  # the engine's (flow.py): declared for the type checker only, so that no stand-in that
        # raises can shadow the real method whatever the order of Engine's bases
        def _deliver(self, cell: Cell, port: str, message: Any, key: str | None = None,
                     sender: tuple[str, str] | None = None) -> None: ...

        def _count_off(self, key: str, node_id: str, reached: bool = False, run: int | None = None) -> None: ...

        def _recovered(self, node_id: str, sign: Sign, errors_before: int = -1, opened: Sequence[str] = (),
                       began: int | None = None) -> bool: ...

        def _mark_removed(self, node_id: str) -> None: ...  # see ErrorKeeping

        def _stamp(self, node: Node) -> None: ...

        def _forget_removed(self, node_id: str) -> None: ...

        def _cell_hung(self, cell: Cell) -> bool: ...  # see HangWatch

        def _handler_hung(self, node: Node) -> bool: ...

        def _note_hung_plans(self, node_id: str, plan: Plan) -> None: ...

    # -- the swap's steps ------------------------------------------------------------------------------------

    def _install(self, plan: Plan) -> bool:
        """Swap to ``plan``, the first one (start()) or an edited one (update()): see the module's docstring. False
        where stop() came first or cut the swap short: ``plan`` does not run, and the engine runs none."""
        escaped: BaseException | None = None
        with self._swap_lock:
            if not self._begin_swap():  # stop() came first
                return False
            self._local.calling = self.failed_call = None
            old, restarted = self._plan, dict[str, Node]()
            try:
                try:
                    added, removed = self._swap_in(plan, restarted)
                except Halted:
                    raise
                except BaseException as error:
                    self._report_escape(error)
                    if old is not None:
                        with contextlib.suppress(Halted):  # what it had not put back yet is stopped as the swap ends
                            self._roll_back(old, plan, restarted)
                    raise
                # The new plan runs from here on, whatever a removed node's stop() does: no roll-back.
                try:
                    self._retire(removed)
                except Halted:
                    raise
                except BaseException as error:
                    escaped = error
            except Halted:  # stop() has begun: see stopping
                self._local.calling = None
            finally:
                halted = self._swap_ended()
        if halted:
            return False
        with self._status_lock:  # theirs, told before or by their stops in _retire: not the final stop's news
            for node_id in removed:
                if node_id in self.status:  # a new dict, never one changed in place: status_snapshot reads unlocked
                    self.status[node_id] = {k: v for k, v in self.status[node_id].items() if k not in STOP_NEWS_KEYS}
        self.events.publish(PlanSwapped("", version=plan.version, added=tuple(added), removed=tuple(removed)))
        if escaped is not None:
            raise escaped
        return True

    def _swap_in(self, plan: Plan, restarted: dict[str, Node]) -> tuple[list[str], list[str]]:
        """Build, prepare and start the added nodes and restart the changed ones, each noted in ``restarted`` with
        the node that ran as its restart begins (for :meth:`_roll_back`), as is each removed node whose type has a
        :meth:`Node.leaving` of its own, before it is told it leaves; returns the added nodes and the removed ones,
        still to be retired. After :meth:`abort_start` during a start, its nodes not started yet are left
        unstarted; an edit's are all started."""
        old = self._plan
        added, changed, removed = [], [], []
        for node_id in plan.order:
            if old is None or node_id not in old.node_types:
                added.append(node_id)
            elif old.node_types[node_id] is not plan.node_types[node_id] or dict(
                old.params[node_id]
            ) != dict(plan.params[node_id]):
                changed.append(node_id)
        if old is not None:
            removed = [n for n in old.order if n not in plan.node_types]

        with collector_paused():  # building every node makes many objects and no garbage
            for node_id in added:
                # One of an id an edit added before and was rolled back (one it removed left the book then): that
                # node's errors go with it, as a rebuilt node's do, its hung handler's failed message among them, which,
                # still being finished by the id, held back the new node's recovery.
                self._recovered(node_id, "rebuilt")
                self._build_into(node_id, plan)
        for node_id in removed:
            self._left_why[node_id] = "removed by an edit"
            cell = self._cells.get(node_id)
            if old is not None and cell is not None:  # what its handler still emits follows these links (_emit)
                self._left_plans[cell.node] = old
            if old is not None:
                self._note_hung_plans(node_id, old)
            if cell is not None and type(cell.node).leaving is not Node.leaving:
                # Told it leaves, it may have ended its work (a pattern's scheduler): a roll-back rebuilds it, as a
                # changed node. Left running, it was silent for the rest of the show. One that keeps Node's no-op
                # was not touched, and runs on as it was.
                restarted[node_id] = cell.node
            self._tell_leaving(node_id)
        for node_id in changed:
            if old is not None and old.node_types[node_id] is not plan.node_types[node_id]:
                # Its handler is the old type's: what it passes on follows its old links, from the switch below on
                # (set only at its rebuild, what it passed on meanwhile went by the new type's links: nowhere)
                self._left_plans[self._cells[node_id].node] = old
                self._note_hung_plans(node_id, old)
                self._left_why[node_id] = "made another type by an edit"
        with self._divert(old, plan, removed) if old is not None else contextlib.nullcontext():
            self._plan = plan  # from here on, emits follow the new routes
        # Sets, not the lists: a membership test per node in a list of them made the start quadratic.
        added_set, changed_set = set(added), set(changed)
        # An aborted start's flag stays set until the next start: an edit meanwhile started none of its nodes.
        aborted = self._abort.is_set if old is None else lambda: False
        for node_id in reversed(plan.order):
            if node_id in added_set and not aborted():
                self._prepare(node_id, self._cells[node_id].node)
        # Consumers start before producers, so the first messages find their targets ready.
        for node_id in reversed(plan.order):
            if aborted():
                break
            if node_id in added_set:
                self._start_cell(node_id)
            elif node_id in changed_set:
                restarted[node_id] = self._cells[node_id].node
                self._replace(node_id, plan)
                if old is not None and old.node_types[node_id] is not plan.node_types[node_id]:
                    self._old_handler_done(restarted[node_id])
        return added, removed

    def _old_handler_done(self, node: Node) -> None:
        """Let go of the plan ``node``'s old handler ran in (``_left_plans``), once the swap has waited for that
        handler: unless it hung, it is over, and nothing more follows those links. Kept until the next start, one
        whole plan per node an edit removed or retyped piled up through a show of edits. A hung one lets go of it as
        it comes back (:meth:`HangWatch._back_in_run`)."""
        if not self._handler_hung(node):
            self._left_plans.pop(node)

    def _retire(self, node_ids: Iterable[str]) -> None:
        """Stop the removed nodes, each after :attr:`retire_wait` at most for its queue, then the message in hand
        unless its handler is hung (:meth:`_hold_runs`); what is left is told dropped (:meth:`_close_retired`). What
        escapes one's stop() is reported on it and raised once all are retired (one left out of the cells of no plan
        would never be stopped)."""
        escaped: BaseException | None = None
        for node_id in node_ids:
            cell = self._cells.get(node_id)
            if cell is None:
                continue
            self._halt_point()
            # Not again for one whose queue the edit waited for its whole retire_wait already (see Diverts._divert),
            # nor while its handler is hung: its queue moves only once that returns (one worker per node at a time).
            deadline = time.monotonic() + (0.0 if node_id in self._out_of_time else self.retire_wait)
            while (cell.inbox or cell.scheduled) and not self._cell_hung(cell) and time.monotonic() < deadline:
                self._halt_point()
                time.sleep(0.001)
            try:
                self._stop_leaving(node_id, cell)
            except Halted:  # its takes stay in flight, as stop() leaves them: redone at the next start
                raise
            except BaseException as error:  # told on the node by _stop_node
                escaped = escaped or error
            # A source's takes still in flight end later: it is told then, as it ran, so that it writes them down as
            # done. Not told, it passed each on again at the next start, though the performer had heard its end. Kept
            # until the next start: let go once none is in flight, an end on another worker could miss it.
            if not cell.node.inputs:  # a source (see Plan.sources): only those begin takes
                self._retired[node_id] = cell.node
            self._mark_removed(node_id)  # before the del: told from then on, its error is the old node's
            del self._cells[node_id]
            self._forget_removed(node_id)
            self._old_handler_done(cell.node)  # after the del: one back from a hang before it finds its node here
            self._close_retired(node_id, cell)
        if escaped is not None:
            raise escaped

    # -- a node's steps ----------------------------------------------------------------------------------------

    def _build(self, node_id: str, plan: Plan) -> Node:
        # Until its start() returns: what its stop() then meets half made (or not made at all) is noise.
        self._never_started.add(node_id)
        with self._calling_now(node_id, "__init__"):  # a constructor that hangs is named as a start() that hangs
            return built_whole(plan.node_types[node_id](node_id, plan.params[node_id], self._context))

    def _build_into(self, node_id: str, plan: Plan, cell: Cell | None = None) -> None:
        """Build ``node_id`` as ``plan`` has it into ``cell`` (None: a new cell). One whose constructor raises is
        stood in for by :class:`Failed`, and reported once it is in the cell: the report finds there the type
        whose code raised."""
        with self._node_call(node_id, "__init__", plan.node_types[node_id]):
            failure: Exception | None = None
            try:
                node = self._build(node_id, plan)
            except Exception as error:
                node, failure = Failed(node_id, plan.node_types[node_id], self._context, error), error
            self._stamp(node)
            self._noted(node_id, node)
            if cell is None:
                self._cells[node_id] = Cell(node)
            else:
                cell.node = node
            if failure is not None:
                self._record_error(node_id, failure, during="__init__")

    def _tell_leaving(self, node_id: str) -> None:
        """Tell a removed node it leaves (:meth:`Node.leaving`) while its links stand: what it emits then still
        reaches them. Its Exception is reported on it, and the edit goes on."""
        cell = self._cells.get(node_id)
        if cell is None:
            return
        with self._node_call(node_id, "leaving", cell.node):
            try:
                with self._calling_now(node_id, "leaving"):
                    cell.node.leaving()
            except Exception as error:
                self._record_error(node_id, error, during="leaving")

    def _prepare(self, node_id: str, node: Node) -> None:
        with self._node_call(node_id, "prepare", node):
            try:
                with self._calling_now(node_id, "prepare"):
                    node.prepare()
            except Exception as error:  # start() runs anyway: it may still work, or say more
                self._record_error(node_id, error, during="prepare")

    def _start_cell(self, node_id: str) -> None:
        """Start ``node_id``'s node, then let its cell take up messages (those queued meanwhile included)."""
        cell = self._cells[node_id]
        with self._node_call(node_id, "start", cell.node):
            try:
                with self._calling_now(node_id, "start"):
                    cell.node.start()
            except Exception as error:
                self._record_error(node_id, with_folder_param(cell.node, error), during="start")
            else:
                self._never_started.discard(node_id)
                if not isinstance(cell.node, Failed):  # a stand-in "starts" only to bypass: the node never did
                    self.events.publish(NodeStarted(node_id, type(cell.node).type_name))
        self._let_run(cell)

    def _let_run(self, cell: Cell) -> None:
        """Let ``cell`` take up messages again, those queued meanwhile included."""
        with cell.lock:
            cell.started = True
            reschedule = bool(cell.inbox) and not cell.scheduled
            if reschedule:
                cell.scheduled = True
        if reschedule:
            self._ready.put(cell)

    def _replace(self, node_id: str, plan: Plan) -> None:
        """Rebuild ``node_id`` as ``plan`` has it, its queued messages kept, after the message in hand unless its
        handler is hung (:meth:`_hold_runs`); one of the same type takes over what the old one hands over."""
        cell = self._cells[node_id]
        with self._hold_runs(cell):
            with cell.lock:
                cell.started = False
            old = cell.node
            self._stop_node(node_id, old, rebuilt=True)
            self._replacing = old  # until the new one is in the cell: its handler's failure is its own (_old_node)
            try:
                self._recovered(node_id, "rebuilt")  # the old node's error; the new one's own are recorded from here on
                self._build_into(node_id, plan, cell)
            finally:
                self._replacing = None
            if type(cell.node) is type(old) and not self._handler_hung(old):  # a hung handler may still change it
                self._hand_over(node_id, old, cell.node)
            self._prepare(node_id, cell.node)
        self._start_cell(node_id)

    def _stop_leaving(self, node_id: str, cell: Cell) -> None:
        """Stop a node that leaves the plan (removed, or added by an edit rolled back): it takes up no further
        message, and is stopped after the one in hand unless its handler is hung (:meth:`_hold_runs`)."""
        with cell.lock:
            cell.started = False
        with self._hold_runs(cell):
            self._stop_node(node_id, cell.node)

    @contextlib.contextmanager
    def _hold_runs(self, cell: Cell) -> Iterator[None]:
        """Wait for the message ``cell``'s node handles now, if any, then hold the cell's ``run_lock`` for the block;
        not once the handler in this cell counts as hung (:meth:`HangWatch._cell_hung`): it is left to its worker, as
        the watchdog leaves it, while the block stops (or rebuilds) the node beside it; its take stays in flight until
        it comes back. Waited for without a bound, a handler that never returned held the swap lock, and the
        editor's update() with it. One not hung is waited for: stopped beside it, it would fail on what stop()
        closed. Not by the id's :attr:`hung`: a removed x's hung handler had a re-added x's busy one stopped beside."""
        while not cell.run_lock.acquire(timeout=0.01):
            if self._cell_hung(cell):
                # Once the watchdog's whole act of the mark is done: gone on at the mark, the edit cleared x's errors
                # and built its successor before the watchdog recorded "hung", told then on the new x. The act holds
                # no lock of the swap's, nor waits on one, nor calls a node (see HangWatch._back_from_hang).
                with self._marking:
                    pass
                yield
                return
            self._halt_point()
        try:
            yield
        finally:
            cell.run_lock.release()

    def _close(self, cell: Cell, fate: Callable[[Entry], None]) -> None:
        """Empty the inbox of a cell whose node left the plan, giving each entry to ``fate``, and each that a
        sender that read the plan before delivers to it from now on (:attr:`Cell.closed`): left in the inbox, a
        take among them stayed in flight until the next start. Set under the cell's lock, which a delivery takes
        anyway: no further lock on the path messages take."""
        with cell.lock:
            entries = list(cell.inbox)
            cell.inbox.clear()
            cell.closed = fate
        for entry in entries:
            fate(entry)

    # -- what escapes a node's call ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _node_call(self, node_id: str, call: str, of: Node | type[Node]) -> Iterator[None]:
        """Note which node's ``call`` this thread is in, its error handling included, and the node (the type, for a
        constructor) whose code runs: unlike :attr:`_starting`, an exception escaping it leaves the note set, for
        :meth:`_report_escape` to name the node and where its code raised. Per thread: stop() may stop nodes while a
        start goes on (Ctrl+C during ``exsampling run``'s start-up)."""
        self._local.calling, self._local.of = (node_id, call), of
        yield
        self._local.calling = self._local.of = None

    def _report_escape(self, error: BaseException) -> None:
        """An exception escaped a node's call (a plugin's ``sys.exit()``; an error whose text cannot be made): it
        reaches the caller of start() or update() with the engine's note of the node gone (one out of a node's stop()
        during the engine's stop() goes no further), so the node is named here, in :attr:`failed_call` (the first
        since the last start() or update() began) and a :class:`NodeError` on it, where its code raised included (as
        :meth:`_record_error` tells any node's error). Ctrl+C is no node's failure."""
        calling, self._local.calling = getattr(self._local, "calling", None), None
        of, self._local.of = getattr(self._local, "of", None), None
        if calling is None or isinstance(error, KeyboardInterrupt):
            return
        node_id, call = calling
        if self.failed_call is None:  # the first: a roll-back's own failures are not what undid the edit
            self.failed_call = calling
        self._record_error(node_id, error, details=traceback.format_exc(), during=call, of=of)

    @contextlib.contextmanager
    def _putting_back(self, node_id: str) -> Iterator[None]:
        """A step of :meth:`_roll_back` for ``node_id``: what escapes it (but :class:`Halted`) is told on the node it
        escaped from, as one out of its stop() was already, and logged; the rest goes on, and the caller is told
        what escaped the swap, still named in :attr:`failed_call`. Only logged, a restart that quit left the node
        that ran showing no error, taken for back as it ran while it took up no message."""
        try:
            yield
        except Halted:
            raise
        except BaseException as error:
            undid = self.failed_call
            self._report_escape(error)  # nothing more where its stop() told it already
            self.failed_call = undid
            log.warning("rolling back a failed swap, node %s: %s", node_id, error_text(error))
