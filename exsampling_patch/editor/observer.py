"""Watching a running patch: runtime events queued on worker threads, applied on the GUI thread.

The engine calls :meth:`RuntimeObserver.on_event` on worker and source threads; it only appends to a
deque (thread-safe, never blocks). The GUI calls :meth:`RuntimeObserver.apply` once a frame, which
folds the queued events into plain per-node state that the views draw (:class:`NodeLive`, the takes seen as
:class:`TakePoint`). The engine it watches is started and stopped by :class:`~exsampling_patch.editor.live.Runner`.
"""

from __future__ import annotations

import collections
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from exsampling_patch.messages import Prediction, SlotAssignment, Take
from exsampling_patch.mixdown import mix_down
from exsampling_patch.runtime import (
    Engine,
    Event,
    MessageHop,
    NodeError,
    NodeErrorCounted,
    NodeRecovered,
    NodeStatus,
    NodeStillInError,
    NodeTiming,
    PlanSwapped,
)
from exsampling_patch.runtime.events import TakeEnded, merge_status
from exsampling_patch.runtime.ledger import not_loaded_of
from exsampling_patch.runtime.recovery import ErrorState

__all__ = ["NodeLive", "RuntimeObserver", "SlotSeen", "TakePoint", "envelope", "take_of"]


@dataclass
class NodeLive:
    """What the editor shows on a node while the patch runs."""

    status: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    error_count: int = 0
    handled: int = 0
    last_seconds: float | None = None
    #: The event of :attr:`error`, as it was published.
    error_event: NodeError | None = None
    #: The last take that ended here without reaching a slot or a sink (dropped: went nowhere, left waiting for
    #: its prediction; or at a source linked to nothing), as (take id, why): its line says so until the node
    #: reports a later take. Only the Performance tab told it before, so the patch's own view lost takes silently.
    lost: tuple[str, str] | None = None
    #: The outputs that loaded the take its status says it did not load (``skipped`` with ``not_loaded``), from that
    #: take's end (TakeEnded.loaded): () where none did, so its line says so as the console does; None until the take
    #: ended, or where not known.
    skipped_loaded: tuple[str, ...] | None = None

    def get(self, key: str, default: Any = None) -> Any:
        return self.status.get(key, default)


@dataclass
class TakePoint:
    """A take seen flowing, with where it was recorded and what it became."""

    take_id: str
    source: str
    name: str = ""  # how the take is shown (Take.name: a folder's file); its id where empty
    latitude: float | None = None
    longitude: float | None = None
    label: str | None = None
    confidence: float | None = None
    slot: str | None = None
    seen: float = field(default_factory=time.monotonic)
    #: What became of it, from its TakeEnded: ``fate`` (slot, skipped, rejected, dropped, error, done) and ``end``
    #: (the reason, for a person: "slot Bass", "skipped: slot Bass locked", "rejected: not sure (dog 31%)").
    fate: str | None = None
    end: str | None = None
    #: What an output did not load of a take that ended in its slot, or a node's error on it (its reason after the
    #: slots: "not loaded into Live: Live did not answer within 2 s"); "" where each output loaded it.
    not_loaded: str = ""
    #: The outputs that loaded it (TakeEnded.loaded): () where none did, None where not known.
    loaded: tuple[str, ...] | None = None


@dataclass
class SlotSeen:
    """A slot assignment seen flowing (the performance view's fallback when no sampler exposes its slots)."""

    name: str
    take: Take
    label: str | None
    confidence: float


def take_of(message: Any) -> Take | None:
    if isinstance(message, Take):
        return message
    if isinstance(message, Prediction | SlotAssignment):
        return message.take
    return None


def envelope(samples: np.ndarray, points: int = 200) -> tuple[list[float], list[float]]:
    """A waveform reduced to ``points`` (x, peak) pairs for drawing (peak of |sample| in each bin); channels are
    mixed down as everywhere else (:func:`~exsampling_patch.mixdown.mix_down`), so a take in opposite phase is drawn
    as heard, not as silence."""
    mono = np.asarray(samples, dtype=np.float32)
    if mono.ndim == 2:
        mono = mix_down(mono)
    if mono.size == 0:
        return [], []
    points = max(1, min(points, mono.size))
    usable = mono[: mono.size - mono.size % points] if mono.size >= points else mono
    peaks = np.abs(usable).reshape(points, -1).max(axis=1)
    return list(np.linspace(0.0, 1.0, points)), peaks.tolist()


@dataclass(frozen=True)
class _StatusesSoFar(Event):
    """What the engine's nodes had reported as the observer attached (:meth:`RuntimeObserver.attach`): queued
    first, filled just after."""

    statuses: dict[str, dict[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class _ErrorsSoFar(Event):
    """What the engine knew of a node's errors as the observer attached (:meth:`RuntimeObserver.attach`)."""

    state: ErrorState


class RuntimeObserver:
    """Queues runtime events from any thread; :meth:`apply` folds them into :attr:`nodes` on the GUI thread."""

    KINDS = (NodeError, NodeErrorCounted, NodeRecovered, NodeStillInError, NodeStatus, NodeTiming, MessageHop,
             PlanSwapped, TakeEnded)

    def __init__(self, max_queued: int = 50_000, max_takes: int = 500) -> None:
        # A bounded deque: if the GUI stalls, the oldest events go, never the show.
        self._queue: collections.deque[Event] = collections.deque(maxlen=max_queued)
        self._unsubscribe: Callable[[], None] | None = None
        self.max_takes = max_takes
        self.nodes: dict[str, NodeLive] = {}
        self.takes: collections.OrderedDict[str, TakePoint] = collections.OrderedDict()
        self.slots: dict[str, SlotSeen] = {}
        #: The latest ended take each slot was assigned (slot name in lower case): loaded or skipped.
        self.slot_ends: dict[str, TakePoint] = {}
        self.plan_version = 0
        self.last_take: TakePoint | None = None
        #: Source node -> the takes it passed on again at this run's start, stored by the last run but not through the
        #: patch when it ended (a kill, a crash, a stop mid-take): its status's "recovered", as the console counts them.
        self.recovered: dict[str, set[str]] = {}

    def attach(self, engine: Engine) -> None:
        """Subscribe to ``engine`` and take over what it already knows (status, errors and their counts)."""
        self.detach()
        # Subscribed before the statuses and errors are copied, else a status or recovery published between the two
        # is lost. The statuses' copy is taken without any engine lock (one held as statuses are published would
        # hold every node back behind a slow observer), so its place in the queue is taken first: the statuses
        # queued before it were stored before it was taken, so it holds them. Those queued after it follow it, and
        # the newer ones are among them: one stored before the copy but published after is folded in again, which
        # leaves the same fields as long as the newer ones follow it (merge_status), as they do for a node that
        # reports from one thread at a time. Filled here, on the thread that applies the queue (the GUI's).
        statuses = _StatusesSoFar("")
        self._unsubscribe = engine.events.subscribe(self.on_event, *self.KINDS)
        self._queue.append(statuses)
        statuses.statuses.update(engine.status_snapshot())
        # The errors' copy is queued under the engine's error lock, under which each error and recovery is
        # published: those queued before it are in it already, and it sets each node's error and count rather than
        # adding to them.
        engine.error_state(then=self._errors_so_far)

    def _errors_so_far(self, state: dict[str, ErrorState]) -> None:
        for node_id, errors in state.items():
            # The error each node is in now (the engine's NodeRecovered ends it from here on); its count for the
            # badge's "(xN)".
            self._queue.append(_ErrorsSoFar(node_id, state=errors))

    def detach(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def counts(self, name: str) -> dict[str, int]:
        """Node -> its status ``name``, a count, for the nodes whose count is above 0. After a stop too: the runner
        folds in what the nodes reported as they stopped (a recorder's ``uploads_cut_off``), and leaves this attached
        to the stopped engine until the next start, for what they report later (``held_on_phones``)."""
        return {node_id: live.status[name] for node_id, live in self.nodes.items()
                if isinstance(live.status.get(name), int) and live.status[name] > 0}

    def on_event(self, event: Event) -> None:
        """Called on runtime threads: queue only, never block."""
        self._queue.append(event)

    def clear(self) -> None:
        self._queue.clear()
        self.nodes.clear()
        self.takes.clear()
        self.slots.clear()
        self.slot_ends.clear()
        self.last_take = None
        self.recovered.clear()

    def apply(self) -> set[str]:
        """Fold the queued events in (GUI thread); returns the ids of nodes whose display changed."""
        changed: set[str] = set()
        queue = self._queue
        while queue:
            try:
                event = queue.popleft()
            except IndexError:  # pragma: no cover - emptied by another consumer
                break
            node_id = event.node_id
            if isinstance(event, NodeStatus):
                self._fold_status(node_id, event.status, changed)
                self._note_recovered(node_id, event.status)
            elif isinstance(event, _StatusesSoFar):
                for copied_id, status in event.statuses.items():
                    self._fold_status(copied_id, status, changed)
            elif isinstance(event, NodeError):
                live = self.nodes.setdefault(node_id, NodeLive())
                live.error, live.error_event = event.error, event
                live.error_count += 1
                changed.add(node_id)
            elif isinstance(event, NodeErrorCounted):  # an old node of the id's: counted, standing on no node
                live = self.nodes.setdefault(node_id, NodeLive())
                live.error_count += 1
                changed.add(node_id)
            elif isinstance(event, NodeRecovered):
                # The engine's word (runtime.recovery): a message handled, a device back, a rebuild. Not replayed
                # here: whether an error was told while a handler ran, from any thread, only the engine knows.
                recovered = self.nodes.get(node_id)
                if recovered is not None and recovered.error is not None:
                    recovered.error, recovered.error_event = None, None
                    changed.add(node_id)
            elif isinstance(event, NodeStillInError):  # one of its errors ended: its badge shows the one left
                still = self.nodes.get(node_id)
                if still is not None and still.error is not None:
                    still.error, still.error_event = event.error.error, event.error
                    changed.add(node_id)
            elif isinstance(event, NodeTiming):
                live = self.nodes.setdefault(node_id, NodeLive())
                live.handled += 1
                live.last_seconds = event.seconds
            elif isinstance(event, _ErrorsSoFar):
                live = self.nodes.setdefault(node_id, NodeLive())
                error = event.state.error
                live.error, live.error_event = (error.error, error) if error is not None else (None, None)
                live.error_count = event.state.told
                changed.add(node_id)
            elif isinstance(event, MessageHop):
                self._note_message(event.message)
            elif isinstance(event, TakeEnded):
                self._note_end(event, changed)
                self._note_lost(event, changed)
            elif isinstance(event, PlanSwapped):
                self.plan_version = event.version
                for removed in event.removed:  # its error and count with it, as error_state has them: an id added
                    self.nodes.pop(removed, None)  # back is a new node, and shows none of the removed one's
                    changed.add(removed)
                for added in event.added:  # put back by an undo: what its removal dropped is not its news
                    if added in self.nodes:
                        self.nodes[added].lost = None
                        changed.add(added)
        return changed

    def _point(self, take: Take) -> TakePoint:
        point = self.takes.get(take.take_id)
        if point is None:
            point = TakePoint(take.take_id, take.source, take.name)
            self.takes[take.take_id] = point
            while len(self.takes) > self.max_takes:
                self.takes.popitem(last=False)
        if take.location is not None:
            point.latitude, point.longitude = take.location.latitude, take.location.longitude
        self.last_take = point
        return point

    def _note_message(self, message: Any) -> None:
        take = take_of(message)
        if take is None:
            return
        point = self._point(take)
        if isinstance(message, Prediction) and message.label is not None:
            point.label, point.confidence = message.label, message.confidence
        elif isinstance(message, SlotAssignment):
            point.slot = message.slot
            # Its confidence may be the slot's (a slot map's labels summed): the label's own, once known, stays.
            if message.label is not None and point.label is None:
                point.label, point.confidence = message.label, message.confidence
            self.slots[message.slot] = SlotSeen(message.slot, take, message.label, message.confidence)

    def _note_end(self, event: TakeEnded, changed: set[str]) -> None:
        point = self.takes.get(event.take_id)
        if point is None:
            point = self._point(Take(np.zeros(0, np.float32), 1, take_id=event.take_id, source=event.source))
        point.fate, point.end = event.fate, event.reason
        point.not_loaded, point.loaded = not_loaded_of(event), event.loaded
        if event.fate == "slot" and event.slots:
            point.slot = event.slots[0]
        elif event.fate != "slot":
            point.slot = None  # not in a slot, whatever was assigned on the way
        for slot in event.slots:
            self.slot_ends[slot.lower()] = point
        # A node that told it did not load the take, before its end came (the end waits for every output)
        for node_id, live in self.nodes.items():
            if live.status.get("skipped") == event.take_id:
                live.skipped_loaded = event.loaded
                changed.add(node_id)

    def _note_lost(self, event: TakeEnded, changed: set[str]) -> None:
        if event.fate == "dropped":
            why = event.reason if event.reason.startswith("dropped") else f"dropped: {event.reason}"
        elif event.fate == "done" and event.node_id == event.source and not event.slots:
            why = f"last take went nowhere: {event.reason}"  # a source whose links were all taken away by an edit
        else:
            return
        self.nodes.setdefault(event.node_id, NodeLive()).lost = (event.take_id, why)  # a relay reports no status
        changed.add(event.node_id)

    def _note_recovered(self, node_id: str, status: dict[str, Any]) -> None:
        """A take passed on again, told by its own status (not by a copy of statuses merged: one take's "recovered"
        stays there beside a later take's id)."""
        take = status.get("take")
        if status.get("recovered") and isinstance(take, str):
            self.recovered.setdefault(node_id, set()).add(take)

    def _fold_status(self, node_id: str, status: dict[str, Any], changed: set[str]) -> None:
        live = self.nodes.setdefault(node_id, NodeLive())
        # A later take handled, and what was lost before is not the node's news any more; a take only held (as a
        # slot map holds one for its prediction, saying just how many wait) is not handled yet: a take left waiting
        # is told lost after later ones were held.
        later = status.get("take")
        held = "waiting" in status and not any(key in status for key in ("label", "slot", "rejected"))
        if live.lost is not None and isinstance(later, str) and later != live.lost[0] and not held:
            live.lost = None
        merge_status(live.status, status)
        skipped = live.status.get("skipped")
        ended = self.takes.get(skipped) if isinstance(skipped, str) else None  # its end came first: who loaded it
        live.skipped_loaded = ended.loaded if ended is not None and ended.fate is not None else None
        self._note_status(node_id, status)
        changed.add(node_id)

    def _note_status(self, node_id: str, status: dict[str, Any]) -> None:
        take_id = status.get("take")
        if not isinstance(take_id, str) or take_id not in self.takes:
            return
        point = self.takes[take_id]
        # A class comes with its confidence; other nodes' labels (trim's lengths, pitch's Hz) are not the take's.
        if isinstance(status.get("label"), str) and isinstance(status.get("confidence"), int | float):
            point.label, point.confidence = status["label"], float(status["confidence"])
        if isinstance(status.get("slot"), str):
            point.slot = status["slot"]
