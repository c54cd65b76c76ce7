"""The loads ``ableton_live`` sent to Live's remote script and waits for an answer to (:class:`LiveAnswers`): which
are overdue, which go again once Live answers, and which take each slot's track holds as far as the node knows.

Kept apart from the line to Live (:mod:`exsampling_patch.nodes.live_answers`), which reads the answers and tells.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import Any, NamedTuple

#: How many loads told unanswered are remembered, for an answer that still comes
OVERDUE_KEPT = 64


class Waiting(NamedTuple):
    """One load sent: the slot and path as sent (the script answers with them), the take's name, when, the
    load's arguments (to send it again), its sent log's key ("": a take no source stored), and the assignment the
    node keeps open until the answer (None: none kept, as for a load sent again)."""

    slot: str
    path: str
    name: str
    sent_at: float
    args: tuple[Any, ...] = ()
    key: str = ""
    kept: Any = None
    carried: bool = False  # kept at the last run's stop, unloaded (:meth:`LiveLink.keep`)
    #: A slot's loaded take sent again to a Live back (:meth:`LiveAnswers.held`): no take in flight, its end told
    #: long ago; unanswered, it is not told "not loaded", and goes again at Live's next comeback (held still).
    restore: bool = False


class LiveAnswers:
    """Loads sent, oldest first, until answered; those past ``within`` seconds are handed out once as overdue, and
    the newest overdue one of each slot is kept to be sent again, until a newer load of that slot or its answer.

    Called from the node's handler (:meth:`sent`) and its reply thread (the rest): a lock of its own, held only
    for list work."""

    def __init__(self, within: float) -> None:
        self.within = within
        self._lock = threading.Lock()
        self._waiting: deque[Waiting] = deque()
        self._overdue: deque[Waiting] = deque(maxlen=OVERDUE_KEPT)
        self._again: dict[str, Waiting] = {}
        self._loaded_at: dict[str, float] = {}  # slot -> when the newest load Live said it loaded there was sent
        self._loaded: dict[str, Waiting] = {}  # slot -> that load (sent again to a Live that comes back: :meth:`held`)

    def sent(self, waiting: Waiting, overdue: bool = False) -> Waiting | None:
        """``overdue``: handed out as overdue already (sent while Live is silent), kept to be sent again. Returns
        the load of the slot that was to be sent again and no longer is (for :meth:`withdraw`)."""
        with self._lock:
            replaced = self._again.get(waiting.slot)
            if overdue:
                self._overdue.append(waiting)
                self._again[waiting.slot] = waiting
                return replaced
            self._waiting.append(waiting)
            self._again.pop(waiting.slot, None)  # a newer take of the slot goes: the lost one is not wanted there
            return replaced

    def withdraw(self, waiting: Waiting, replaced: Waiting | None) -> None:
        """Undo :meth:`sent` for a load that did not go after all; ``replaced``: what :meth:`sent` returned."""
        with self._lock:
            for queue in (self._waiting, self._overdue):
                for index, queued in enumerate(queue):
                    if queued is waiting:
                        del queue[index]
                        break
            if self._again.get(waiting.slot) is waiting:
                del self._again[waiting.slot]
            if replaced is not None:
                self._again.setdefault(waiting.slot, replaced)

    def overdue(self, now: float) -> list[Waiting]:
        """Loads unanswered for ``within`` seconds by ``now``, each once."""
        late: list[Waiting] = []
        with self._lock:
            while self._waiting and now - self._waiting[0].sent_at >= self.within:
                waiting = self._waiting.popleft()
                if waiting.restore:
                    continue
                late.append(waiting)
                if waiting.slot not in self._again or self._again[waiting.slot].sent_at <= waiting.sent_at:
                    self._again[waiting.slot] = waiting
            self._overdue.extend(late)
        return late

    def answered(self, slot: str, path: str = "", refused: bool = False) -> tuple[Waiting, bool] | None:
        """The load an answer is for, and whether it had been handed out as overdue; None for one unknown.

        ``path`` is given by ``/exsampling/loaded``, and by ``/exsampling/error`` (``refused``) of a script that names
        it; an older script's error names the slot alone, and the script answers a slot's loads in the order they
        came, so it is taken as the oldest load of that slot (wrong where that one's load went nowhere). A load
        answered loaded takes the take's other copies for the slot with it (:meth:`_drop_copies`)."""
        loaded = bool(path) and not refused
        with self._lock:
            for queue, told in ((self._waiting, False), (self._overdue, True)):
                for waiting in queue:
                    if waiting.slot == slot and (not path or waiting.path == path):
                        queue.remove(waiting)
                        if self._again.get(slot) == waiting:
                            del self._again[slot]
                        if loaded:
                            self._drop_copies(slot, path)
                        # loaded ("/exsampling/loaded"): an older load of the slot is not wanted there
                        if loaded and waiting.sent_at >= self._loaded_at.get(slot, float("-inf")):
                            self._loaded_at[slot] = waiting.sent_at
                            self._loaded[slot] = waiting
                        return waiting, told
        return None

    def _drop_copies(self, slot: str, path: str) -> None:
        """Live loaded ``path`` into ``slot``: the take's other loads there are answered with it. The answer may be
        matched to one and come for another (a late answer goes to the oldest, the one its take was held open for,
        while Live got the copy sent again once it answered): left queued, that copy went again at Live's next pong
        and was kept "not sent to Live" at the stop. Kept are a copy that holds its take open, not told overdue yet
        (its own answer ends it), and a slot's take put back after a silence (its answer counts apart)."""
        again = self._again.get(slot)
        if again is not None and again.path == path:
            del self._again[slot]
        for queue, told in ((self._waiting, False), (self._overdue, True)):
            for copy in [waiting for waiting in queue if waiting.slot == slot and waiting.path == path
                         and (told or waiting.kept is None) and not waiting.restore]:
                queue.remove(copy)

    def to_send_again(self, before: float) -> list[Waiting]:
        """The newest unanswered load of each slot sent before ``before``, each once. Live answers in the order
        things came: an answer to what was sent at ``before`` means those went nowhere; a later one may still be
        answered late. One a newer load of its slot went after is dropped (:meth:`newer_went`)."""
        with self._lock:
            again = [waiting for waiting in self._again.values() if waiting.sent_at < before]
            for waiting in again:
                del self._again[waiting.slot]
            return [waiting for waiting in again if not self._newer_went(waiting)]

    def missed(self, before: float) -> tuple[list[Waiting], list[Waiting]]:
        """The loads sent before ``before`` still waiting for an answer (not told overdue yet), taken out: Live
        answered what was sent at ``before``, and answers in the order things came, so those went nowhere (the script
        was down a moment: Live loading another set), or their answers were lost. Two lists: those to send again,
        and those a newer load of their slot went after (:meth:`newer_went`), not to be sent again."""
        with self._lock:
            missed: list[Waiting] = []
            for waiting in self._waiting:
                if waiting.sent_at >= before:
                    break
                missed.append(waiting)
            newer = [self._newer_went(waiting) for waiting in missed]  # before they are taken out: newer ones count
            for _ in missed:
                self._waiting.popleft()
        return ([waiting for waiting, went in zip(missed, newer, strict=True) if not went],
                [waiting for waiting, went in zip(missed, newer, strict=True) if went])

    def newer_went(self, waiting: Waiting, before: float = float("inf")) -> bool:
        """Whether a load of ``waiting``'s slot sent after it (and before ``before``) went (waiting for its answer,
        told overdue, or loaded): ``waiting`` sent again would come after it, and its older sound take that one's
        place in Live (``once`` leaves a track alone only if it holds that file)."""
        with self._lock:
            return self._newer_went(waiting, before)

    def _newer_went(self, waiting: Waiting, before: float = float("inf")) -> bool:
        """:meth:`newer_went`, under the lock."""
        if self._loaded_at.get(waiting.slot, float("-inf")) > waiting.sent_at:
            return True
        return any(other.slot == waiting.slot and waiting.sent_at < other.sent_at < before
                   for queue in (self._waiting, self._overdue) for other in queue)

    def held(self) -> list[Waiting]:
        """The newest load Live said it loaded of each slot that no load went after: what each slot's track holds,
        as far as the node knows. A Live that quit and was opened again reopened its set as last saved, without
        them."""
        with self._lock:
            return [waiting for waiting in self._loaded.values() if not self._newer_went(waiting)]

    def to_keep(self) -> list[Waiting]:
        """The loads to send again that no newer load of their slot followed (one waiting for its answer as the node
        stops is passed on again by its source at the next start)."""
        with self._lock:
            return [waiting for waiting in self._again.values() if not self._newer_went(waiting)]

    def carry(self, kept: list[Waiting]) -> None:
        """Loads the last run kept, to be sent again at Live's first answer (sent before the first ping)."""
        with self._lock:
            for waiting in kept:
                self._again[waiting.slot] = waiting

    def unanswered(self) -> list[Waiting]:
        """The loads still waiting for an answer and not told overdue yet, taken out (the node stops)."""
        with self._lock:
            waiting = list(self._waiting)
            self._waiting.clear()
        return waiting

    def any_to_send_again(self) -> bool:
        with self._lock:
            return bool(self._again)
