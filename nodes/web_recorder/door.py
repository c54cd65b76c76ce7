"""The recorder's door: how many connections it holds, for how long, and which it lets go first.

Every connection has a deadline for the phase it is in. Until its request has shown the pairing token
it is *unauthenticated* (the TLS handshake, the request line and headers, a keep-alive wait between
requests) and must get through that phase within ``header_timeout``. The token is checked once the request's
headers are all read: a request with the token has ``request_timeout`` until its body begins to be read (the route's
checks, a "100 Continue"), and its body must keep pace with ``min_rate`` (bytes a second):
it may fall behind that pace by ``request_timeout`` at most (a slow start, a pause), and so a body of N bytes has
``request_timeout`` + N / ``min_rate`` in all (:meth:`Door.reading`). Before, the body had ``request_timeout`` whatever
its size: a long take on a slow but steady phone network was cut (408) at every try, sent again for ever, never
stored. A client that trickles (a byte now and then) still falls behind at once and is cut after
``request_timeout``; one that sends nothing for the read timeout is cut sooner (``server.py``). Storing a take has no
deadline (it is our own work, and the phone's retry would store it again). Sending the answer gets ``write_timeout``.

At most ``max_connections`` are open, and at most ``max_unauthenticated`` of them have been unauthenticated for
longer than ``SETTLE`` seconds: a new connection makes room by closing the oldest unauthenticated one (a slow or
silent stranger, or a phone's idle keep-alive connection, which the browser simply opens again); when every
open connection is an authenticated request, the new one is turned away. A connection younger than ``SETTLE``
is never closed to make room: a burst of phones connecting together (40 pages opened at once, every phone sending
again when the Wi-Fi comes back) is still in its TLS handshakes when the next ones arrive, and closing the oldest
of them cut phones off that were about to show the token; with ``max_connections`` open and all of them younger,
the new one is turned away. A connection turned away is answered 503 with ``Retry-After`` where it can be
(``busy.py``), else closed at once. Past ``SETTLE`` the cap holds again (:meth:`Door.reap`). So a thousand
slow-drip connections hold at most ``max_connections`` threads and file descriptors, each for a bounded time, and a
phone that shows its token gets in.

The handler reads a request's body against its deadline itself (see ``remaining``), so that it can
still answer 408. Past its deadline an unauthenticated connection is shut (``shutdown(2)``, both ways)
from here; an authenticated one ``GRACE`` seconds later (a peer that reads nothing of its answer, or a
read that was not timed). Sockets are shut, never closed, from here: closing stays with the handler's
thread, and a socket is shut only while it is registered, so a reused file descriptor is never touched. At the
server's stop, a connection whose body is being read (its headers read) is shut as well, counted, and its body never
stored (:meth:`Door.cut_receiving`): the run's summary says how many phones' uploads the stop cut off. The requests
that showed the token and are being handled are then waited for, a bounded time (:meth:`Door.settle`), not those
already answered whose body is only being read and dropped (:meth:`Door.answered`).
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

from exsampling_patch.nodes.web_recorder.peer import peer_address

log = logging.getLogger("exsampling.web_recorder")

GRACE = 2.0
SETTLE = 1.0
"""Seconds a new connection has to show the token before it counts against ``max_unauthenticated`` (see above)."""


@dataclass
class _Connection:
    authenticated: bool
    since: float  # when it entered its present phase (the oldest unauthenticated one goes first)
    deadline: float | None
    # Its request's body is being read (:meth:`Door.reading`) and is not all read (:meth:`Door.body_read`): from its
    # first read on, not its first byte. A browser sends the body right behind the headers (no "100 Continue" to
    # wait for): one whose first bytes were still on their way at the stop was stored into the stopped node.
    receiving: bool = False
    cut: bool = False  # cut by the stop mid-body (:meth:`Door.cut_receiving`): its body is not stored
    answered: bool = False  # answered, its body only read and dropped (:meth:`Door.answered`): not waited for


class Door:
    """Admits, tracks and times out the connections of one server. Thread-safe."""

    def __init__(self, max_connections: int, max_unauthenticated: int, header_timeout: float,
                 request_timeout: float, write_timeout: float, min_rate: float) -> None:
        self.max_connections = max_connections
        self.max_unauthenticated = min(max_unauthenticated, max_connections)
        self.header_timeout = header_timeout
        self.request_timeout = request_timeout
        self.min_rate = min_rate  # bytes a second a request's body keeps pace with (see reading)
        self.write_timeout = write_timeout
        self.turned_away = 0  # new connections not let in: every slot held by a request or a settling stranger
        self.evicted = 0  # unauthenticated connections closed to make room
        self.timed_out = 0
        # The stop has cut the bodies on their way (cut_receiving): a request that showed its token but had not yet
        # begun reading (microseconds, or its "100 Continue" still being written) is cut as it begins (reading).
        self.stopped = False
        self.cut_at_stop = 0  # the bodies on their way that the stop cut (cut_receiving)
        self.cut_late = 0  # those that began reading after it (see reading): the server's count adds them (settle)
        #: How many requests the stop waits for now (:meth:`settle`); 0 when it waits for none.
        self.settling = 0
        #: How many requests the stop found being handled, and so waited for (:meth:`settle`).
        self.waited_for = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)  # a request answered, gone or cut: what settle waits for
        self._open: dict[Any, _Connection] = {}

    # -- counts ----------------------------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        with self._lock:
            unauthenticated = sum(1 for c in self._open.values() if not c.authenticated)
            receiving = sum(1 for c in self._open.values() if c.receiving)
            return {"open": len(self._open), "unauthenticated": unauthenticated, "receiving": receiving,
                    "turned_away": self.turned_away, "evicted": self.evicted, "timed_out": self.timed_out,
                    "cut_late": self.cut_late}

    # -- the life of a connection ----------------------------------------------------------------------------

    def admit(self, sock: Any) -> bool:
        """Register a new connection, making room if needed; False: close it at once."""
        now = time.monotonic()
        with self._lock:
            strangers = sorted((c.since, id(s), s) for s, c in self._open.items() if not c.authenticated)
            while strangers and (len(strangers) >= self.max_unauthenticated
                                 or len(self._open) >= self.max_connections):
                since, _, oldest = strangers.pop(0)
                if now - since < SETTLE:
                    # Every stranger is still settling (a burst of phones): none is closed. Room enough, or, full,
                    # the new one is turned away (answered 503, busy.py) rather than a phone cut mid-handshake.
                    break
                self._evict(oldest)
            if len(self._open) >= self.max_connections:
                self.turned_away += 1
                return False
            self._open[sock] = _Connection(False, now, now + self.header_timeout)
            return True

    def authenticated(self, sock: Any) -> None:
        """The request showed the token, its headers all read: it now has ``request_timeout`` until its body begins to
        be read (:meth:`reading`) or its answer is sent (:meth:`answering`)."""
        self._phase(sock, True, self.request_timeout)

    def reading(self, sock: Any, started: float, received: int) -> None:
        """The request's body is being read since ``started`` (``time.monotonic()``), ``received`` bytes of it so far:
        its deadline is ``request_timeout`` past the time those bytes take at ``min_rate``. Moved on as bytes arrive;
        never again once the connection was timed out. From the first call on, the body is on its way: a stop cuts it
        (:meth:`cut_receiving`), none of its bytes arrived yet included."""
        with self._lock:
            conn = self._open.get(sock)
            if conn is not None and self.stopped and not conn.cut:
                # Authenticated, not yet reading when the stop cut the others: left, its body was stored into the
                # stopped node and answered 201. Cut too, never stored (body_read), and counted in cut_late: the
                # server's stop waits for its requests (settle) before it counts its uploads cut off, these among them.
                self.cut_late += 1
                self._cut(sock, conn)
                self._changed.notify_all()
                return
            if conn is not None and conn.deadline is not None:
                conn.deadline = started + self.request_timeout + received / self.min_rate
                conn.receiving = True

    def body_read(self, sock: Any) -> bool:
        """The request's body is read (whole, or cut short by the phone's network); False: the stop cut it first
        (:meth:`cut_receiving`, which counted it), and it is not to be stored or answered."""
        with self._lock:
            conn = self._open.get(sock)
            if conn is None:
                return True
            conn.receiving = False
            return not conn.cut

    def working(self, sock: Any) -> None:
        """The request is read and being handled: no deadline."""
        self._phase(sock, True, None)

    def answering(self, sock: Any) -> None:
        self._phase(sock, None, self.write_timeout)

    def answered(self, sock: Any) -> None:
        """The request is answered, and what it had to tell was told before its answer; the rest of its body is only
        read and dropped (a refusal before it was read, a 408's linger), so that the phone reads the answer. The stop
        does not wait for it (:meth:`settle`): it waited up to its ``seconds`` for a body trickling in to no purpose,
        taken from the engine's stop deadline (an oversized upload refused 413 held the stop 3 s)."""
        with self._lock:
            conn = self._open.get(sock)
            if conn is not None:
                conn.answered = True
                self._changed.notify_all()

    def waiting(self, sock: Any) -> None:
        """Between requests on a kept-alive connection: unauthenticated again until the next token."""
        self._phase(sock, False, self.header_timeout)

    def cap(self, sock: Any, seconds: float) -> None:
        """Shorten the present deadline to at most ``seconds`` from now."""
        with self._lock:
            conn = self._open.get(sock)
            if conn is not None:
                limit = time.monotonic() + seconds
                conn.deadline = limit if conn.deadline is None else min(conn.deadline, limit)

    def remaining(self, sock: Any) -> float | None:
        """Seconds left before the connection's deadline (at least 0); None: no deadline."""
        with self._lock:
            conn = self._open.get(sock)
            if conn is None:
                return 0.0
            return None if conn.deadline is None else max(0.0, conn.deadline - time.monotonic())

    def leave(self, sock: Any) -> None:
        with self._lock:
            self._open.pop(sock, None)
            self._changed.notify_all()

    def _phase(self, sock: Any, authenticated: bool | None, seconds: float | None) -> None:
        now = time.monotonic()
        with self._lock:
            conn = self._open.get(sock)
            if conn is None:
                return
            if authenticated is not None and authenticated != conn.authenticated:
                conn.authenticated, conn.since, conn.answered = authenticated, now, False
                self._changed.notify_all()
            conn.deadline = None if seconds is None else now + seconds

    def shut_unauthenticated(self) -> None:
        """Shut every connection that has not shown the token in its present request (a kept-alive one waiting
        for the next request, a stranger): the server stops."""
        with self._lock:
            for sock, conn in self._open.items():
                if not conn.authenticated:
                    conn.deadline = None
                    self._shut(sock, socket.SHUT_RDWR)

    def cut_receiving(self) -> int:
        """Shut every connection whose request's body is being read and is not all read: the server stops. Its
        phone meets a closed connection, keeps the take and sends it again to the recorder that runs next; left to
        arrive, it was stored into a stopped node (passed on at the next start), or cut unsaid as the process ended.
        Returns how many were cut: the stop's count of uploads cut off (none of them is stored, :meth:`body_read`)."""
        with self._lock:
            self.stopped = True
            cut = [sock for sock, conn in self._open.items() if conn.receiving and not conn.cut]
            self.cut_at_stop += len(cut)
            for sock in cut:
                self._cut(sock, self._open[sock])
            return len(cut)

    def _cut(self, sock: Any, conn: _Connection) -> None:
        """Cut ``conn``'s upload for the stop (the lock held): shut, its body never stored (:meth:`body_read`)."""
        conn.cut, conn.deadline = True, None
        log.info("upload from %s cut off by the stop: its phone keeps the take and sends it again", peer_address(sock))
        self._shut(sock, socket.SHUT_RDWR)

    def settle(self, seconds: float) -> int:
        """Wait, ``seconds`` at most, until no request that showed the token is still being handled (its take being
        checked and stored, its answer being sent), those cut by the stop aside: the server stops. Its stop did not
        wait for them, and what they told after it was told to no one: a take refused for the full disk as the stop
        came (counted as held on the phones) was missing from the run's summary, and an upload cut as it began to read
        its body after the stop's count was taken (``cut_late``) from that count. Returns how many were still being
        handled. Those answered (:meth:`answered`) are not waited for: what they tell was told before their answer."""
        deadline = time.monotonic() + seconds
        with self._changed:
            self.waited_for = self.settling = self._handled()
            while True:
                left = deadline - time.monotonic()
                if not self.settling or left <= 0:
                    busy, self.settling = self.settling, 0
                    return busy
                self._changed.wait(left)
                self.settling = self._handled()

    def _handled(self) -> int:
        """How many requests that showed the token are being handled, neither cut nor answered (the lock held)."""
        return sum(1 for c in self._open.values() if c.authenticated and not c.cut and not c.answered)

    # -- enforcing deadlines ---------------------------------------------------------------------------------

    def reap(self) -> None:
        """Shut the connections past their deadline (the authenticated ones after ``GRACE``), and the oldest strangers
        past ``max_unauthenticated`` once they have had ``SETTLE`` seconds."""
        now = time.monotonic()
        with self._lock:
            strangers = sorted((c.since, id(s), s) for s, c in self._open.items() if not c.authenticated)
            for since, _, oldest in strangers[:max(0, len(strangers) - self.max_unauthenticated)]:
                if now - since < SETTLE:
                    break
                self._evict(oldest)
            for sock, conn in self._open.items():
                if conn.deadline is None or now < conn.deadline + (GRACE if conn.authenticated else 0.0):
                    continue
                conn.deadline, conn.receiving = None, False  # cut for its time, not by a stop
                self.timed_out += 1
                log.info("connection from %s timed out %s", peer_address(sock),
                         "in a request" if conn.authenticated else "before showing the token")
                self._shut(sock, socket.SHUT_RDWR)

    def _evict(self, sock: Any) -> None:
        """Close an unauthenticated connection to make room (the lock held)."""
        self._shut(sock, socket.SHUT_RDWR)
        del self._open[sock]
        self.evicted += 1

    @staticmethod
    def _shut(sock: Any, how: int) -> None:
        # The plain socket's shutdown even for a TLS socket: SSLSocket.shutdown would drop its TLS
        # state under the feet of the thread that is reading it.
        with contextlib.suppress(OSError):
            socket.socket.shutdown(sock, how)

