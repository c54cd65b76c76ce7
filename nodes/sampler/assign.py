"""A take assigned to a sampler's slot (``Sampler.on_assign``), and a take whose wait for the sample rate (:mod:`.rate`)
the node's stop ended, handed to the sampler an edit builds in its place.

Why the hand-over: a parameter changed in the editor (or a patch file saved under ``--watch``) while the audio process
starts rebuilds the sampler; the take's handler, waiting for the rate, is told hung, the edit stops the node, and the
take ended "not loaded ... stopped" though a sampler of that id plays on. The runtime calls ``Node.handover()`` only
where the old node's handler is not hung (it may still change the old node), and an edit stops a node whose handler
waits for the rate only once that handler counts as hung: so the take is kept open (``keep_open``) and parked under
its node's id and run, and the sampler of that id started next in the same run loads it. One an edit
removes the sampler of, or that nobody takes within :data:`HAND_SECONDS`, ends not loaded, as before; one still kept
when the patch stops is not done, and its source passes it on again at the next start.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from exsampling_patch.error_text import error_text
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler.handoff import SamplesNotShared
from exsampling_patch.nodes.sampler.input_errors import tell_on_input
from exsampling_patch.nodes.sampler.rate import STOPPED_WAITING, StoppedWaiting, rate_for_takes

#: Seconds a parked take waits for the sampler built in its node's place; an edit starts it well within.
HAND_SECONDS = 30.0


class LoadedUntold(Exception):
    """Raised by ``Sampler._load`` where the take's sound is in the slot but its status report failed (the
    exception's cause): loaded all the same, so its take ends loaded, and the failure is told on the node."""


def assign(node: Any, assignment: SlotAssignment, kept: bool = False) -> None:
    """Load ``assignment`` into ``node``'s slot (``node``: the :class:`~exsampling_patch.nodes.sampler.Sampler`), or
    tell why not. ``kept``: the take is kept open already (handed over, :func:`park`), closed here once told."""
    try:
        index = node._slot_index(assignment.slot)
    except KeyError as error:
        _tell_error(node, str(error.args[0]), kept)
        _not_loaded(node, assignment, None, str(error.args[0]), kept)
        return
    record = node.records[index]
    try:
        if not record.locked:  # the wait for the rate is not under the records lock (see .rate)
            rate_for_takes(node)
    except StoppedWaiting as error:
        if not park(node, assignment, kept):
            _not_loaded(node, assignment, record.name, str(error), kept)
        return
    except SamplesNotShared as error:
        _not_loaded(node, assignment, record.name, str(error), kept)
        return
    untold = ""  # why its loading could not be told, where it could not
    with node._records_lock:
        if record.locked or (kept and any(take.take_id not in node.handed_ids for take, _ in record.history)):
            # Handed over: a take the new node was assigned itself came after this one
            why = "locked" if record.locked else "a later take reached it first"
            node.report_status(slot=record.name, skipped=assignment.take.take_id, locked=record.locked)
            node.tell_fate(assignment, "skipped", f"skipped: slot {record.name} {why}")
            if kept:
                node.close_take(assignment)
            return
        try:
            node._load(index, assignment.take, assignment.label, node._swap_due())
        except SamplesNotShared as error:  # the slot keeps what it had
            _not_loaded(node, assignment, record.name, str(error), kept)
            return
        except LoadedUntold as error:  # in the slot all the same: it goes on as loaded, the failure told
            untold = f"{assignment.take.name} loaded into slot {record.name}, but its status could not be told: " \
                     f"{error_text(error.__cause__ or error)}"
        record.push(assignment.take, assignment.label, node.history)
        if kept:
            node.handed_ids.add(assignment.take.take_id)
        sent = node._asked.get(node.buffers[index].serial)
        if sent is not None:  # its status, ``loaded`` and end wait for the audio process's word (answers.settle)
            sent.assignment, sent.kept, sent.pushed = assignment, kept or node.keep_open(assignment), True
            return
    if untold:
        # On the take's input, as a handed take's, from the handler too: the runtime takes it for a message whose
        # handler returned (NodeError.later), the take in hand not erred. Told as the handler's own error, the take
        # ended loaded by none ("no output has it", the phone's row red, the sound in the slot); a thread of its own
        # per take got around that before.
        tell_on_input(node, untold)
    if not kept:
        node.emit("loaded", assignment)
        return
    try:
        node.emit("loaded", assignment)
    except Exception as error:  # loaded all the same: told on the node, and the take closed here once, as loaded
        _tell_error(node, f"{assignment.take.name} loaded into slot {record.name}, but its 'loaded' output "
                          f"failed: {error_text(error)}", kept)
    finally:
        node.close_take(assignment)


def _not_loaded(node: Any, assignment: SlotAssignment, slot: str | None, error: str, kept: bool) -> None:
    """Tell ``assignment`` not loaded for ``error``: on the node, naming the take and ``slot`` (None: told already),
    and on the take's end."""
    if slot is not None:
        _tell_error(node, f"{assignment.take.name} not loaded into slot {slot}: {error}", kept)
    why = f"not loaded into sampler '{node.node_id}': {error}"
    if kept:
        node.close_take(assignment, why)
    else:
        node.tell_fate(assignment, "not_loaded", why)


def _tell_error(node: Any, error: str, kept: bool) -> None:
    """Tell ``error`` on ``node``: a take handed over (``kept``) is loaded on a thread of the node's own, and its
    error, told as the node's own, stood until the sound device opened again (for the rest of the show, beside a
    sampler loading every take): told as one on its ``assign`` input, it ends as its handler's would. There a
    report that fails is logged, not raised: raised, the hand-over's catch-all closed a take closed as loaded again,
    as not loaded, or, failing there too, left the thread, the takes handed after it never tried."""
    if kept:
        tell_on_input(node, error)
    else:
        node.report_error(error)


@dataclass(eq=False)  # each parked take is itself: found in the list by identity
class _Parked:
    node: Any  # the stopped sampler that parked it
    assignment: SlotAssignment
    key: tuple[int, int, str]  # its node's _key as it parked it: the run it parked in, the one that may load it
    timer: threading.Timer = field(init=False)


_lock = threading.Lock()
_parked: list[_Parked] = []
_running: dict[tuple[int, int, str], Any] = {}  # _key -> the sampler started there


def _key(node: Any) -> tuple[int, int, str]:
    """(id of its run's context, the run it started in, node id): a runtime gives each run a context of its own (one
    kept for all its runs had a patch started again taken for an edit: a take parked in the last run, which its source
    passes on again, loaded twice); the run's number as well, as an older runtime kept one. The run as it started, not
    as it parks: a handler that outlived the run's stop (hung in the wait for the rate) and parked once the next run
    had started took that run's key."""
    return id(node.context), getattr(node, "started_run", node.context.run_id), str(node.node_id)


def park(node: Any, assignment: SlotAssignment, kept: bool) -> bool:
    """Keep ``assignment``, whose wait for the rate ``node``'s stop ended, for the sampler of its id its runtime
    starts next (at once to one started already); False where none can take it (no runtime keeps takes open, or an
    edit removes the node): the caller tells it not loaded."""
    if getattr(node, "started_run", None) not in (None, node.context.run_id):
        # its run stopped while it waited: not done, passed on again in this run. Kept open here, it held this run's
        # message of that take open (never ended), or its end was told on this run's sampler
        return True
    if getattr(node, "leaving_patch", False) or not (kept or node.keep_open(assignment)):
        return False
    if node.context.patch_stopping:
        return True  # the patch stops: kept open past it, not done, passed on again at its next start (not parked)
    with _lock:
        successor = _running.get(_key(node))
        if successor is None or successor is node or successor.stop_event.is_set():
            parked = _Parked(node, assignment, _key(node))
            parked.timer = threading.Timer(HAND_SECONDS, _unclaimed, (parked,))
            parked.timer.daemon = True
            _parked.append(parked)
            parked.timer.start()
            return True
    _load_handed(successor, [assignment])
    return True


def started(node: Any) -> None:
    """``node`` has started: it loads the takes its stopped predecessor parked, and those parked from now on."""
    node.handed_ids = set()  # the takes handed to it it loaded: a later one handed goes over them
    node.started_run = node.context.run_id  # its run's key (_key), whenever its handlers park
    with _lock:
        _running[_key(node)] = node
        mine = [p for p in _parked if p.node is not node and p.key == _key(node)]
        for parked in mine:
            parked.timer.cancel()
            _parked.remove(parked)
    if mine:
        _load_handed(node, [parked.assignment for parked in mine])


def stopped(node: Any) -> None:
    """``node`` is stopping: takes are no longer handed to it."""
    with _lock:
        if _running.get(_key(node)) is node:
            del _running[_key(node)]


def _load_handed(node: Any, assignments: list[SlotAssignment]) -> None:
    """Load the handed ``assignments`` into ``node`` on a thread of its own: each waits for the rate, as the node's
    handlers do, and the edit that started the node does not."""
    def load() -> None:
        for assignment in assignments:
            try:
                assign(node, assignment, kept=True)
            except Exception as error:  # a MemoryError preparing a long take, a bug: raised on, it went to no node,
                # its take stayed open till the stop (then passed on again) and the takes after it were never tried
                _not_loaded(node, assignment, assignment.slot, error_text(error), kept=True)

    threading.Thread(target=load, name=f"{node.node_id}-handed", daemon=True).start()


def _unclaimed(parked: _Parked) -> None:
    with _lock:
        if parked not in _parked:
            return
        _parked.remove(parked)
    if parked.key[1] != parked.node.context.run_id:
        # its run has stopped: kept past it, not done, and its source passes it on again in this run. Told here, its
        # error stood on this run's sampler, and its close counted off this run's message of that take.
        return
    _not_loaded(parked.node, parked.assignment, parked.assignment.slot, STOPPED_WAITING, kept=True)
