"""The answer to a connection the door cannot hold: 503 with ``Retry-After``, rather than a closed connection.

A connection past ``max_connections`` while every open one is busy (a burst of phones, each still in its TLS
handshake, or every slot an upload) was closed at once: the phone met a reset mid-handshake and said "cannot reach
the recorder", and tried again on its own schedule, the whole crowd at once. It is now answered on a thread of
its own, a few at a time and each for a bounded time: the handshake, the request's head, ``503`` with
``Retry-After`` (the page waits at least that long, each phone a different moment), and the body the request
announced read and dropped (no larger than the recorder takes, for :data:`DRAIN_SECONDS` at most), so that the
phone, which sends its whole body before it reads, reads the answer rather than a reset. Past
:data:`MAX_ANSWERING` connections being answered so, a new one is closed at once as before.

An upload announced larger than the recorder takes (``max_upload_mb``) is answered ``413``, as the handler answers it,
not 503: coming back would not help it. Its body is read and dropped too, whatever its size, within the same time.
One that shows the pairing token is told as the handler tells it (``on_refused_unread``): the phone drops that take,
and the console says so; a stranger's is not, as the handler tells no stranger's take.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import parse_qs, urlsplit

from exsampling_patch.nodes.web_recorder.peer import peer_address
from exsampling_patch.nodes.web_recorder.upload import UploadError, too_large

log = logging.getLogger("exsampling.web_recorder")

#: Headers every answer of the recorder carries, its handler's (server.py) and the busy answer alike: nothing of it
#: is kept in a cache, and no browser takes a body for another type than the one it is sent as.
ANSWER_HEADERS: tuple[tuple[str, str], ...] = (("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"))
#: The type of every JSON answer, the handler's and the busy one's alike: the busy 503 said "application/json"
#: where the handler's answers said it with their charset.
JSON_TYPE = "application/json; charset=utf-8"
#: Seconds a phone told the recorder is busy waits before it comes back (its page adds up to half again).
RETRY_AFTER = 2
#: Connections answered 503 at once; each holds a thread for at most :data:`ANSWER_SECONDS` + :data:`DRAIN_SECONDS`.
MAX_ANSWERING = 16
ANSWER_SECONDS = 2.0
#: How long a turned-away upload's body is read and dropped after the answer. It was 4 MB within ANSWER_SECONDS, and
#: the connection closed on the rest: the reset took the answer with it (a 5 MB upload failed mid-send, never
#: reading its 503). A body not read by then is cut off so.
DRAIN_SECONDS = 5.0


class BusyAnswers:
    """Answers turned-away connections 503 (413: an upload larger than the recorder takes) on threads of their own,
    :data:`MAX_ANSWERING` at most."""

    def __init__(self, max_body: int, token: str = "",
                 on_refused_unread: Callable[[dict[str, str], str, UploadError], None] | None = None) -> None:
        self.max_body = max_body  # the largest upload the recorder takes: a larger one is answered 413
        self.token = token
        #: As the server's: told (headers, lower-case names; address; refusal) of each take answered 413 that showed
        #: ``token``. On the answering thread.
        self.on_refused_unread = on_refused_unread
        self._slots = threading.BoundedSemaphore(MAX_ANSWERING)

    def take(self, sock: Any) -> bool:
        """Answer ``sock`` (closed when done); False: too many being answered, the caller closes it at once."""
        if not self._slots.acquire(blocking=False):
            return False
        threading.Thread(target=self._answer, args=(sock,), name="recorder-busy", daemon=True).start()
        return True

    def _answer(self, sock: Any) -> None:
        deadline = time.monotonic() + ANSWER_SECONDS
        try:
            sock.settimeout(ANSWER_SECONDS)
            if isinstance(sock, ssl.SSLSocket):
                sock.do_handshake()
            head = b""
            while b"\r\n\r\n" not in head and len(head) < 16384 and time.monotonic() < deadline:
                chunk = sock.recv(4096)
                if not chunk:
                    return
                head += chunk
            path = head.split(b" ", 2)[1] if head.count(b" ") >= 2 else b"/"
            end = head.find(b"\r\n\r\n")
            announced = body_length(head[:end]) if end >= 0 else None
            if announced is not None and announced > self.max_body:
                refusal = UploadError(413, too_large(announced, self.max_body))
                self._tell(sock, head[:end], refusal)
                sock.sendall(answer(413, json.dumps({"error": str(refusal)}).encode(), JSON_TYPE))
            else:
                sock.sendall(busy_reply(path.startswith(b"/api/")))
            waits = _EXPECT.search(head[:end]) is not None  # for a "100 Continue", never sent here: no body comes
            left = announced - (len(head) - end - 4) if announced is not None and not waits else 0
            deadline = time.monotonic() + DRAIN_SECONDS
            while left > 0 and time.monotonic() < deadline:
                sock.settimeout(max(0.01, deadline - time.monotonic()))
                chunk = sock.recv(min(left, 65536))
                if not chunk:
                    break
                left -= len(chunk)
        except (OSError, ValueError) as error:  # a reset, a timeout, a failed handshake: nothing more to say
            log.debug("a turned-away connection ended: %s", error)
        finally:
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()
            self._slots.release()

    def _tell(self, sock: Any, head: bytes, refusal: UploadError) -> None:
        """Hand ``refusal`` to ``on_refused_unread`` if ``head`` is a take's upload with the pairing token."""
        if self.on_refused_unread is None or not self.token:
            return
        method, target, headers = parse_head(head)
        url = urlsplit(target)
        if method != "POST" or url.path != "/api/takes":
            return
        try:
            query = parse_qs(url.query, max_num_fields=50)
        except ValueError:  # too many fields: no phone's page; its 413 goes all the same
            return
        given = headers.get("x-token") or (query.get("token") or [""])[0]
        if given and hmac.compare_digest(given.encode(), self.token.encode()):
            self.on_refused_unread(headers, peer_address(sock), refusal)


def parse_head(head: bytes) -> tuple[str, str, dict[str, str]]:
    """A request's head (without its blank line): its method, its target, and its headers (lower-case names, the
    last of a repeated one, as the handler's)."""
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers[name.strip().lower()] = value.strip()
    return (parts[0], parts[1], headers) if len(parts) == 3 else ("", "", headers)


def body_length(head: bytes) -> int | None:
    """The body a request's head announces; None: no length, or several."""
    lengths = {value.strip() for value in _LENGTH.findall(head)}
    if len(lengths) != 1:
        return None
    text = lengths.pop()
    return int(text) if text.isdigit() and len(text) <= 15 else None


_LENGTH = re.compile(rb"\r\ncontent-length:([^\r\n]*)", re.IGNORECASE)
_EXPECT = re.compile(rb"\r\nexpect:[ \t]*100-continue", re.IGNORECASE)


def busy_reply(api: bool) -> bytes:
    """The whole 503 answer: JSON for the page's requests (it shows the error), a page that reloads itself for a
    phone opening the recorder."""
    if api:
        body = json.dumps({"error": "too many phones at once"}).encode()
        kind = JSON_TYPE
    else:
        body = (f'<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="{RETRY_AFTER}">'
                "<p>The recorder is busy with many phones at once: this page opens again in a moment.</p>").encode()
        kind = "text/html; charset=utf-8"
    return answer(503, body, kind, f"Retry-After: {RETRY_AFTER}\r\n")


def answer(status: int, body: bytes, kind: str, extra: str = "") -> bytes:
    """A whole answer that closes the connection, with :data:`ANSWER_HEADERS`; ``extra``: header lines of its own."""
    fixed = "".join(f"{name}: {value}\r\n" for name, value in ANSWER_HEADERS)
    return (f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n{extra}Content-Type: {kind}\r\n"
            f"Content-Length: {len(body)}\r\n{fixed}Connection: close\r\n\r\n").encode() + body
