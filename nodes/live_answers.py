"""The loads ``ableton_live`` sent to Live's remote script that wait for its answer.

The script answers every load (``/exsampling/loaded`` or ``/exsampling/error``) from Live's display timer, about a
tenth of a second after it arrives. A load that gets no answer went nowhere: Live is not running, the script is not
chosen as its Control Surface, another port, another host. UDP says nothing of that (a datagram to a port no one
listens on is "sent"), so a load not answered in time is what tells it. An answer that comes later still (a Live
busy loading a set) is matched to its load, told late: the take did reach Live.
"""

from __future__ import annotations

import threading
from collections import deque
from typing import NamedTuple

#: How many loads told unanswered are remembered, for an answer that still comes
OVERDUE_KEPT = 64


class Waiting(NamedTuple):
    """One load sent: the slot and path as sent (the script answers with them), the take's name, and when."""

    slot: str
    path: str
    name: str
    sent_at: float


class LiveAnswers:
    """Loads sent, oldest first, until answered; those past ``within`` seconds are handed out once as overdue.

    Called from the node's handler (:meth:`sent`) and its reply thread (the rest): a lock of its own, held only
    for list work."""

    def __init__(self, within: float) -> None:
        self.within = within
        self._lock = threading.Lock()
        self._waiting: deque[Waiting] = deque()
        self._overdue: deque[Waiting] = deque(maxlen=OVERDUE_KEPT)

    def sent(self, slot: str, path: str, name: str, now: float) -> None:
        with self._lock:
            self._waiting.append(Waiting(slot, path, name, now))

    def overdue(self, now: float) -> list[Waiting]:
        """Loads unanswered for ``within`` seconds by ``now``, each once."""
        late: list[Waiting] = []
        with self._lock:
            while self._waiting and now - self._waiting[0].sent_at >= self.within:
                late.append(self._waiting.popleft())
            self._overdue.extend(late)
        return late

    def answered(self, slot: str, path: str = "") -> tuple[Waiting, bool] | None:
        """The load an answer is for, and whether it had been handed out as overdue; None for one unknown.

        ``path`` is given by ``/exsampling/loaded``; ``/exsampling/error`` names the slot alone, and the script
        answers a slot's loads in the order they came, so it is the oldest load of that slot."""
        with self._lock:
            for queue, told in ((self._waiting, False), (self._overdue, True)):
                for waiting in queue:
                    if waiting.slot == slot and (not path or waiting.path == path):
                        queue.remove(waiting)
                        return waiting, told
        return None
