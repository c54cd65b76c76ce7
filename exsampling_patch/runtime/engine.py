"""The engine: runs a plan on worker threads, bypasses failing nodes, swaps plans while running.

Each node has a cell: an inbox and a flag saying whether a worker has it scheduled. A node is handled by
one worker at a time, so node code need not be thread-safe. A worker that handles a message continues
with the node it fed (depth first), so a chain of cheap nodes runs without thread hand-offs.

Every take a source emits is counted in the ledger (:mod:`~exsampling_patch.runtime.ledger`) until its last
message is handled, then it ends (:class:`TakeEnded`, and the source's ``take_ended``). How a message gets into
the inboxes (emit, inject, deliver) and when the engine is idle: :mod:`~exsampling_patch.runtime.flow`. How a
live edit (:meth:`Engine.update`) swaps plans, rolls back, and ends the takes at the nodes it removes or drops:
:mod:`~exsampling_patch.runtime.swap`. A hung handler: :mod:`~exsampling_patch.runtime.watchdog`. What a node
calls on the engine (its context): :mod:`~exsampling_patch.runtime.context`. The errors it keeps of its nodes:
:mod:`~exsampling_patch.runtime.node_errors`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import threading
import time
import traceback
from typing import Any

from exsampling_patch.collector import collector_paused
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import HandlerReturned, Node
from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.context import EngineContext
from exsampling_patch.runtime.events import EventBus, NodeTiming
from exsampling_patch.runtime.flow import MessageFlow
from exsampling_patch.runtime.ledger import TakeLedger
from exsampling_patch.runtime.node_errors import ErrorKeeping
from exsampling_patch.runtime.parts import (
    ByNode,
    Cell,
    NotBuilt,
    SwitchInterval,
    Worker,
    hang_limit,
    running_at,
    worker_cpus,
)
from exsampling_patch.runtime.plan import Plan, compile_plan
from exsampling_patch.runtime.run_gate import RunGate
from exsampling_patch.runtime.stopping import STOP_WORKER, stop_workers
from exsampling_patch.runtime.swap import PlanSwap
from exsampling_patch.runtime.watchdog import HangWatch

log = logging.getLogger(__name__)

SWITCH_INTERVAL = 0.0005
"""Seconds a running thread keeps the interpreter lock while another waits for it (Python's default: 0.005).

Workers run nodes side by side, and most of them hand the lock back and forth many times a take (numpy calls,
torch calls). At 5 ms, a waiting node could wait a whole 5 ms each time (figures in docs/performance.md). The
engine sets it while it runs (never raising a lower value) and puts it back at stop."""


class EngineNotReady(RuntimeError):
    """start() or update() called when the engine cannot take it (running already, still stopping, not running):
    the message says which, told without the class's name as the product's own errors are (a RuntimeError, so
    callers catching that still do)."""


# MessageFlow before PlanSwap: its _deliver, _count_off are PlanSwap's stubs
class Engine(ErrorKeeping, MessageFlow, HangWatch, PlanSwap):
    """Runs a patch. ``start(patch)``, then ``update(patch)`` as it is edited, then ``stop()``.

    Relative ``path`` parameters are taken from ``base_dir`` (the patch file's folder; default the current directory);
    ``patch_file``, where known, names the patch to its nodes (:attr:`NodeContext.patch_file`). Observers subscribe to
    :attr:`events`. :attr:`errors` holds the error each node is in now (gone once it recovers: see :meth:`_recovered`),
    :attr:`error_counts` how many it has had in all (its id's, a removed node's too, for the end-of-show summary), and
    :attr:`status` what each node last reported, for the CLI and for observers that join late (read it from another
    thread through :meth:`status_snapshot`; :meth:`error_state` gives them each error as it was published).
    """

    def __init__(
        self,
        registry: Registry,
        workers: int | None = None,
        events: EventBus | None = None,
        base_dir: str | os.PathLike[str] | None = None,
        pin_workers: bool = True,
        switch_interval: float | None = SWITCH_INTERVAL,
        patch_file: str | os.PathLike[str] | None = None,
    ) -> None:
        self.registry = registry
        self.events = events or EventBus()
        self._init_errors()
        self.status: dict[str, dict[str, Any]] = {}
        self._status_lock = threading.Lock()  # held only to merge one report into status, never while publishing
        self._workers_wanted = workers or max(2, os.cpu_count() or 2)
        self._worker_cpus = worker_cpus() if pin_workers else []
        self._switch = SwitchInterval(switch_interval)
        self._plan: Plan | None = None
        self._cells: dict[str, Cell] = {}
        self._ready: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._states: list[Worker] = []  # each worker's state, hung ones included
        self._pool_lock = threading.Lock()
        self._spares = 0  # workers started in place of hung ones, still to leave when those come back
        #: Takes in flight and what became of them: see :mod:`exsampling_patch.runtime.ledger`.
        self.ledger = TakeLedger()
        self.run_id = 0  # starts so far: a node's context.run_id, which a run started again is told apart by
        # A context's acts against start(): one that checked its run and then acted could meet a start() between the
        # two, an old run's node sending into the new run (see run_gate). start() waits for those in hand.
        self._gate = RunGate()
        self.hung: dict[str, float] = {}  # node id -> seconds its handler had run when it was found hung
        self._marking = threading.Lock()  # held by the watchdog through a hung mark's whole act (watchdog.py)
        #: After stop(): each handler still running then, as (node id, input, where in the node's code or '', the id of
        #: the take its message is of or '').
        self.unfinished: list[tuple[str, str, str, str]] = []
        self._local = threading.local()
        self._swap_lock = threading.Lock()
        self._abort = threading.Event()  # abort_start(): the start's nodes not started yet are left unstarted
        #: The node being built, prepared or started now, with the method running (stop() leaves it be).
        self._starting: tuple[str, str] | None = None
        #: The node, and the method of it, out of which an exception first escaped (a plugin's ``sys.exit()``) since
        #: the last :meth:`start` or :meth:`update` began: in that call, or in a node's ``stop()`` during a later
        #: :meth:`stop` (which goes on past it and raises nothing). Its NodeError names it too. None while none has.
        self.failed_call: tuple[str, str] | None = None
        self._never_started: set[str] = set()  # built, start() not returned: their stop() may fail, unreported
        #: Why each node that left the plan went (an edit removed it, or added it and was rolled back): a take its
        #: handler passes on afterwards is told dropped with it so (MessageFlow._emitted_out_of_plan).
        self._left_why: dict[str, str] = {}
        #: The plan that ran as an edit removed each node, or made it another type: what the node's handler (the old
        #: type's, for that one) still emits follows its links there, to the nodes still here (MessageFlow._emit).
        #: By the node that left its cell, not its id: a later edit of that id noted another handler's plan over it.
        self._left_plans: ByNode[Plan] = ByNode()
        #: Sources an edit removed whose takes are still in flight: told of their ends (MessageFlow._ended).
        self._retired: dict[str, Node] = {}
        self._context = EngineContext(self, base_dir, ledger=self.ledger, patch_file=patch_file)
        self._running = False
        self._stopping = False  # stop() is stopping the consumers: what they handle from then on is not done
        self._stop_came = False  # stop() came before start() reset the stop state (compiling, waiting on the gate)
        self._reset_stops()

    # -- public API -------------------------------------------------------------------------------------------

    @property
    def plan(self) -> Plan | None:
        """The plan running; None before :meth:`start` and once :meth:`stop` has begun (no edit goes in then)."""
        return None if self._halted else self._plan

    @property
    def running(self) -> bool:
        return self._running

    @property
    def starting(self) -> str | None:
        """The node being built, prepared or started now, or None (see :attr:`starting_call`)."""
        starting = self._starting
        return starting[0] if starting else None

    @property
    def starting_call(self) -> tuple[str, str] | None:
        """The node being built, prepared or started now and the method of it running (``__init__``, ``prepare``,
        ``start``), or None; read from another thread: ``exsampling run`` names a node whose start takes long. Still
        set after :meth:`stop` has returned while that call goes on: the editor's Stop names the node it waits for."""
        return self._starting

    @property
    def stopping_node(self) -> str | None:
        """The node whose ``stop()`` runs now, or None: :attr:`stopping_call` without where its code is, which costs a
        dump of every thread's frames (:func:`~exsampling_patch.runtime.parts.running_at`), the GIL held."""
        now = self._stopping_now
        return now[0] if now is not None else None

    @property
    def stopping_call(self) -> tuple[str, str] | None:
        """The node whose ``stop()`` runs now and where its own code is (``FILE:LINE in FUNCTION``; '' for a
        built-in), or None; read from another thread: ``exsampling run`` names a node whose stop() hangs."""
        now = self._stopping_now
        return (now[0], running_at(now[2], now[1])) if now is not None else None

    def node(self, node_id: str) -> Node:
        """The live instance of a node (for observers and tests; do not call its handlers); KeyError where
        :meth:`find_node` gives None."""
        node = self.find_node(node_id)
        if node is None:
            raise KeyError(node_id)
        return node

    def find_node(self, node_id: str) -> Node | None:
        """:meth:`node`, or None where no node runs under ``node_id`` (not built yet, removed meanwhile, or
        :meth:`stop` has begun): for an observer on another thread, which cannot check first and then ask. A swap
        that stop() cut short holds its nodes until its call in hand returns (then it stops them): they showed as
        running after stop() had returned."""
        cell = None if self._halted else self._cells.get(node_id)
        return cell.node if cell is not None else None

    def start(self, patch: Patch, checked: bool = False) -> None:
        """Compile ``patch`` and start it; raises :class:`PatchError` (nothing started) if it has problems.

        ``checked=True``: the patch comes straight from :func:`~exsampling_patch.validate.load_patch`.
        """
        if self._running:
            raise EngineNotReady("the engine is already running; use update() to change the patch")
        if self._swap_lock.locked():  # one that stop() came during: it ends at its node's call in hand
            raise EngineNotReady("the engine is still stopping the last run's nodes")
        self._abort.clear()  # an earlier start's abort_start(): before compiling, so that one meanwhile counts
        self._stop_came = False  # an earlier run's stop(); one from now on is this start's
        with collector_paused():  # many objects and no garbage: see collector_paused
            plan = compile_plan(patch, self.registry, version=1, checked=checked)
        self._running = True
        self._switch.shorten()
        # run_id first, then the last run's acts that checked it before are waited out: none lands on what follows
        self.run_id += 1
        if not self._gate.wait_out(self.run_id):
            # Gone on, that act (an observer, a source's take_ended) went on in this run's cells and ledger: an old
            # take's end told to the new run's source. Refused before any state of this run is put in, it finds its own.
            self._not_started("a thread of the last run is still telling the engine (an observer or a node's "
                              "take_ended that has not returned); start again once it has")
        self.ledger = TakeLedger()
        # The nodes of this run (and of its edits) get a context of its own, with this run's ledger: one of the last
        # run's, still telling from a thread of its own, tells into its ended run's, not on this run's node.
        self._context = EngineContext(self, self._context.base_dir, run=self.run_id, ledger=self.ledger,
                                      patch_file=self._context.patch_file)
        # Its own queue: a worker of the last run still in a handler (hung, or past stop()'s wait) never took its stop
        # token, and one of this run's workers took it from a shared queue and left (with workers: 1, none handled).
        self._ready = queue.SimpleQueue()
        self._reset_errors()  # the last run's are none of this run's
        self._retired = {}  # the last run's takes in flight did not end: none is told
        # The last run's hung handlers are none of this run's (its spares left with its workers): a node of the same
        # id was told hung from the start.
        self.hung.clear()
        with self._pool_lock:
            self._spares = 0
        self._left_plans = ByNode()
        self._stopping = False
        self._reset_stops()
        # A stop() from here on halts this run (the swap ends at its next step); one before returned "stopped" at once
        # (or stopped the nothing there was): start() went on and ran every node of a run told to stop.
        if self._stop_came:
            self._not_started("stop() was called while the engine started; it is stopped")
        for _ in range(self._workers_wanted):
            self._add_worker()
        threading.Thread(target=self._watch, args=(self.run_id,), name="exsampling-watchdog", daemon=True).start()
        self._install(plan)

    def _not_started(self, why: str) -> None:
        """start() ends here, before any worker or node: the engine is not running (stop() has nothing to do)."""
        self._running = False
        self._switch.put_back()
        raise EngineNotReady(f"not started: {why}")

    def update(self, patch: Patch) -> Plan | None:
        """Swap to a new version of the patch while running, keeping messages in flight (the steps:
        :mod:`~exsampling_patch.runtime.swap`).

        Unchanged nodes keep running; nodes whose type or parameters changed are restarted with their
        queued messages kept; what is on its way through a removed node whose sender the edit links elsewhere goes
        there (:mod:`~exsampling_patch.runtime.divert`); removed nodes finish the rest of what is queued for them,
        passing it on by their old links to the nodes still here (within :attr:`retire_wait`: the takes of what is
        left then are told 'dropped with node X: removed by an edit'), then stop. A handler in hand that counts as
        hung is not waited for. An exception that escapes a node's method (a plugin's ``sys.exit()``; see
        :attr:`failed_call`) is raised here after the old plan is put back (the added nodes' queued messages handed
        back to it), unless it escaped a removed node's ``stop()``: the new plan runs then (:attr:`plan` says which).

        Returns the plan swapped in. Returns None where :meth:`stop` cut the edit short: stop() had begun but not
        finished when update() was called, or began during the call. The edit never ran then and what it built is
        stopped, so no plan is returned: a caller would take it for swapped in.

        Raises :class:`EngineNotReady` ("the engine is not running") before :meth:`start`, and once :meth:`stop` has
        finished (from when it marks the engine not running, as it stops the workers).
        """
        if not self._running or self._plan is None:
            raise EngineNotReady("the engine is not running")
        plan = compile_plan(patch, self.registry, version=self._plan.version + 1)
        return plan if self._install(plan) else None

    def abort_start(self) -> None:
        """Start no more nodes (called from another thread while :meth:`start` runs, on Ctrl+C): the node starting
        now finishes its ``start()``, the rest are left unstarted (:meth:`stop` then stops what did start). Only
        that start's: an edit of the run, or the next start, starts its nodes."""
        self._abort.set()

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop sources, let queued messages finish, stop the other nodes and the workers.

        Bounded by ``timeout`` seconds (plus each node's own stop); returns True where every message was handled in
        time and no handler, nor a worker telling a take's end (to its source's take_ended, to observers), was left
        running then. False otherwise: :attr:`unfinished` names the handlers and workers left (see
        :func:`~exsampling_patch.runtime.stopping.stop_workers`); it is empty where only takes held at stopped nodes
        were left (they are redone at the next start). A swap
        (start() or update() on another thread) ends at its next step; the node whose constructor, prepare() or
        start() it has in hand is stopped as that returns, by the swap (:mod:`~exsampling_patch.runtime.stopping`).
        One that comes while start() compiles or waits for the last run's acts ends that start(): it raises
        :class:`EngineNotReady`, no node started.
        """
        # Noted first: one while start() compiles, or before it resets the stop state, was lost (the run went on)
        self._stop_came = True
        if not self._running or not self._halt():  # not running, another stop() is under way, or start() is still
            return True  # in its first steps: it ends at the check of _stop_came
        plan = self._plan
        order = plan.order if plan else tuple(self._cells)
        sources = set(plan.sources()) if plan else set()
        self._stop_nodes([n for n in order if n in sources])
        deadline = time.monotonic() + timeout  # after the sources' stops (the web recorder's): on top, as the others'
        # Not settled: a take still in flight (held at a node) does not end; it is redone at the next start, and
        # the stop is not clean even where no handler is left running at the deadline (930ea4f8 said clean)
        settled = self._wait_for(self._settled, max(0.0, deadline - time.monotonic()))
        # What is still queued or being handled now meets stopped nodes: a take in flight does not end (its source
        # does not write it down as done, it is passed on again at the next start), and a handler failing on its
        # stopped node is no error of the show (the classifier's "process is stopped", once for each take queued).
        self._stopping = True
        nodes_from = time.monotonic()
        self._stop_nodes([n for n in order if n not in sources])
        self._stop_rest()  # one that left the plan (retired, rolled back) as a swap goes on
        # Their own stops come on top: taken from timeout, they left each idle worker 0.05 s to end (missed on a loaded
        # machine, the run said work was unfinished where none was)
        deadline += time.monotonic() - nodes_from
        self._running = False
        with self._pool_lock:
            workers, states = list(self._workers), list(self._states)
        # Named in `exsampling run`'s summary: "some work did not finish in time" sent a plugin's author guessing; with
        # its take, whose line the performer otherwise waits for (it is redone at the next start).
        self.unfinished = stop_workers(workers, states, self._ready, deadline)
        self._workers.clear()
        self._states.clear()
        self._halt_ended()
        self._switch.put_back()
        return settled and not self.unfinished  # unfinished: one snapshot of what was left (see stop_workers)

    # -- workers -----------------------------------------------------------------------------------------------

    def _add_worker(self) -> None:
        with self._pool_lock:
            # None once stop() has begun: it takes the workers to stop under this lock after halting, and one added
            # after that (start() still adding them) was never told to stop and stayed alive.
            if self._halted:
                return
            state = Worker(len(self._states), self._ready, self.run_id)
            thread = threading.Thread(target=self._work, args=(state,), name=f"exsampling-worker-{state.index}",
                                      daemon=True)
            self._states.append(state)
            self._workers.append(thread)
        thread.start()

    def _work(self, state: Worker) -> None:
        if self._worker_cpus:
            with contextlib.suppress(OSError):
                os.sched_setaffinity(0, {self._worker_cpus[state.index % len(self._worker_cpus)]})
        self._local.worker = state
        state.thread_id = threading.get_ident()
        while True:
            item = state.ready.get()
            if item is STOP_WORKER:
                return
            cell: Cell | None = item
            while cell is not None:
                self._drain(cell, state)
                # A spare took this worker's place while it hung, or its run has ended (back from a handler held past
                # stop(), the engine started again): hand on what is left, to its run's queue
                if state.retire or state.run != self.run_id:
                    with state.lock:
                        left, state.pending = state.pending, []
                    for other in left:
                        state.ready.put(other)
                    with self._pool_lock:
                        if threading.current_thread() in self._workers:
                            self._workers.remove(threading.current_thread())
                    return
                with state.lock:
                    cell = state.pending.pop(0) if state.pending else None
                    others, state.pending = state.pending, []
                for other in others:
                    state.ready.put(other)

    def _drain(self, cell: Cell, state: Worker) -> None:
        """Handle ``cell``'s messages until its inbox is empty (or it must share the work)."""
        while True:
            # The run lock before the message is taken: a swap that holds it (PlanSwap._hold_runs) then finds none
            # taken and not handled yet. Taken first, that one was handled after the swap handed the rest of the
            # queue on (an edit's diversion), or by a node it had stopped or rebuilt and not started yet.
            with cell.run_lock:
                with cell.lock:
                    if not cell.inbox or not cell.started:
                        cell.scheduled = False
                        return
                    port, message, key, _ = cell.inbox.popleft()
                self._handle(cell, port, message, key, state)
            if state.retire or state.run != self.run_id:
                state.ready.put(cell)  # still scheduled: another worker of its run goes on with its inbox
                return
            with state.lock:
                share = bool(state.pending) and bool(cell.inbox)
                others = state.pending if share else []
                if share:
                    state.pending = []
            # More is queued here and downstream has work: let other workers take the downstream.
            for other in others:
                state.ready.put(other)

    def _handle(self, cell: Cell, port: str, message: Any, key: str | None, state: Worker) -> None:
        node = cell.node
        start = time.perf_counter()
        limit = hang_limit(node)  # the one in force for this handler: told again if it comes back from a hang
        state.cell, state.busy = cell, (node, port, time.monotonic(), limit, key)
        state.passed_on = state.emitted = False
        errors_before = self._handler_errors.get(node.node_id, 0)
        began = self._error_book.began()  # an error told later from now on is not this handler's to end
        self._local.erred = None  # the node whose handler here told an error on the message in hand (_record_error)
        # The ledger of the run it begins in: one held past stop() that returns in the next run (the engine started
        # again) had counted its take off in that run's ledger and marked it loaded there, ending that run's copy of
        # the take before that copy's own handler had it.
        ledger = self.ledger
        handled = False
        try:
            node.handle(port, message)
            handled = True
        except BaseException as error:  # a plugin's sys.exit() too: it ended the worker thread without a word
            if self._stopping or state.run != self.run_id:  # see stop(): the take is redone at the next start
                log.debug("node %s failed while the patch stops: %s", node.node_id, error)
            elif isinstance(error, NotBuilt):  # its build error was reported once: the take alone says it again
                if key is not None:
                    ledger.note(key, node.node_id, "error", f"error in {node.node_id}: {error}")
                self._bypass(node, port, message, state.run)
            else:
                text = self._record_error(node.node_id, error, port=port, details=traceback.format_exc())
                if key is not None:
                    ledger.note(key, node.node_id, "error", f"error in {node.node_id}: {text}")
                if not (isinstance(error, HandlerReturned) and state.emitted):  # what it sent has gone on
                    self._bypass(node, port, message, state.run)
        finally:
            with state.lock:  # the watchdog marks it hung under this lock only while busy is this handler's
                state.busy = state.cell = None
                hung = state.hung
            if hung:
                self._back_from_hang(node, port, state, time.perf_counter() - start, limit)
            self._handler_back(cell, node, errors_before if handled else -1, began)
        # An output that loads takes (a sampler, Live) loaded one whose assignment its handler took without telling an
        # error on it, unless it says otherwise: a take's end tells "not loaded into Live" beside a sampler that has it
        # from one nothing has. An output that only tells of a take (a note, a track's colour) has nothing to load; an
        # error another thread tells meanwhile (a device's) is none of this take's.
        if (key is not None and handled and node.loads_takes and isinstance(message, SlotAssignment)
                and self._local.erred != node.node_id):
            ledger.output(key, node.node_id)
        if key is not None:  # not once its run has stopped: the take stays in flight, as any stop() meets (see stop())
            self._handled_off(key, node.node_id, not state.passed_on, state.run, ledger)
        if state.run == self.run_id and self.events.wants(NodeTiming):  # held past its run's stop: not this run's
            self.events.publish(NodeTiming(node.node_id, port=port, seconds=time.perf_counter() - start))

    def _emit(self, node_id: str, port: str, message: Any, run: int | None = None) -> None:
        """MessageFlow's emit; for a context's (``run``: its run), only while that run is the engine's, checked and
        sent as one act of :attr:`_gate`: a node of an ended run, on a thread of its own, sent into the new plan's
        links. No lock is held: a closed cell's callback or a hop's observer may take a node's lock."""
        if run is None:
            super()._emit(node_id, port, message)
            return
        outer = self._gate.inside()
        try:  # entered inside it: see RunGate.enter
            if not outer:
                self._gate.enter(run)
            if run != self.run_id:
                log.debug("node %s of an ended run (%d) sent a message on '%s': %s", node_id, run, port, message)
                return
            super()._emit(node_id, port, message, run)
        finally:
            if not outer:
                self._gate.leave()

    def _bypass(self, node: Node, port: str, message: Any, run: int) -> None:
        """Pass a message that made ``node`` fail straight on to outputs of the same type, while ``run`` (the
        handler's) is the engine's: checked by the flow alone, start() could run between its check and the delivery,
        and the last run's bypass went into the new run's nodes (as a context's emit, an act of the run gate)."""
        in_type = node.inputs[port].type if port in node.inputs else None
        for name, spec in node.outputs.items():
            if spec.type == in_type:
                self._emit(node.node_id, name, message, run=run)

    def status_snapshot(self) -> dict[str, dict[str, Any]]:
        """:attr:`status` copied whole, from any thread while nodes report: no lock is taken, none is needed.

        The outer dict is copied by ``dict()``, one C call that runs no Python code, so no report on another thread
        lands midway (a Python loop over ``status.items()`` could meet one and raise "dictionary changed size during
        iteration"). Each node's dict is built whole by its report and never changed once stored."""
        return {node_id: dict(status) for node_id, status in dict(self.status).items()}
