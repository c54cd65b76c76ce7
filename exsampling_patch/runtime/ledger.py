"""The take ledger: which takes are in flight, and what became of each when the last of it is handled.

A take starts when a source emits it. Every message that carries it (the take, a prediction of it, its slot
assignment, one-shots split from it: all keyed by the id of the take the source emitted) is counted when it
is queued for a node and counted off when that node has handled it. When nothing of a take is left in flight,
the take has ended: whatever it reached (a slot, a writer, an output) or wherever it stopped (a gate's rejection,
a node that dropped it, an error), and nothing more will happen to it; an output whose word on a take comes later
(Live's answer to a load) keeps it open until then (:meth:`~exsampling_patch.node.Node.keep_open`). Then, and only
then, its source may write it down as done: work in flight when the process dies is not done, and is redone at the
next start.

What a take's end was is gathered on the way: a slot assignment emitted, a fate a node told
(:meth:`~exsampling_patch.node.Node.tell_fate`), an error on a node, a copy dropped with a node a live edit took
out, a copy that reached an end (handled by a node that passed nothing of it on), a take a node still holds
waiting for something (:meth:`~exsampling_patch.node.Node.hold_take`: a slot map's take whose prediction never
came), a copy emitted on an output linked to nothing. The most telling one is the take's fate: a take ends 'done'
only where it reached an end, never where it was left waiting or went nowhere. A slot outranks an error, but the
error is said after it, as is an output that did not get the take into its slot (:data:`NOT_LOADED`), on the take's
own line: "slot HH, not loaded into Live: Live did not answer within 2 s", "slot HH, error in aosc: ..." (before,
"slot HH", the failure on a line apart). A 'slot' end also names the outputs that loaded the take (``loaded``, in the
order their handlers returned): each node that loads takes (``Node.loads_takes``: a sampler, Live) whose handler took an
assignment of the take and returned without raising and without telling an error while it had it in hand (an error
another thread of the node told meanwhile is none of the take's), unless that node told the take not loaded, skipped
or an error on it (on any message of the take, before its end: an output that kept the take open tells it as it
closes it). So "not loaded into Live" can be told from "in the sampler's slot, not loaded into Live" (a patch with
Live alone: no instrument has the take).
"""

from __future__ import annotations

import threading
import time
from typing import Any

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.runtime.events import TakeEnded

#: Fates, the most telling first: a take assigned to a slot and also rejected by a second gate went to a slot;
#: one a sampler skipped (its slot locked) did not sound, though it was assigned. A copy dropped with a node an edit
#: took out (:meth:`TakeLedger.lost`) is no node's word on the take: where another copy reached an end, the take
#: is 'done' and the lost copy said after it; where none did, it is 'dropped'.
FATES = ("skipped", "slot", "error", "rejected", "dropped", "done")

#: Told by an output that did not get an assigned take into its slot (reason: "not loaded into Live: ..."): no fate
#: of its own, but said after the slot on the take's end; with no slot, an error.
NOT_LOADED = "not_loaded"


def take_of(message: Any) -> Take | None:
    """The take a message is about (a take, or a prediction's or assignment's), or None."""
    if isinstance(message, Take):
        return message
    take = getattr(message, "take", None)
    return take if isinstance(take, Take) else None


def take_key(message: Any) -> str | None:
    """The id of the take a source emitted that ``message`` comes from (one-shots keep it in ``origin_take``)."""
    take = take_of(message)
    if take is None:
        return None
    return str(take.meta.get("origin_take") or take.take_id)


class _Open:
    __slots__ = (
        "count",
        "held",
        "kept",
        "lost",
        "missed",
        "not_loaded",
        "notes",
        "nowhere",
        "outputs",
        "parked",
        "reached",
        "recorder",
        "slots",
        "source",
        "started",
    )

    def __init__(self, recorder: str, source: str) -> None:
        self.count = 0
        self.recorder = recorder
        self.source = source
        self.started = time.monotonic()
        self.slots: list[str] = []
        self.notes: dict[str, tuple[str, str]] = {}  # fate -> (node, reason), the first of each
        self.lost: tuple[str, str] | None = None  # (node, reason) of the first copy an edit dropped
        self.reached = ""  # the first node whose handler took a copy to an end
        self.held: dict[str, str] = {}  # node -> why it holds the take (waiting for what), until it lets it go
        self.kept: dict[str, int] = {}  # node -> how often it kept the take open (keep_open) and has not closed it
        self.nowhere = ""  # the first output ('node.port') linked to nothing that a copy was emitted on
        self.not_loaded: list[tuple[str, str]] = []  # (node, reason) of each output that did not load it, in order
        self.parked = 0  # keeps closed past the stop: still counted (not handled), waiting at no node
        self.outputs: list[str] = []  # each output node that took an assignment of it (:meth:`TakeLedger.output`)
        self.missed: set[str] = set()  # nodes that said they did not load it, skipped it or failed on it


class TakeLedger:
    """Counts each take's messages in flight; :meth:`finish` returns the take's :class:`TakeEnded` at its end."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, _Open] = {}
        self._ended: set[str] = set()  # ids told ended in this run (a few bytes a take)

    def first_end(self, take_id: str) -> bool:
        """Whether ``take_id`` is told ended for the first time in this run; it is from now on."""
        with self._lock:
            if take_id in self._ended:
                return False
            self._ended.add(take_id)
            return True

    def __len__(self) -> int:
        return len(self._open)

    def __contains__(self, take_id: object) -> bool:
        with self._lock:
            return take_id in self._open

    def in_flight(self) -> list[str]:
        with self._lock:
            return list(self._open)

    def source_of(self, take_id: str) -> str:
        with self._lock:
            entry = self._open.get(take_id)
            return entry.source if entry else ""

    def begin(self, take_id: str, recorder: str, source: str, count: int) -> TakeEnded | None:
        """A source emitted a take to ``count`` inputs (0: nothing is linked, the take ends here)."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is None:
                entry = self._open[take_id] = _Open(recorder, source)
            entry.count += count
            if entry.count > 0:
                return None
            del self._open[take_id]
        return _ended(take_id, entry, source)

    def add(self, take_id: str, count: int) -> bool:
        """``count`` more messages of an open take were queued; False (nothing counted) for a take not open."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is None:
                return False
            entry.count += count
            return True

    def keep(self, take_id: str, node_id: str) -> bool:
        """``node_id`` keeps an open take open (:meth:`~exsampling_patch.node.Node.keep_open`): one more message of it,
        and the node named as where it waits, should the run stop first; False for a take not open."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is None:
                return False
            entry.count += 1
            entry.kept[node_id] = entry.kept.get(node_id, 0) + 1
            return True

    def unkeep(self, take_id: str, node_id: str, handled: bool = True) -> None:
        """``node_id`` closed a take it kept open (:meth:`keep`): no longer where it waits. ``handled``: False past
        the stop, its message then never handled (:meth:`queued`)."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is not None and entry.kept.get(node_id, 0) > 0:
                entry.parked += 0 if handled else 1
                entry.kept[node_id] -= 1
                if entry.kept[node_id] == 0:
                    del entry.kept[node_id]

    def keepers(self, take_id: str) -> dict[str, str]:
        """The nodes an open take waits at (held, :meth:`hold`, or kept open, :meth:`keep`) -> why, where a node said
        (its :meth:`hold` reason; '' for one kept open): the stop's summary names them. {} for a take not open."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is None:
                return {}
            return {**dict.fromkeys(entry.kept, ""), **entry.held}

    def queued(self, take_id: str) -> int:
        """How many messages of an open take are queued or in a handler: not kept open at a node, nor closed past
        the stop (0 for a take not open). The stop's summary tells a take an output kept unsent by its source as well
        while some are."""
        with self._lock:
            entry = self._open.get(take_id)
            return entry.count - sum(entry.kept.values()) - entry.parked if entry is not None else 0

    def not_loaded(self, take_id: str) -> list[tuple[str, str]]:
        """(node, reason) of each output that noted the open take not loaded (:meth:`note`), in order; [] for a take
        not open: the stop's summary tells a take an output kept unsent by that output alone."""
        with self._lock:
            entry = self._open.get(take_id)
            return list(entry.not_loaded) if entry is not None else []

    def note(self, take_id: str, node_id: str, fate: str, reason: str, slot: str | None = None) -> None:
        """What happened to an open take at ``node_id`` (fate one of :data:`FATES`, or :data:`NOT_LOADED`)."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is None:
                return
            if slot is not None and slot not in entry.slots:
                entry.slots.append(slot)
            if fate in (NOT_LOADED, "skipped", "error"):
                entry.missed.add(node_id)
            if fate == NOT_LOADED:
                if (node_id, reason) not in entry.not_loaded:
                    entry.not_loaded.append((node_id, reason))
                return
            entry.notes.setdefault(fate, (node_id, reason))

    def output(self, take_id: str, node_id: str) -> None:
        """Output ``node_id`` (one that loads takes: a sampler, Live) had its handler take an assignment of an open
        take and return without raising and without telling an error on it (the engine calls this then): the take's
        end names it loaded, unless it notes the take not loaded (:data:`NOT_LOADED`), skipped or an error on it
        (:meth:`note`) before the end, at its handler or when it closes the take it kept open."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is not None and node_id not in entry.outputs:
                entry.outputs.append(node_id)

    def lost(self, take_id: str, node_id: str, reason: str) -> None:
        """A copy of an open take went with ``node_id``, which an edit took out (or added and rolled back)."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is not None and entry.lost is None:
                entry.lost = (node_id, reason)

    def hold(self, take_id: str, node_id: str, reason: str) -> None:
        """``node_id`` keeps the open take waiting (for its prediction): should the take end meanwhile, it ended
        there, not done."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is not None:
                entry.held[node_id] = reason

    def release(self, take_id: str, node_id: str) -> None:
        """``node_id`` let go of a take it held (:meth:`hold`)."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is not None:
                entry.held.pop(node_id, None)

    def went_nowhere(self, take_id: str, node_id: str, port: str) -> None:
        """A copy of an open take was emitted on ``node_id``'s ``port``, linked to nothing."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is not None and not entry.nowhere:
                entry.nowhere = f"{node_id}.{port}"

    def told(self, take_id: str, recorder: str, node_id: str, fate: str, reason: str) -> TakeEnded | None:
        """A source told the end of a take it never emitted (:meth:`~exsampling_patch.node.Node.tell_fate_of`):
        its end, at once; for a take still in flight, only the fate noted (it ends when the last of it does)."""
        with self._lock:
            if take_id in self._open:
                self._open[take_id].notes.setdefault(fate, (node_id, reason))
                return None
        return TakeEnded(node_id, take_id=take_id, recorder=recorder, fate=fate, reason=reason, source=node_id)

    def finish(self, take_id: str, node_id: str, reached: bool = False) -> TakeEnded | None:
        """One message of the take was handled by ``node_id`` (``reached``: its handler passed nothing of the take on,
        an end of the patch); at the last one, the take's end."""
        with self._lock:
            entry = self._open.get(take_id)
            if entry is None:
                return None
            if reached and not entry.reached:
                entry.reached = node_id
            entry.count -= 1
            if entry.count > 0:
                return None
            del self._open[take_id]
        return _ended(take_id, entry, node_id)


def _ended(take_id: str, entry: _Open, last_node: str) -> TakeEnded:
    seconds = time.monotonic() - entry.started
    common: dict[str, Any] = {"take_id": take_id, "recorder": entry.recorder, "seconds": seconds,
                              "slots": tuple(entry.slots), "source": entry.source}
    if "skipped" in entry.notes:
        node, reason = entry.notes["skipped"]
        return TakeEnded(node, fate="skipped", reason=reason, **common)
    if entry.slots:
        node, _ = entry.notes.get("slot", (last_node, ""))
        told = [reason for _, reason in entry.not_loaded]
        if "error" in entry.notes:  # a node that failed on it (an output raising on its assignment): on its line too
            told.append(entry.notes["error"][1])
        # Which outputs have it: "not loaded into Live" beside a sampler that has it, or with nothing having it
        loaded = tuple(output for output in entry.outputs if output not in entry.missed)
        return TakeEnded(node, fate="slot", reason=slots_text(entry.slots) + "".join(f", {text}" for text in told),
                         loaded=loaded, **common)
    if entry.not_loaded:  # an assignment no one noted (a node's own): not loaded is its error
        node, reason = entry.not_loaded[0]
        return TakeEnded(node, fate="error", reason=reason, **common)
    for fate in FATES[2:-1]:
        if fate in entry.notes:
            node, reason = entry.notes[fate]
            return TakeEnded(node, fate=fate, reason=reason, **common)
    for node, reason in entry.held.items():  # delivered elsewhere (a sampler's 'upcoming'), not where it was going
        return TakeEnded(node, fate="dropped", reason=reason, **common)
    if entry.lost is not None:
        node, reason = entry.lost
        if entry.reached:  # delivered there: the performer is told so first, the lost copy after it
            return TakeEnded(entry.reached, fate="done", reason=f"done ({entry.reached}); a copy {reason}", **common)
        return TakeEnded(node, fate="dropped", reason=reason, **common)
    if entry.nowhere and not entry.reached:
        node = entry.nowhere.split(".", 1)[0]
        return TakeEnded(node, fate="dropped", reason=f"went nowhere: {entry.nowhere} is linked to nothing", **common)
    if entry.reached:
        # Where it reached an end, not the last node to count a message off: a handler marked hung hands what it
        # emits to another worker, which may handle it before that handler counts its own message off ('done (x)'
        # for a take x passed on to keep).
        return TakeEnded(entry.reached, fate="done", reason=f"done ({entry.reached})", **common)
    reason = "nothing is linked to its source" if last_node == entry.source else f"done ({last_node})"
    return TakeEnded(last_node, fate="done", reason=reason, **common)


def slots_text(slots: tuple[str, ...] | list[str]) -> str:
    """How a take's end names its slots ("slot HH", "slots HH, Snare"): the start of a 'slot' end's reason, which
    goes on with what an output did not load (the stage console puts the label before it)."""
    return f"{'slot' if len(slots) == 1 else 'slots'} {', '.join(slots)}"


def not_loaded_of(ended: TakeEnded) -> str:
    """What a take that ended in its slot was not loaded into, as its end goes on after its slots ("not loaded into
    Live: Live did not answer within 2 s", a node's error on it); "" where each output loaded it, or for another
    fate. Said apart where a take's end is shown in parts (a phone's list: "snare 88% -> HH, not loaded ...")."""
    slots = slots_text(ended.slots)
    if ended.fate != "slot" or not ended.reason.startswith(slots):
        return ""
    return ended.reason[len(slots):].removeprefix(", ")


def slot_of(message: Any) -> str | None:
    """The slot an assignment sends its take to (None for other messages)."""
    return message.slot if isinstance(message, SlotAssignment) else None
