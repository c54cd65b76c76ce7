"""Watching a running patch: runtime events queued on worker threads, applied on the GUI thread.

The engine calls :meth:`RuntimeObserver.on_event` on worker and source threads; it only appends to a
deque (thread-safe, never blocks). The GUI calls :meth:`RuntimeObserver.apply` once a frame, which
folds the queued events into plain per-node state that the views draw. :class:`Runner` starts and
stops the engine for the editor and swaps plans as the patch is edited.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.wording import problems_text
from exsampling_patch.errors import PatchError
from exsampling_patch.messages import Prediction, SlotAssignment, Take
from exsampling_patch.mixdown import mix_down
from exsampling_patch.patch import Patch
from exsampling_patch.runtime import (
    Engine,
    Event,
    MessageHop,
    NodeError,
    NodeRecovered,
    NodeStatus,
    NodeTiming,
    PlanSwapped,
    showlog,
)
from exsampling_patch.runtime.events import TakeEnded, merge_status
from exsampling_patch.runtime.ledger import not_loaded_of
from exsampling_patch.runtime.parts import error_text
from exsampling_patch.runtime.recovery import ErrorState

log = logging.getLogger(__name__)


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

    KINDS = (NodeError, NodeRecovered, NodeStatus, NodeTiming, MessageHop, PlanSwapped, TakeEnded)

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
            elif isinstance(event, _StatusesSoFar):
                for copied_id, status in event.statuses.items():
                    self._fold_status(copied_id, status, changed)
            elif isinstance(event, NodeError):
                live = self.nodes.setdefault(node_id, NodeLive())
                live.error, live.error_event = event.error, event
                live.error_count += 1
                changed.add(node_id)
            elif isinstance(event, NodeRecovered):
                # The engine's word (runtime.recovery): a message handled, a device back, a rebuild. Not replayed
                # here: whether an error was told while a handler ran, from any thread, only the engine knows.
                recovered = self.nodes.get(node_id)
                if recovered is not None and recovered.error is not None:
                    recovered.error, recovered.error_event = None, None
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
                self._note_end(event)
            elif isinstance(event, PlanSwapped):
                self.plan_version = event.version
                for removed in event.removed:
                    self.nodes.pop(removed, None)
                    changed.add(removed)
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

    def _note_end(self, event: TakeEnded) -> None:
        point = self.takes.get(event.take_id)
        if point is None:
            point = self._point(Take(np.zeros(0, np.float32), 1, take_id=event.take_id, source=event.source))
        point.fate, point.end = event.fate, event.reason
        point.not_loaded = not_loaded_of(event)
        if event.fate == "slot" and event.slots:
            point.slot = event.slots[0]
        elif event.fate != "slot":
            point.slot = None  # not in a slot, whatever was assigned on the way
        for slot in event.slots:
            self.slot_ends[slot.lower()] = point

    def _fold_status(self, node_id: str, status: dict[str, Any], changed: set[str]) -> None:
        live = self.nodes.setdefault(node_id, NodeLive())
        merge_status(live.status, status)
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


#: Seconds the editor waits for the nodes that did start to stop, after a start that failed.
START_FAILED_STOP_S = 2.0


def failure_text(engine: Engine, error: BaseException) -> str:
    """What escaped the engine's start() or update(), naming the node whose method it escaped where there is one
    (its error shows on the node as well: the engine reports it there)."""
    failed = engine.failed_call
    if failed is not None:
        node_id, call = failed
        return f"node '{node_id}' failed in {call}(): {engine.errors.get(node_id, type(error).__name__)}"
    return error_text(error)


class Runner:
    """Runs the model's patch for the editor; edits made while it runs are swapped in by :meth:`sync`."""

    def __init__(self, model: EditorModel, observer: RuntimeObserver, workers: int | None = None) -> None:
        self.model = model
        self.observer = observer
        self.workers = workers
        self.engine: Engine | None = None
        #: Why the last start or swap failed (the patch as edited cannot run); None when all is well.
        self.problem: str | None = None
        self._stale = False
        self._swap: threading.Thread | None = None
        #: The show log of the run (docs/replay.md), with the performer's locks and roll-backs; None: none written
        self.show: showlog.ShowLog | None = None
        #: What the show log of the run could not write (set from the log's thread), as the stage console says it
        self.show_problem: str | None = None
        model.listen(self._on_change)

    @property
    def running(self) -> bool:
        return self.engine is not None and self.engine.running

    def _on_change(self, what: str, subject: Any) -> None:
        if what not in ("node_moved", "refused", "saved"):
            self._stale = True

    def start(self) -> bool:
        """Start the patch; returns False (and sets :attr:`problem`) if it cannot run."""
        if self.running:
            return True
        try:
            patch = self.model.runnable_patch()
        except PatchError as error:
            self.problem = problems_text(error.problems)
            return False
        engine = Engine(self.model.registry, workers=self.workers, base_dir=self.model.base_dir)
        self.observer.clear()
        self.observer.attach(engine)
        self._open_show(engine, patch)
        try:
            engine.start(patch)
        except (Exception, SystemExit) as error:  # a plugin's sys.exit() must not close the editor
            self.observer.detach()
            self._close_show()
            self.problem = failure_text(engine, error)
            # The nodes started before the failure (consumers first) went on holding their ports and devices, and
            # the workers waited for ever: the next start met "port in use".
            engine.stop(START_FAILED_STOP_S)
            return False
        self.engine, self.problem, self._stale = engine, None, False
        self._watch_samplers(engine)
        return True

    def _open_show(self, engine: Engine, patch: Patch) -> None:
        """A show log for this run, as ``exsampling run`` writes: what the performer does here is part of the show."""
        registry = self.model.registry
        self.show_problem = None
        if self.model.path is None:  # an unsaved patch has no folder for its shows
            return
        path: Path | str = "shows"
        try:
            path = showlog.default_path(patch, Path(self.model.base_dir), time.time())
            sources = [n for n, spec in patch.nodes.items()
                       if spec.type in registry and not registry.get(spec.type).inputs]
            samplers = [n for n, spec in patch.nodes.items() if spec.type == "sampler"]
            self.show = showlog.ShowLog(path, patch, sources, samplers, on_problem=lambda text: setattr(
                self, "show_problem", f"show log {path}: {text}"))
        except Exception as error:  # no show log (a folder not writable): the patch still runs, and says so
            self.show = None
            why = error.strerror if isinstance(error, OSError) and error.strerror else error
            self.show_problem = f"no show log: cannot write {path}: {why}"
            return
        self._unsubscribe_show = engine.events.subscribe(self.show, *showlog.KINDS)

    def _watch_samplers(self, engine: Engine) -> None:
        show = self.show
        if show is None:
            return
        for node_id in show.samplers:  # after a swap restarted one, its new instance
            try:
                node = engine.node(node_id)
            except KeyError:
                continue
            if callable(getattr(node, "played", None)):
                show.watch(node_id, node.played)  # type: ignore[attr-defined]

    def _close_show(self) -> None:
        show, self.show = self.show, None
        if show is not None:
            self._unsubscribe_show()
            show.close()

    def sync(self) -> bool:
        """Swap the edited patch in if it changed (called once a frame); returns True, once, when a new plan
        has gone live.

        The swap runs on a thread of its own: a node it restarts may take a while to start (the classifier's
        process loads its model, the sampler opens its stream), and the editor must keep drawing meanwhile.
        Edits made during a swap go in with the next one.
        """
        swap = self._swap
        if swap is not None:
            if swap.is_alive():
                return False
            self._swap = None
            return self.problem is None
        if not self.running or not self._stale or self.engine is None:
            return False
        self._stale = False
        try:
            patch = self.model.runnable_patch()
        except PatchError as error:
            self.problem = f"not swapped in (the old plan runs on): {problems_text(error.problems)}"
            return False
        self._swap = threading.Thread(target=self._update, args=(self.engine, patch), name="editor-swap",
                                      daemon=True)
        self._swap.start()
        return False

    def _update(self, engine: Engine, patch: Patch) -> None:
        ran = engine.plan
        try:
            swapped = engine.update(patch)
        except PatchError as error:
            self.problem = f"not swapped in (the old plan runs on): {problems_text(error.problems)}"
        except (Exception, SystemExit) as error:  # else the thread ended unseen, and the edit was said swapped in
            if engine.plan is None:  # Stop came during the edit: the run is over, as where update() returns None
                return
            # The engine puts back the plan that ran, unless what escaped came from a removed node's stop().
            if engine.plan is ran:
                self.problem = f"not swapped in (the old plan runs on): {failure_text(engine, error)}"
            else:
                self.problem = f"swapped in, but {failure_text(engine, error)}"
                self._watch_samplers(engine)
        else:
            # None: Stop came during the edit, and the run is over: what Stop said (a node it gave up on) stands,
            # and there is no node to watch. Taken for swapped in, that cleared it.
            if swapped is not None:
                self.problem = None
                self._watch_samplers(engine)

    @property
    def swapping(self) -> bool:
        """Whether an edit is being swapped into the running patch now."""
        return self._swap is not None and self._swap.is_alive()

    def stop(self, timeout: float = 5.0, give_up_after: float = 60.0) -> bool:
        """Stop the patch, an edit being swapped in included: returns once every node the engine built is stopped
        (True if all finished in time). Given up on after 5 s, a swap waiting on a slow node went on, and the nodes
        it started or was retiring were never stopped: the next start met their ports and devices held. A node's
        start() that has not returned after ``give_up_after`` s (a plugin that never returns) is left to the swap,
        which stops it if it ever returns: the editor must not hang with it (False, and the problem says so)."""
        swap, self._swap = self._swap, None
        engine, self.engine = self.engine, None
        clean = engine.stop(timeout) if engine is not None else True
        # The swap ends at its next step, stopping what it holds: the node whose start() it has in hand, as that
        # returns (a model loading).
        waited = 0.0
        while swap is not None and swap.is_alive():
            swap.join(min(timeout, max(0.0, give_up_after - waited)))
            waited += timeout
            if swap.is_alive() and engine is not None:
                node_id, call = engine.starting_call or ("?", "?")
                if waited >= give_up_after:
                    self.problem = (f"node '{node_id}' is still in its {call}() after {give_up_after:g} s: it will "
                                    "be stopped if it returns; until then it may hold its ports and devices")
                    log.error("stopping: %s", self.problem)
                    clean = False
                    break
                log.warning("stopping: waiting for node %s's %s() to return, to stop it", node_id, call)
        if engine is None:
            return True
        self._close_show()
        self.observer.apply()
        self.observer.detach()
        return clean

    def node(self, node_id: str) -> Any:
        """The live node instance (for the performance view's slots), or None."""
        if self.engine is None:
            return None
        try:
            return self.engine.node(node_id)
        except KeyError:
            return None
