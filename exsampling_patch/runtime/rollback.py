"""Rolling a live edit back (:meth:`RollBack._roll_back`), after an exception other than an :class:`Exception`
escaped its swap-in part-way (a plugin's ``sys.exit()``): the plan that ran is put back, the nodes the edit added
are stopped and dropped, and what was queued for them is handed back to the nodes the plan that ran sends it to
(:meth:`RollBack._hand_back`). The swap's other steps: :mod:`~exsampling_patch.runtime.swap`, which mixes this in.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from exsampling_patch.node import Node
from exsampling_patch.runtime.events import EventBus, MessageHop
from exsampling_patch.runtime.ledger import TakeLedger
from exsampling_patch.runtime.parts import ByNode, Cell, Entry
from exsampling_patch.runtime.plan import Plan
from exsampling_patch.wording import counted

# The engine's logger, as the other words on messages that go nowhere (see flow.py).
log = logging.getLogger("exsampling_patch.runtime.engine")


class RollBack:
    """Mixed into the engine, by the swap: see the module's docstring."""

    _plan: Plan | None
    _cells: dict[str, Cell]
    ledger: TakeLedger
    run_id: int  # see Engine.__init__
    events: EventBus
    _left_why: dict[str, str]  # see Engine.__init__
    _left_plans: ByNode[Plan]  # see Engine.__init__

    if TYPE_CHECKING:  # the engine's and the swap's: for the type checker only (no stand-in shadows them)
        def _deliver(self, cell: Cell, port: str, message: Any, key: str | None = None,
                     sender: tuple[str, str] | None = None) -> None: ...

        def _count_off(self, key: str, node_id: str, reached: bool = False, run: int | None = None) -> None: ...

        def _edit_act(self, run: int, ledger: TakeLedger) -> contextlib.AbstractContextManager[bool]: ...

        def _putting_back(self, node_id: str) -> contextlib.AbstractContextManager[None]: ...

        def _stop_leaving(self, node_id: str, cell: Cell) -> None: ...

        def _replace(self, node_id: str, plan: Plan) -> None: ...

        def _close(self, cell: Cell, fate: Callable[[Entry], None]) -> None: ...

        def _hung_handlers(self, node_id: str) -> list[Node]: ...  # see HangWatch

        def _mark_removed(self, node_id: str) -> None: ...  # see ErrorKeeping

    def _roll_back(self, old: Plan, plan: Plan, restarted: dict[str, Node]) -> None:
        """Put ``old`` back after an exception escaped :meth:`_swap_in` to ``plan`` part-way: the nodes it added are
        stopped and dropped, what was queued for them handed back (:meth:`_hand_back`), the changed ones it had
        restarted are restarted as they were. Left half swapped, the patch ran what no one had asked for, and the
        next edit was compared with a plan that was not running (a changed node not restarted yet kept its old
        parameters for good). What escapes a step of it is told on its node (:meth:`_putting_back`); the rest goes
        on."""
        added = {node_id: cell for node_id in plan.order
                 if node_id not in old.node_types and (cell := self._cells.get(node_id)) is not None}  # else unbuilt
        for cell in added.values():  # none takes up another message: all that is queued is handed back
            with cell.lock:
                cell.started = False
        for node_id, cell in added.items():
            with self._putting_back(node_id):
                # After the message in hand, if any: what it emits follows the edit's routes, to nodes still here.
                self._stop_leaving(node_id, cell)
        for node_id in added:
            self._left_why[node_id] = "the edit that added it was not swapped in"
            # What it tells from now on (a loop going on past its stop) is no node's of the plan put back: told by the
            # id, it stood on an id that plan has not. Its errors so far stay, the failure that undid the edit among
            # them.
            self._mark_removed(node_id)
        for node_id in old.order:  # the ones the edit removed are in the plan again
            if node_id not in plan.node_types:
                self._left_why.pop(node_id, None)
                self._let_go_of_hung_plans(node_id, old)
                if (cell := self._cells.get(node_id)) is not None:
                    self._left_plans.pop(cell.node)
                    with cell.lock:
                        cell.diverts = None  # its senders deliver to it again (what went on meanwhile stays there)
        self._plan = old  # emits follow the old routes again: the added nodes get no more
        for node_id in added:
            del self._cells[node_id]
        self._hand_back(old, plan, added)
        for node_id in reversed(old.order):  # consumers first, as at a start
            if node_id in restarted:
                with self._putting_back(node_id):
                    # Where its own stop() or the edit's build quit, the one that ran is still in its cell, stopped:
                    # _stop_node calls no node's stop() twice (it met what the first had closed).
                    self._replace(node_id, old)
        for node_id in old.order:  # the ones it made another type are the type they ran as again
            if node_id in plan.node_types and plan.node_types[node_id] is not old.node_types[node_id]:
                # after their restarts above: each waited for the handler in hand (the one that ran before the edit,
                # noted in restarted; one the edit did not reach is still in its cell)
                self._let_go_of_hung_plans(node_id, old)
                cell = self._cells.get(node_id)
                ran = restarted.get(node_id, cell.node if cell is not None else None)
                if ran is None:
                    continue
                # The plan its handler ran in runs again, and x is the type it is: its links are its own now, in its
                # cell or rebuilt beside its hung handler, as for a node rebuilt of one type. Kept while that hung, the
                # handler went by them past later edits: a take to a node since removed, 'dropped with node x: made
                # another type by an edit', where x.out led on elsewhere. (Nothing lets go of it as a handler in its
                # cell comes back: _back_in_run.)
                self._left_plans.pop(ran)

    def _let_go_of_hung_plans(self, node_id: str, old: Plan) -> None:
        """Let go of the plan the edit noted for the hung handlers of ``node_id`` beside its node
        (:meth:`HangWatch._note_hung_plans`): ``old``, the one put back. Each had none before it, and goes by the
        links its id has, as before the edit; kept, a later edit that linked x.out on to keep2 in keep's place
        had the handler send its take to keep, gone."""
        for node in self._hung_handlers(node_id):
            if self._left_plans.get(node) is old:  # an earlier edit's note is of the plan before that one
                self._left_plans.pop(node)

    def _hand_back(self, old: Plan, plan: Plan, dropped: dict[str, Cell]) -> None:
        """Give what was queued for the nodes of a rolled-back edit (and what a sender that read ``plan`` delivers
        to them later) to the nodes ``old`` routes its sender's output to and ``plan`` did not, once per emit (it
        may have reached several added nodes), each a :class:`MessageHop` from its sender as an emit's (the show
        log); one ``old`` sent nowhere else is counted off. What an added node sent on in the place of one so
        handed back (:func:`diverted_into`: its message gone), or an injected one, is counted off too, and its take
        told 'dropped with node X: the edit that added it was not swapped in'; a plain message so dropped is
        told on the console, those queued in one line per node. Dropped unseen, a take among them stayed in flight
        until the next start: during the run it never ended, nor did its source write it down as done. One whose
        sender ``old`` links only where ``plan`` does too (an added node beside them), or nowhere, is dropped, told
        alike: its emit reached those nodes itself; so are the copies of an emit after its first (the one handed back,
        or dropped so)."""
        diverted = diverted_into(old, plan)
        # (sender, output, message id) -> (copies handed back, the message). The message is kept referenced: while
        # it is, no other object has its id, so a later message that got its address is not taken for its copy.
        handed: dict[tuple[str, str, int], tuple[int, Any]] = {}
        seen: dict[tuple[str, str, str, str, int], int] = {}  # copies, per added node and input (the emit in handed)
        counting = threading.Lock()  # a late delivery counts on its sender's thread, beside this one
        # A plain message (a note, a trigger) an added node had from another added node, or injected: dropped without
        # a word, it was lost unheard (a chain of two added nodes: the second's whole queue). One beside the old links
        # is no loss, but dropped without a word, the added node's messages seemed to vanish. (node, why) -> count.
        closing, dropped_here = True, dict[tuple[str, str], int]()
        run, ledger = self.run_id, self.ledger  # the edit's: what a sender delivers late counts in its run alone

        def tell(node_id: str, why: str) -> None:
            """Count a message dropped at ``node_id`` for the line below, or tell it now (a late delivery)."""
            with counting:  # a late delivery, on its sender's thread, beside the count told below
                queued = closing
                if queued:  # the queue's: counted, told in one line per node below
                    dropped_here[(node_id, why)] = dropped_here.get((node_id, why), 0) + 1
            if not queued:
                log.warning("a message for node %s was dropped: the edit that added it was not swapped in%s",
                            node_id, _LATE[why])

        def first_copy(node_id: str, port: str, sender: tuple[str, str], message: Any) -> bool:
            """Whether this copy of an emit is the first of it handed back (an emit reaches each input once)."""
            emit = (*sender, id(message))
            with counting:
                copy = seen[(node_id, port, *emit)] = seen.get((node_id, port, *emit), 0) + 1
                if copy <= handed.get(emit, (0, None))[0]:
                    return False
                handed[emit] = (copy, message)
                return True

        def hand(node_id: str, entry: Entry) -> None:
            """An act of the edit's run (see MessageFlow._edit_act): a sender's late delivery may come on after it."""
            with self._edit_act(run, ledger) as current:
                if current:  # else its run has ended: the take stays in flight there, as any stop() leaves it
                    handed_back(node_id, entry)

        def handed_back(node_id: str, entry: Entry) -> None:
            port, message, key, sender = entry
            targets: list[tuple[Cell, str, str]] = []
            if sender is not None and sender[0] in old.node_types:  # its sender runs on: the old routes take it
                if first_copy(node_id, port, sender, message):
                    edited, linked = plan.routes.get(sender, ()), old.routes.get(sender, ())
                    targets = [(cell, target, target_port) for target, target_port in linked
                               if (target, target_port) not in edited and (cell := self._cells.get(target)) is not None]
                    if not targets:
                        tell(node_id, "beside" if linked else "unlinked")
                else:  # no loss (its first copy stands for it), but dropped unsaid, this node's queue seemed to vanish
                    tell(node_id, "copy")
            elif sender is None or sender[0] in diverted:  # what the plan that ran made of it is lost
                if key is not None:
                    ledger.lost(key, node_id, f"dropped with node {node_id}: the edit that added it was not swapped in")
                else:
                    tell(node_id, "lost")
            passed_key = key if key is not None and targets and ledger.add(key, len(targets)) else None
            for cell, target, target_port in targets:
                if sender is not None and self.events.wants(MessageHop):  # the show log: a sampler's take, its MIDI
                    self.events.publish(MessageHop(sender[0], port=sender[1], target=target, target_port=target_port,
                                                   message=message))
                self._deliver(cell, target_port, message, passed_key, sender)
            if key is not None:
                self._count_off(key, node_id, run=run)

        for node_id, cell in dropped.items():
            self._close(cell, functools.partial(hand, node_id))
        with counting:
            closing = False
            counts = dict(dropped_here)
        for (node_id, why), count in counts.items():
            log.warning("node %s had %s queued %s: dropped, since the edit that added it was not swapped in",
                        node_id, counted(count, "message"), _QUEUED[why])


#: Why a message queued at an added node was dropped, as the line for the node's queue says it (RollBack._hand_back).
_QUEUED = {"lost": "that no node of the restored patch takes",
           "beside": "that the restored patch's nodes had by their own links",
           "unlinked": "from an output the restored patch links to no node",
           "copy": "that reached another input the edit linked as well"}
#: The same, added to the line for one delivered late.
_LATE = {"lost": "", "beside": ", and the restored patch's nodes had it by their own links",
         "unlinked": ", and the restored patch links its sender's output to no node",
         "copy": ", and it reached another input the edit linked as well"}


def diverted_into(old: Plan, plan: Plan) -> set[str]:
    """The nodes ``plan`` adds that an output of ``old`` feeds, directly or through others it adds, in the place of
    a node ``old`` fed from it: what they send on, ``old`` sent elsewhere (a node put between two)."""
    todo: list[str] = []
    for sender, targets in old.routes.items():
        edited = plan.routes.get(sender, ())
        if sender[0] in plan.node_types and any(target not in edited for target in targets):
            todo.extend(node_id for node_id, _ in edited if node_id not in old.node_types)
    reached: set[str] = set()
    while todo:
        node_id = todo.pop()
        if node_id in reached:
            continue
        reached.add(node_id)
        todo.extend(target for (sender, _), targets in plan.routes.items() if sender == node_id
                    for target, _ in targets if target not in old.node_types)
    return reached
