"""Runtime events and the bus that delivers them to observers (the CLI's log, the editor, tests).

Observers are called on the thread that published the event (a worker or a source thread): they must
return quickly, typically by putting the event on their own queue.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, overload

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Event:
    """Base of all runtime events: which node, and when (``time.monotonic()``)."""

    node_id: str
    time: float = field(default_factory=time.monotonic, kw_only=True)


@dataclass(frozen=True)
class NodeStarted(Event):
    type_name: str


@dataclass(frozen=True)
class NodeStopped(Event):
    #: Stopped to be built anew by a live edit (its parameters or type changed): its error goes with it.
    rebuilt: bool = False


@dataclass(frozen=True)
class MessageHop(Event):
    """A message left ``node_id.port`` for ``target.target_port``."""

    port: str
    target: str
    target_port: str
    message: Any


@dataclass(frozen=True)
class NodeError(Event):
    """A node raised (or reported) an error; a message it raised on was bypassed.

    ``port``: the handler it failed in (it raised, hung, or told the error while the message was in hand), or, with
    ``later``, the input of a message the node failed on after its handler returned; None outside one (its start(),
    a device thread). What ends the error depends on which: :mod:`.recovery`."""

    error: str
    details: str = ""
    port: str | None = None
    where: str = ""  # FILE:LINE in FUNCTION of a plugin node's own code that raised (runtime.parts.raised_at)
    #: The node method the runtime called that raised, outside a handler (``port`` says which handler):
    #: ``__init__``, ``prepare``, ``start``, ``stop`` or ``take_ended``; '' for a handler or a reported error.
    #: ``where`` names the deepest line of the node's code, often a helper: this says what was going on.
    during: str = ""
    #: Which of the node's devices or outputs it is about, as the status that tells it open again names it (one of
    #: :data:`OPENED_KEYS`: a sampler's ``device`` or its ``midi_port``, a recorder's ``disk``, an output's ``port``);
    #: '' where not told. Told inside a handler too: such an error is not ended by the next message handled cleanly.
    #: An error about one ends only when that one opens again: a sampler without its MIDI keyboard and its sound card
    #: is not back when the keyboard alone is.
    about: str = ""
    #: Told on a thread of the node's own about a message that came in on ``port``, its handler done with it (a take
    #: handed to the sampler an edit built: .nodes.sampler.assign): ends as a handler's error does, at the next
    #: message handled without one (whose handling began after it was told), though no handler failed (one running
    #: meanwhile is not made to have).
    later: bool = False


@dataclass(frozen=True)
class NodeTiming(Event):
    """How long a node took to handle one message on ``port``."""

    port: str
    seconds: float


#: Status fields that tell of one event at a node (a take passing, a slot loaded, skipped or controlled): a status
#: that carries any of them replaces all of them, so that a node's line never shows one take's label beside
#: another's slot (the sampler showed "dog | slot HH" once a control on HH followed a dog loaded into Bass).
#: Other fields (level, voices, xruns, counters, device) are kept until a newer value comes. The engine keeps
#: each node's status by this rule (``Engine.status``, what an observer that joins late copies) and so does the
#: editor's observer (``editor/live.py``).
EVENT_KEYS = frozenset({"take", "label", "confidence", "pitch_confidence", "slot", "skipped", "locked", "rejected",
                        "passed", "reason", "swap_due", "latency_ms", "already_sent", "track", "slot_confidence",
                        "not_loaded"})


#: Status keys a node reports for the run's final summary and the editor's Stop (a web recorder's
#: ``uploads_cut_off``, told at its stop, and ``held_on_phones``): one that an edit removes or renames drops them, as
#: the editor drops its whole status (a removed node's). Its stop was the edit's, not the final one, which the summary
#: and the Stop speak of; and the takes it held on the phones are sent again to the recorder that comes back in its
#: place, which counts them anew, as a rebuilt one does: kept, they were named under a node gone from the patch, and
#: counted twice once the new one refused them too.
STOP_NEWS_KEYS = frozenset({"uploads_cut_off", "held_on_phones"})


def merge_status(status: dict[str, Any], update: dict[str, Any]) -> None:
    """Fold ``update`` into ``status`` in place: an update that tells of an event replaces the last one's fields."""
    if not EVENT_KEYS.isdisjoint(update):
        for key in EVENT_KEYS.difference(update):
            status.pop(key, None)
    status.update(update)


#: Status keys a node reports when an input or output has opened: a recorder's URL, a sound device, a MIDI port, a
#: bound UDP port, a recorder's take folder's disk with room for takes again (``disk``: the line that says so; its
#: disk errors are told ``about`` it). Reported after the node's error, one says the node is back (the device came
#: back by itself: a JACK server restarted, a MIDI port re-plugged), where the engine finds by :mod:`.recovery`'s
#: rule that it ends the node's error: it publishes :class:`NodeRecovered` (the editor clears its badge) and the
#: status with ``back`` (the stage console prints "<node> is back").
OPENED_KEYS = ("url", "device", "midi_port", "port", "disk")

#: Those of :data:`OPENED_KEYS` that end only the errors told ``about`` them, not those told about nothing as the
#: others do: room on a recorder's disk mends none of its other errors ("the recorder's state could not be written").
ABOUT_ONLY_KEYS = frozenset({"disk"})


def opened_keys(status: dict[str, Any]) -> list[str]:
    """The keys of :data:`OPENED_KEYS` that ``status`` carries, in that order (none: nothing opened)."""
    return [key for key in OPENED_KEYS if key in status]


@dataclass(frozen=True)
class NodeStatus(Event):
    """What a node says flows through it: levels, last label, confidence, slot..."""

    status: dict[str, Any]
    #: Reported while the engine runs the node's constructor, prepare() or start(): its first setting up.
    starting: bool = False
    #: What this status opened ended the node's error, as the engine decided (its :class:`NodeRecovered` came just
    #: before): the stage console says "<node> is back" at this line.
    back: bool = False


@dataclass(frozen=True)
class NodeRecovered(Event):
    """The engine ended the error ``node_id`` was in (:mod:`.recovery`'s rule; its count stays): ``how`` it came back,
    ``handled`` (a message handled without an error), ``opened`` (its device, port or URL opened again) or
    ``rebuilt`` (by a live edit). Observers clear the node's error on it rather than replay the rule, which needs
    what only the engine knows (the errors told while a handler ran, from any thread). Published in order with the
    node's :class:`NodeError` events."""

    how: str


@dataclass(frozen=True)
class NodeStillInError(Event):
    """The engine ended one or more of ``node_id``'s errors (``how``, as :class:`NodeRecovered`'s), and another, told
    earlier about something else, still stands: ``error``, as it was published, is the node's error now. Observers
    show it in place of the one that ended (``ended``: their texts), which is no longer true: a sampler's MIDI
    keyboard back while its sound card is still missing. Published in order with the node's :class:`NodeError`
    events, as :class:`NodeRecovered` is; the node is back only at its NodeRecovered."""

    how: str
    error: NodeError
    ended: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeErrorCounted(Event):
    """An error counted for ``node_id`` that stands on none of its nodes: an old node of the id (removed, or rebuilt
    beside its hung handler by an edit) failed as that handler came back, and the console tells it as that node's.
    Observers add one to the id's count of errors, as at a :class:`NodeError`, and leave its error as it is; an
    observer that joins later reads the count in ``Engine.error_state``. Published in order with the node's
    :class:`NodeError` events."""

    error: str = ""


@dataclass(frozen=True)
class TakeEnded(Event):
    """A take reached its end in the patch: nothing of it is in flight any more (``node_id``: where it ended).

    ``fate`` is one word: ``slot`` (assigned; ``slots`` names them), ``skipped`` (assigned, but a sampler kept its
    slot's take: "skipped: slot Bass locked"; ``slots`` names them), ``rejected`` (by a gate, with why),
    ``dropped`` (a node ended it on purpose: "silent"), ``error`` (a node failed on it) or ``done`` (it reached
    the patch's sinks: a writer, an output). ``reason`` says it for a person: "slot HH", "rejected: not sure (dog
    31%)", "silent", "error in trim: ValueError: ...". Published once per take a source emitted,
    after which nothing of it is in flight. ``loaded``, for a 'slot' end: the outputs that loaded the take (empty:
    none did, as where Live alone is linked and did not answer); None where not known.
    """

    take_id: str
    recorder: str
    fate: str
    reason: str
    slots: tuple[str, ...] = ()
    source: str = ""  # the node that emitted the take
    seconds: float = 0.0
    loaded: tuple[str, ...] | None = None


@dataclass(frozen=True)
class NodeHung(Event):
    """A node's handler has run past its limit (``hang_after``) on ``take_id``; ``recovered`` when it came back.

    The engine gives the other nodes a new worker meanwhile: the rest of the patch keeps flowing. The takes the
    handler holds are not done (a restart redoes them)."""

    port: str
    seconds: float
    limit: float
    take_id: str = ""
    recovered: bool = False


@dataclass(frozen=True)
class PlanSwapped(Event):
    """A new plan is live (``node_id`` is empty); ``added`` and ``removed`` list node ids."""

    version: int
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()


Observer = Callable[[Event], None]
#: An event kind, for observers of one kind (typed as taking that kind).
E = TypeVar("E", bound=Event)
#: Second and third kinds: an observer of two or three kinds takes their union (one TypeVar would join them
#: into their common base, ``Event``, and refuse an observer typed for the union).
E2 = TypeVar("E2", bound=Event)
E3 = TypeVar("E3", bound=Event)


class EventBus:
    """Publish/subscribe for runtime events. Subscribing and publishing may happen on any thread."""

    def __init__(self) -> None:
        self._subscribers: tuple[tuple[Observer, tuple[type[Event], ...]], ...] = ()
        self._wanted: frozenset[type[Event]] = frozenset()
        self._lock = threading.Lock()

    @overload
    def subscribe(self, observer: Observer) -> Callable[[], None]: ...

    @overload
    def subscribe(self, observer: Callable[[E | E2], None], kind: type[E], kind2: type[E2], /
                  ) -> Callable[[], None]: ...

    @overload
    def subscribe(self, observer: Callable[[E | E2 | E3], None], kind: type[E], kind2: type[E2], kind3: type[E3], /
                  ) -> Callable[[], None]: ...

    @overload
    def subscribe(self, observer: Callable[[E], None], kind: type[E], /, *kinds: type[E]) -> Callable[[], None]: ...

    def subscribe(self, observer: Callable[[Any], None], *kinds: type[Event]) -> Callable[[], None]:
        """Call ``observer`` for events of ``kinds`` (all events if none given); returns an unsubscribe function."""
        entry = (observer, kinds or (Event,))
        with self._lock:
            self._subscribers = (*self._subscribers, entry)
            self._refresh()

        def unsubscribe() -> None:
            with self._lock:
                self._subscribers = tuple(s for s in self._subscribers if s is not entry)
                self._refresh()

        return unsubscribe

    def _refresh(self) -> None:
        self._wanted = frozenset(k for _, kinds in self._subscribers for k in kinds)

    def wants(self, kind: type[Event]) -> bool:
        """Whether anyone listens for ``kind``: publishers skip building events nobody reads."""
        wanted = self._wanted
        return kind in wanted or Event in wanted

    def publish(self, event: Event) -> None:
        for observer, kinds in self._subscribers:
            if isinstance(event, kinds):
                try:
                    observer(event)
                except Exception:
                    log.exception("event observer %r failed on %r", observer, event)
