"""The engine's watchdog: a handler that runs past its node's limit is reported as hung, and the patch goes on.

Each node type sets ``hang_after`` (seconds; a class value, or a parameter where the type declares one). The
watchdog looks at what each worker handles; one past its limit is reported (a :class:`NodeHung` event and an
error on its node), the cells its worker meant to take up next go to the others, and a new worker is started in
its place: a patch with any number of hung nodes keeps as many free workers as it was given. The hung handler's
takes stay in flight, so they are not written down as done (a restart redoes them). When the handler comes back,
the spare worker count shrinks back, and ``NodeHung(recovered=True)`` is published unless another handler of a node
of its id still hangs (a removed x's and a re-added x's): the id's mark in ``hung`` ends with the last one.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING, Any

from exsampling_patch.node import Node
from exsampling_patch.runtime.events import EventBus, NodeHung
from exsampling_patch.runtime.parts import ByNode, Cell, Worker, running_at
from exsampling_patch.runtime.run_gate import RunGate

if TYPE_CHECKING:
    import queue

    from exsampling_patch.runtime.plan import Plan


class HangWatch:
    """Mixed into the engine: the watchdog thread's loop and what it does with a hung worker."""

    _running: bool
    _pool_lock: threading.Lock
    _marking: threading.Lock
    _states: list[Worker]
    _spares: int
    _ready: queue.SimpleQueue[Any]
    hung: dict[str, float]
    _cells: dict[str, Cell]
    _left_plans: ByNode[Plan]  # see Engine.__init__
    events: EventBus
    run_id: int
    _gate: RunGate

    if TYPE_CHECKING:  # the engine's: for the type checker only (no stand-in shadows them)
        def _add_worker(self) -> None: ...

        def _record_error(self, node_id: str, error: BaseException | str, port: str | None = None,
                          details: str = "", during: str = "", of: Node | type[Node] | None = None,
                          where: str = "") -> str: ...

    WATCH_INTERVAL = 0.05
    """Seconds between the watchdog's looks at the workers (a hang is seen at most this late)."""

    def _cell_hung(self, cell: Cell) -> bool:
        """Whether the handler running in ``cell`` (holding its run lock) is hung. Not :attr:`hung`, by node id: a
        handler hung in a removed x's cell made an edit take a new x's busy handler for hung and stop its node
        beside it."""
        return any(state.hung and state.cell is cell for state in list(self._states))

    def _handler_hung(self, node: Node) -> bool:
        """Whether a handler of ``node`` (that object, not its id) is hung."""
        return any(state.hung and (busy := state.busy) is not None and busy[0] is node for state in list(self._states))

    def _hung_handlers(self, node_id: str) -> list[Node]:
        """The nodes of ``node_id`` (the one in its cell, or ones removed or rebuilt beside their handler) whose
        handler of this run is hung. One of an ended run emits nothing (``_emit``) and lets go of no entry."""
        return [busy[0] for state in list(self._states)
                if state.hung and state.run == self.run_id and (busy := state.busy) is not None
                and busy[0].node_id == node_id]

    def _note_hung_plans(self, node_id: str, plan: Plan) -> None:
        """Note ``plan``, the one that runs, for each hung handler of ``node_id`` with none noted, as an edit makes
        that id another type or removes it: not only the node in its cell's. One rebuilt beside its handler (a
        parameter set, a retyping rolled back) went by the id's links until then; unnoted, it went by the edited
        plan's: 'went nowhere: x.out is linked to nothing' where the retyped x has no such output."""
        for node in self._hung_handlers(node_id):
            if node not in self._left_plans:
                self._left_plans[node] = plan
                if not self._handler_hung(node):  # back meanwhile: its return let go of nothing, since none was noted
                    self._left_plans.pop(node)

    def _watch(self, run: int) -> None:
        # Its run's only: one asleep through stop() that woke once start() had set the engine running again went on
        # beside the new run's watchdog, each telling a hang of the new run's (two spare workers, two errors).
        while self._running and self.run_id == run:
            now = time.monotonic()
            with self._pool_lock:
                states = list(self._states)
            for state in states:
                busy = state.busy
                if busy is None or state.hung:
                    continue
                since, limit = busy[2], busy[3]
                if now - since > limit:
                    self._found_hung(state, busy, now - since)
            time.sleep(self.WATCH_INTERVAL)

    def _found_hung(self, state: Worker, busy: tuple[Node, str, float, float, str | None], seconds: float) -> None:
        """``state``'s worker has run the handler ``busy`` (as read from it) for ``seconds``, past its limit: mark it
        hung and tell so, unless that handler has returned meanwhile (nothing to tell then)."""
        node, port, _, limit, key = busy
        # Where it is, read first: the mark lets an edit waiting on it go on (stopping the node may end the handler),
        # and a new worker started in its place may take the thread id of one that ended meanwhile; read after
        # them, the place was told as "", or as the new worker's.
        where = running_at(state.thread_id, node)
        # The mark, the spare worker, the hung record and its telling are one act against the handler's return
        # (_back_from_hang waits for it): one that returned after the mark, while the rest was still to do, told
        # "recovered" first, then the node was recorded and told hung for good, its spare never retired. An edit that
        # meets the mark waits for the act's end too (PlanSwap._hold_runs), holding only the swap lock, which no
        # holder of this one takes: gone on at the mark, it rebuilt x and the record landed on the new x.
        with self._marking:
            with state.lock:
                # Marked only while its worker still runs that handler: the worker clears busy and reads the mark
                # under this lock (Engine._handle), so a handler that returned since the look above is not marked.
                if state.busy is not busy:
                    return
                state.hung = True
                left, state.pending = state.pending, []
            for cell in left:
                self._ready.put(cell)
            with self._pool_lock:
                self._spares += 1
                state.hung_id = node.node_id  # what a return of the id looks at (_back_in_run), not busy
                self.hung[node.node_id] = seconds  # under the lock a return's look at the others takes (_back_in_run)
            self._add_worker()  # the others go on with as many workers as before
            self._record_error(node.node_id, f"hung: its handler on '{port}' has run {seconds:.1f} s, past its "
                               f"limit of {limit:g} s (hang_after); the rest of the patch goes on", port=port,
                               where=where)
            self.events.publish(NodeHung(node.node_id, port=port, seconds=seconds, limit=limit, take_id=key or ""))

    def _back_from_hang(self, node: Node, port: str, state: Worker, seconds: float, limit: float) -> None:
        """``node``'s handler on ``port`` came back after ``seconds``, past ``limit``: the limit it was told hung by
        (its node's ``hang_after`` now may be another: a property that follows the node's state). Checked against its
        run and told as one act of that run (:mod:`.run_gate`): checked alone, a start() between the two went on, and
        this took the new run's spare worker, cleared its hung mark of the node's id and told it recovered there."""
        # Under the watchdog's marking lock, from its look at the others through its "recovered": passed through
        # alone, the watchdog marked another x's handler between this one's look and its telling, and the console
        # ended on "x is back" while x hung. Taken outside the run gate (a mark records an error) and by the worker
        # thread alone, never the audio callback; neither holder waits on the other's locks (engine.py, swap.py).
        with self._marking, self._gate.acting(state.run):
            self._back_in_run(node, port, state, seconds, limit)

    def _back_in_run(self, node: Node, port: str, state: Worker, seconds: float, limit: float) -> None:
        if state.run != self.run_id:  # held past its run's stop: the new run's spares and hung marks are not its
            with state.lock:
                state.hung = False
            state.hung_id = None
            return
        with self._pool_lock:
            if self._spares > 0:
                self._spares -= 1
                state.retire = True
        with state.lock:
            state.hung = False
        with self._pool_lock:
            # The last one back of a node id ends its mark and tells it: by busy (cleared before this look), two
            # back at once each found the other back already, and both told "node 'x' is back".
            state.hung_id = None
            others = any(other.hung_id == node.node_id for other in self._states)
            if not others:
                self.hung.pop(node.node_id, None)
        cell = self._cells.get(node.node_id)
        if cell is None or cell.node is not node:
            # An old handler (its node removed or rebuilt beside it) is over: nothing more follows the links of the
            # plan it ran in (see PlanSwap._old_handler_done; one back before its node left its cell, the swap lets go).
            # Its own entry: by the id, it took a later edit's of that id, a handler busy in a new x's cell left with
            # no links ("dropped with node x: removed by an edit").
            self._left_plans.pop(node)
        if not others:
            self.events.publish(NodeHung(node.node_id, port=port, seconds=seconds, limit=limit, recovered=True))
