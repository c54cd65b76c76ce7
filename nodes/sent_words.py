"""Which word ``ableton_max`` says last of a take redone after a crash: the sender's "already sent" (its log had the
take and slot, from the outbox's reader thread) or the handler's "sent" (after its hand-over, on the node's thread).
The sender may skip the bundle before the handler reports, and the later report replaced the earlier, so each
keeps the key (take and slot: one take may go to two slots) until the other comes, or until the sender is done with
the bundle without a word (it sent it): kept for the run, they swallowed the word of that take and slot redone again.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

Word = dict[str, Any]


class Sending:
    """One bundle handed over (or about to be), whose sender may skip it; ``done`` once the sender is done with it."""

    def __init__(self, key: str, may_skip: bool) -> None:
        self.key, self.may_skip, self.done = key, may_skip, False


class SentWords:
    """Decides under a lock which word is said, and says the words outside it, in the order they were decided."""

    def __init__(self, report: Callable[..., None]) -> None:
        self._report = report
        self._lock = threading.Lock()
        self._skipped: set[str] = set()  # skipped by the sender before its handler reported
        self._reported: set[str] = set()  # handler reported, the sender not done with the bundle yet
        self._words: deque[Word] = deque()  # decided, not said yet: in the order decided
        self._saying = False  # a thread is saying them: another leaves its words to it

    def already_sent(self, key: str) -> None:
        """The sender skipped ``key``'s bundle (its log has it)."""
        with self._lock:
            if key in self._reported:
                self._reported.discard(key)
            else:
                self._skipped.add(key)
            self._words.append({"take": key.split("\t")[0], "already_sent": True})
        self._say()

    def done(self, sending: Sending) -> None:
        """The sender is done with the bundle (after its "already sent", if it skipped it): no word of it comes now."""
        with self._lock:
            sending.done = True
            self._reported.discard(sending.key)

    def failed(self, sending: Sending) -> None:
        """The hand-over raised: no handler's word comes to take the sender's in turn."""
        with self._lock:
            self._skipped.discard(sending.key)

    def sent(self, sending: Sending, word: Callable[[], Word]) -> None:
        """The handler's "sent", unless the sender said "already sent" first (that word stays the last)."""
        with self._lock:
            if sending.key in self._skipped:
                self._skipped.discard(sending.key)
                return
            if sending.key and sending.may_skip and not sending.done:  # its "already sent" may follow
                self._reported.add(sending.key)
            self._words.append(word())
        self._say()

    def _say(self) -> None:
        # Not under the lock (report_status takes the context's locks and may write): the decided words queue
        # in the order the lock decided them, and one thread at a time says them, draining the queue. A thread
        # that finds another saying leaves its word to it, which said earlier words first: the order the lock
        # closes (the sender's "already sent" after the handler's "sent", say) cannot be undone outside it.
        while True:
            with self._lock:
                if self._saying or not self._words:
                    return
                self._saying = True
                word = self._words.popleft()
            try:
                self._report(**word)
            finally:
                with self._lock:
                    self._saying = False
