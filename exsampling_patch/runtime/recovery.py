"""When a node is out of its error: the rule the engine (``Engine.errors``) decides by. Its observers (the editor's
badges, the stage console's "is back") do not replay it: they follow the engine's
:class:`~exsampling_patch.runtime.events.NodeRecovered` (and ``NodeStatus.back``), and one that joins late reads
``Engine.error_state``. Replayed from the events, the rule could not tell what only the engine knows: whether an
error was told, by any thread, while a handler ran.

What ends an error depends on what it was. One of handling a message (a :class:`NodeError` with a ``port``: the handler
raised, hung, or told it while the message was in hand) ends with the next message the node handles without one, unless
the handler told it ``about`` one of the node's devices or outputs (below): an output that fails at each message (an
``osc_send`` whose target refuses) tells it once, and it stands through the messages that follow until that output opens
again. One a node tells on a thread of its own about a message it took in (a take handed over, ``NodeError.later``) ends
so too, at the next message handled: it stood for the rest of the show beside a sampler loading every take. Only at a
message whose handling began after it was told: a handler that began before had not seen it (one running as it was told,
or one that handed its work to that thread and returned), and ended it within milliseconds while takes flowed. Any other
(its ``start()`` failed to open a sound device or a port, its device thread found the device gone, it told one from a
thread of its own about nothing it took in) ends only once its device, port or URL opens again after its start, or once
a live edit rebuilds the node: a sampler with no JACK server still takes its takes in, keeping them for when the device
is back, and is silent meanwhile. An error told ``about`` one of the node's devices or outputs (its ``device``, its
``midi_port``, its ``port``) ends only when that one opens (a status carrying that key): each of a node's standing
errors ends by its own recovery, and the node is back once none stands. An opening of one of ``ABOUT_ONLY_KEYS`` (a
recorder's take folder's disk with room again) ends only the errors told about it. A node an edit removes leaves the
book with its errors, its hung handler's failed message among them (the console told each as it came), and a node an
edit rebuilds loses its own: none is the new node's. A handler back after its node left its cell ends nothing, and
what it fails with, or what the old node tells from a thread of its own still running after its stop, is told on the
console as the old node's, not as the id's error, though counted on it (a rebuilt node's with a ``NodeErrorCounted``,
for observers that count). A node's count of errors is never cleared (the end-of-show summary names a node that failed
and recovered, or was removed), but the count observers read (``Engine.error_state``, the editor's badge) leaves with a
removed node: an id added back is a new node, counting from none.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Sequence
from typing import Literal, NamedTuple

from exsampling_patch.runtime.events import ABOUT_ONLY_KEYS, NodeError, NodeStatus, opened_keys

#: What a node did after its error: ``handled`` a message without an error, ``opened`` its device, port or URL
#: (after its start), or was ``rebuilt`` by a live edit.
Sign = Literal["handled", "opened", "rebuilt"]


def clears_error(error: NodeError, sign: Sign, opened: Sequence[str] = ()) -> bool:
    """Whether ``sign`` ends ``error`` (``opened``: the status keys that opened): see the module's docstring. A
    message that failed is not over until its handler returns: :class:`ErrorBook` holds every sign back until
    then."""
    if sign == "handled":
        return error.port is not None and not error.about
    if sign == "opened":
        return error.about in opened if error.about else any(key not in ABOUT_ONLY_KEYS for key in opened)
    return True


def _kind(error: NodeError) -> str:
    """Errors of one kind replace each other (a device told missing at each retry stands once): one about each
    device or output (a handler's too), or a handler's about nothing said, or one about nothing said. Of two errors
    about one device, both true (a sampler's "assuming 48000 Hz" and "restarting it"), the latest stands, which
    :meth:`ErrorBook.current` gives the editor: the device's opening ends both, so it is true while it stands (the
    console printed each); kept side by side, each new wording of a failure told again would stand beside the last
    until the device opened."""
    return error.about or ("\0handler" if error.port is not None else "")


def sign_of(event: NodeStatus) -> Sign | None:
    """``opened`` where the status ``event`` tells its node's device, port or URL opened; else None. A status
    reported while the engine runs the node's constructor, ``prepare()`` or ``start()`` is its first setting up,
    not a device coming back: a recorder that finds a damaged take as it starts, then listens, is still in that
    error. (A message handled and a rebuild are signs the engine gives itself, as they happen.)"""
    return "opened" if opened_keys(event.status) and not event.starting else None


class ErrorState(NamedTuple):
    """A node's errors as the engine knows them now (``Engine.error_state``), for an observer that joins late."""

    #: The error it is in now, as it was published; None where it has none (any more).
    error: NodeError | None
    #: How many errors it has told in all.
    told: int


class ErrorBook:
    """The error each node is in now and the nodes whose failed message is being finished, kept by the rule above:
    the engine's book (behind ``Engine.errors``).

    ``lock`` is re-entrant, so that a keeper may change what it keeps beside the book in one step with it."""

    def __init__(self) -> None:
        #: node id -> each error that stands, one of each kind (:func:`_kind`), oldest first
        self.standing: dict[str, list[NodeError]] = {}
        #: nodes whose failed message (or hung handler) is not finished: nothing ends their error meanwhile
        self.finishing: set[str] = set()
        #: node id -> its standing error told later (``NodeError.later``; one at most, of the handler's kind) and the
        #: tick it was told at: a handler that began before it does not end it (:meth:`began`)
        self.later: dict[str, tuple[NodeError, int]] = {}
        self._ticks = itertools.count(1)  # next() on it is one C call: safe from any thread without the lock
        self.lock = threading.RLock()

    def reset(self) -> None:
        """Forget every node's errors and the messages being finished (an engine started again: the last run's are
        none of this run's). The ticks go on: a handler of the last run that returns late, its tick given before this,
        ends no error told in this run, which a count started again at 1 would give a later tick than its own."""
        with self.lock:
            self.standing.clear()
            self.finishing.clear()
            self.later.clear()

    def began(self) -> int:
        """A handler begins: its tick, to give :meth:`ends` as it returns. An error told later with a later tick was
        told while it ran (or after it returned, its work handed to a thread of the node's own): not its to end."""
        return next(self._ticks)

    def current(self, node_id: str) -> NodeError | None:
        """The error ``node_id`` is in (the latest of those that stand), as it was published; None where none does."""
        with self.lock:
            standing = self.standing.get(node_id)
            return standing[-1] if standing else None

    def told(self, error: NodeError) -> None:
        """``error`` was published: its node is in it (and, with a port, finishing the message it failed on)."""
        with self.lock:
            standing = [e for e in self.standing.get(error.node_id, []) if _kind(e) != _kind(error)]
            self.standing[error.node_id] = [*standing, error]
            if error.later:
                self.later[error.node_id] = (error, next(self._ticks))
            elif error.node_id in self.later and _kind(error) == _kind(self.later[error.node_id][0]):  # replaced
                del self.later[error.node_id]
            if error.port is not None and not error.later:  # no message of it is being finished
                self.finishing.add(error.node_id)

    def ends(self, node_id: str, sign: Sign | None, failed: bool = False,
             opened: Sequence[str] = (), began: int | None = None) -> list[NodeError]:
        """Forget each of ``node_id``'s errors that ``sign`` ends (:func:`clears_error`; ``opened``: the status keys
        that opened); those it ended, oldest first (where one still stands, :meth:`current` is the latest of those). A
        ``handled`` message ends the finishing of a failed one, and ends the error only if it did not fail itself:
        ``failed`` says so (the engine knows, counting the node's errors of handling a message told while the handler
        ran: raised, told by a handler, or a hung handler's; one another thread tells, with no port, does not make it
        failed, and stands until its own end). A ``handled`` message's ``began`` (its :meth:`began` tick) ends an
        error told later only if that was told before it began. A ``rebuilt`` node's failed message goes with the old
        node; an ``opened`` one ends nothing while a failed message is finished."""
        if sign is None:
            return []
        with self.lock:
            if sign == "handled":
                self.finishing.discard(node_id)
                if failed:
                    return []
            elif sign == "rebuilt":
                self.finishing.discard(node_id)
            elif node_id in self.finishing:
                return []
            later = self.later.get(node_id)
            told_after = later[0] if later is not None and began is not None and later[1] > began else None
            standing = self.standing.get(node_id, [])
            ended = [error for error in standing if error is not told_after and clears_error(error, sign, opened)]
            if not ended:
                return []
            gone = {id(error) for error in ended}
            left = [error for error in standing if id(error) not in gone]
            if left:
                self.standing[node_id] = left
            else:
                del self.standing[node_id]
            if later is not None and id(later[0]) in gone:
                del self.later[node_id]
            return ended
