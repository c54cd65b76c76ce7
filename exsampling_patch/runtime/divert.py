"""A live edit's step for the messages on their way through a node it removes where it links that node's sender on
to other inputs (a node taken out from between two): they go on to those inputs, as the edited plan sends the
sender's next messages, instead of into the removed node, whose output the edit cut.

Before, the removed node handled them while it was retired, and what it passed on followed the edited plan, which
has no links from it: every message queued there was lost (125 of 600 in a chain whose removed relay had fallen
behind), with no word unless it carried a take.

Called by the swap (:meth:`Diverts._divert`) just before the edited plan's routes take effect: each such node takes
up no further message, the one it has in hand is waited for (what it passes on follows the old routes, so still
arrives; not once its handler counts as hung), then its queued messages from those senders are handed on, in the
order they came, and so is each a sender that read the old plan delivers to it later (:attr:`Cell.diverts`).
Messages from its other senders stay queued: the node finishes them as it is retired, as before. Before they are
handed on, the removed nodes it fed (a chain taken out) pass on what they hold, by the old routes still
(:meth:`Diverts._let_through`): it came first.

Also here (swap.py is near its size limit): the end of a removed node's queue once it has stopped
(:meth:`Diverts._close_retired`), where what is left is told, plain messages counted.
"""

from __future__ import annotations

import collections
import contextlib
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from exsampling_patch.runtime.events import EventBus, MessageHop
from exsampling_patch.runtime.ledger import TakeLedger
from exsampling_patch.runtime.parts import Cell, Entry
from exsampling_patch.runtime.plan import Plan, Route
from exsampling_patch.wording import counted

# The engine's logger, as the other words on messages that go nowhere (see flow.py).
log = logging.getLogger("exsampling_patch.runtime.engine")


def diversions(old: Plan, plan: Plan, removed: Iterable[str]) -> dict[str, dict[tuple[Route, str], tuple[Route, ...]]]:
    """For each node of ``removed`` (nodes of ``old`` that ``plan`` has not): (sender, input) -> the inputs ``plan``
    links that sender's output to and ``old`` did not, for each sender ``plan`` still runs. Each sender's output is
    handed on from one removed input only, the first it reached: the copies at the others are the same emits."""
    gone = set(removed)
    found: dict[str, dict[tuple[Route, str], tuple[Route, ...]]] = {}
    for sender, targets in old.routes.items():
        if sender[0] not in plan.node_types:
            continue
        new = tuple(target for target in plan.routes.get(sender, ()) if target not in targets)
        first = next((target for target in targets if target[0] in gone), None)
        if new and first is not None:
            found.setdefault(first[0], {})[(sender, first[1])] = new
    return found


class Diverts:
    """Mixed into the engine, by the swap: see the module's docstring."""

    _cells: dict[str, Cell]
    ledger: TakeLedger
    run_id: int  # see Engine.__init__
    events: EventBus
    retire_wait: float  # see PlanSwap
    #: The removed nodes whose queues the last edit waited for its whole retire_wait already (:meth:`_divert`):
    #: their retirement waits for them no longer (the editor's update() would wait twice).
    _out_of_time: frozenset[str] = frozenset()
    #: An edit holds removed nodes and hands on their queues (:meth:`_divert`): what it holds is in no queue that the
    #: engine's stop() sees (Engine._settled), and goes on once it ends, also where stop() ended it (a Halted).
    _handing_on = False

    if TYPE_CHECKING:  # the engine's and the swap's: for the type checker only (no stand-in shadows them)
        def _deliver(self, cell: Cell, port: str, message: object, key: str | None = None,
                     sender: tuple[str, str] | None = None) -> None: ...

        def _count_off(self, key: str, node_id: str, reached: bool = False, run: int | None = None) -> None: ...

        def _edit_act(self, run: int, ledger: TakeLedger) -> contextlib.AbstractContextManager[bool]: ...

        def _hold_runs(self, cell: Cell) -> contextlib.AbstractContextManager[None]: ...

        def _cell_hung(self, cell: Cell) -> bool: ...  # see HangWatch

        def _let_run(self, cell: Cell) -> None: ...

        def _halt_point(self) -> None: ...

        def _close(self, cell: Cell, fate: Callable[[Entry], None]) -> None: ...

    @contextlib.contextmanager
    def _divert(self, old: Plan, plan: Plan, removed: Iterable[str]) -> Iterator[None]:
        """Hand on what is on its way through the nodes of ``removed`` whose senders ``plan`` links elsewhere; the
        block switches to ``plan``'s routes, after which those nodes take up their other messages again. Where stop()
        ends the edit before that, the diversions set so far are undone (:func:`_undivert`)."""
        held: list[Cell] = []
        diverted: list[tuple[Cell, _InOrder]] = []
        gone = set(removed)
        deadline = time.monotonic() + self.retire_wait
        self._out_of_time = frozenset()
        self._handing_on = True
        try:
            try:
                for node_id, senders in diversions(old, plan, removed).items():
                    cell = self._cells.get(node_id)
                    if cell is None:
                        continue
                    with cell.lock:
                        cell.started = False
                    held.append(cell)
                    with self._hold_runs(cell):  # the message in hand goes on by the old routes
                        pass
                    with cell.lock:
                        kept = [entry for entry in cell.inbox if (entry[3], entry[0]) not in senders]
                        in_order = _InOrder(functools.partial(self._hand_on, node_id, senders, self.run_id,
                                                              self.ledger),
                                            [entry for entry in cell.inbox if (entry[3], entry[0]) in senders])
                        cell.inbox.clear()
                        cell.inbox.extend(kept)
                        cell.diverts = dict.fromkeys(senders, in_order)  # under the lock a delivery takes
                    diverted.append((cell, in_order))
                    self._let_through(old, node_id, gone, deadline)
                    in_order.drain()
            except BaseException:  # stop() came (Halted): the edited routes never take effect
                for cell, in_order in diverted:
                    _undivert(cell, in_order)
                raise
            yield
        finally:
            for cell in held:
                self._let_run(cell)
            self._handing_on = False

    def _let_through(self, old: Plan, node_id: str, gone: set[str], deadline: float) -> None:
        """Wait (until ``deadline``) for the removed nodes that ``node_id`` fed in ``old``, directly or through others
        removed, to pass on what is queued there, by ``old``'s routes still: it came before what is handed on from
        ``node_id`` (r1 -> a -> b -> r2 edited to r1 -> r2: what b has came before what a has). Not waited for, a's
        went on to r2 first, and b's after the edited routes took effect, which have none from b: lost. One held by
        the edit itself, or hung, is not waited for."""
        fed: set[str] = set()
        todo = [node_id]
        while todo:
            sender = todo.pop()
            for (source, _), targets in old.routes.items():
                if source == sender:
                    todo.extend(n for n, _ in targets if n in gone and n not in fed and n != node_id)
                    fed.update(n for n, _ in targets if n in gone and n != node_id)
        cells = {n: cell for n in fed if (cell := self._cells.get(n)) is not None}
        while any(cell.started and (cell.inbox or cell.scheduled) and not self._cell_hung(cell)
                  for cell in cells.values()):
            if time.monotonic() >= deadline:
                self._out_of_time = self._out_of_time | cells.keys()
                return
            self._halt_point()
            time.sleep(0.001)

    def _close_retired(self, node_id: str, cell: Cell) -> None:
        """Empty the queue of ``node_id``, removed by an edit and stopped, for good: each take left there is told
        'dropped with node X: removed by an edit', and how many other messages were, so are those a sender that read
        the plan before delivers later. Dropped without a word, a plain message (a note, a trigger) was lost unheard."""
        closing, count = True, 0
        run, ledger = self.run_id, self.ledger  # the edit's: what a sender delivers late counts in its run alone

        def drop(entry: Entry) -> None:
            nonlocal count
            key = entry[2]
            if key is not None:
                with self._edit_act(run, ledger) as current:
                    if current:  # else its run has ended: the take stays in flight there, as any stop() leaves it
                        ledger.lost(key, node_id, f"dropped with node {node_id}: removed by an edit")
                        self._count_off(key, node_id, run=run)
            elif closing:  # the queue's: counted, told in one line below
                count += 1
            else:
                log.warning("a message for node %s, which an edit removed, was dropped: it had stopped", node_id)

        self._close(cell, drop)
        closing = False
        if count and self._cell_hung(cell):  # not waited for (PlanSwap._retire): "within 2 s" would hide why
            log.warning("node %s, removed by an edit, had %s queued that it did not pass on: dropped, as "
                        "its handler is hung", node_id, counted(count, "message"))
        elif count:
            log.warning("node %s, removed by an edit, had %s queued that it did not pass on within %g s: "
                        "dropped", node_id, counted(count, "message"), self.retire_wait)

    def _hand_on(self, node_id: str, senders: dict[tuple[Route, str], tuple[Route, ...]], run: int,
                 ledger: TakeLedger, entry: Entry) -> None:
        """Give ``entry``, on its way to ``node_id`` (removed by an edit), to the targets ``senders`` names for its
        sender and input instead, each a :class:`MessageHop` from its sender as an emit's (the show log); its take
        counted on to them, off here. An act of ``run``, the edit's (``ledger`` its): see MessageFlow._edit_act."""
        with self._edit_act(run, ledger) as current:
            if not current:  # its run has ended: the new run's nodes are none of its (the take stays in flight there)
                return
            port, message, key, sender = entry
            targets = senders.get((sender, port), ()) if sender is not None else ()
            cells = [(cell, target, target_port) for target, target_port in targets
                     if (cell := self._cells.get(target)) is not None]
            passed_key = key if key is not None and cells and ledger.add(key, len(cells)) else None
            if key is not None and not cells:  # not met: the edited plan's nodes are built before its routes do
                ledger.lost(key, node_id, f"dropped with node {node_id}: removed by an edit")
            for cell, target, target_port in cells:
                if sender is not None and self.events.wants(MessageHop):
                    self.events.publish(MessageHop(sender[0], port=sender[1], target=target, target_port=target_port,
                                                   message=message))
                self._deliver(cell, target_port, message, passed_key, sender)
            if key is not None:
                self._count_off(key, node_id, run=run)

def _undivert(cell: Cell, in_order: _InOrder) -> None:
    """Let ``cell``'s node take what its senders deliver again, and what was still to be handed on from its queue,
    where an edit ends before its routes take effect (stop() came): the plan that ran runs on until stop() ends it.
    Left set, its diversion sent them into the nodes the edit added, which never start: stop() waited its whole time
    for them, and their takes were left in flight, though the node that still ran would have ended them."""
    with cell.lock:
        cell.diverts = None
        cell.inbox.extendleft(reversed(in_order.take_back()))


class _InOrder:
    """Where what is on its way to one removed node goes (:attr:`Cell.diverts`): its queued messages first, then
    each one a sender that read the old plan delivers late, in the order they came. Handed on outside the node's
    lock, the queued ones met late ones delivered meanwhile (their sender runs on beside the edit), which went on at
    once: ahead of messages queued before them."""

    def __init__(self, hand: Callable[[Entry], None], queued: Iterable[Entry]) -> None:
        self._hand = hand
        self._lock = threading.Lock()
        #: Still to hand on, in order; None once :meth:`drain` has emptied it: late ones go on at once then.
        self.backlog: collections.deque[Entry] | None = collections.deque(queued)

    def __call__(self, entry: Entry) -> None:
        with self._lock:
            if self.backlog is not None:
                self.backlog.append(entry)
                return
        self._hand(entry)

    def take_back(self) -> list[Entry]:
        """What is still to hand on, taken back: from now on, late ones go on at once (:meth:`drain`'s end)."""
        with self._lock:
            left, self.backlog = list(self.backlog or ()), None
        return left

    def drain(self) -> None:
        """Hand on the backlog, late ones included, one at a time without the lock (a hand-on delivers and tells
        observers); from its end, late ones go on at once."""
        while True:
            with self._lock:
                if not self.backlog:
                    self.backlog = None
                    return
                entry = self.backlog.popleft()
            self._hand(entry)
