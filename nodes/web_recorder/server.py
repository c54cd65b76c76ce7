"""The recorder's HTTP(S) server: serves the page, takes uploads, lists a phone's takes.

Standard library only (``http.server.ThreadingHTTPServer`` + ``ssl``): one thread per connection, and
the TLS handshake happens on that thread too, so a slow or stalled phone never holds up the others. How
many connections are held, and for how long, is the :class:`~.door.Door`'s business.

Routes (all but ``/static/`` need the pairing token, as ``?token=`` or an ``X-Token`` header; nothing of
a request's body is read before its token is checked):

- ``GET /`` the recording page
- ``POST /api/takes`` a WAV body; headers ``X-Recorder`` (name), ``X-Take-Id`` (the phone's id, makes a
  retried upload harmless), ``X-Phone-Key`` (the phone's own secret), ``X-Recorded-At`` (ms since epoch),
  ``X-Latitude``/``X-Longitude``/``X-Accuracy``
- ``GET /api/takes`` with ``X-Phone-Key``: that phone's takes with their status, newest first
  (``?recorder=NAME`` narrows them to one name)
"""

from __future__ import annotations

import hmac
import json
import logging
import socket
import ssl
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from exsampling_patch.nodes.web_recorder import headers as fields
from exsampling_patch.nodes.web_recorder.bodies import BodyReader, late_text
from exsampling_patch.nodes.web_recorder.busy import ANSWER_HEADERS, JSON_TYPE, BusyAnswers
from exsampling_patch.nodes.web_recorder.door import Door
from exsampling_patch.nodes.web_recorder.pages import (
    HTML_TYPE,
    not_paired_page,
    not_paired_text,
    recording_page,
    static_file,
)
from exsampling_patch.nodes.web_recorder.plain import sent_on
from exsampling_patch.nodes.web_recorder.upload import UploadError, too_large

log = logging.getLogger("exsampling.web_recorder")

MAX_NAME = fields.MAX_NAME
#: A body refused for its token (a phone with an old link) is read and dropped, so that the 401 arrives,
#: if it is no larger than an upload may be, for this long at most.
STRANGER_DRAIN_SECONDS = 2.0
#: The stop waits this long at most for the requests that showed the token to be answered (a take being stored: a
#: flush to a slow card takes a second or two); one that takes longer reports after the stop, unsaid in its summary.
STOP_WAIT = 3.0


def listen_backlog() -> int:
    """The longest listen queue the system allows (``net.core.somaxconn``; 4096 since Linux 5.4). With 128, a burst of
    more connections than that (phones reconnecting together, strangers) had the kernel drop the rest's first
    packet while the server was taking the queue's off: each waited a second for its resend, however fast the server.
    A queued connection is only a kernel socket; how many are held open past it is the door's business."""
    try:
        with open("/proc/sys/net/core/somaxconn", encoding="ascii") as file:
            return max(128, int(file.read()))
    except (OSError, ValueError):  # not Linux: the C library's constant
        return max(128, socket.SOMAXCONN)


class Upload:
    """One accepted request body with what the phone said about it."""

    def __init__(self, body: bytes, headers: dict[str, str], received_at: float, client: str) -> None:
        self.body = body
        self.headers = headers
        self.received_at = received_at  # time.monotonic() when the last byte arrived
        self.client = client


class RecorderServer(ThreadingHTTPServer):
    """A threading HTTP server, optionally TLS, that hands uploads to ``on_upload``.

    ``on_upload(upload)`` returns the JSON reply for an accepted take or raises :class:`UploadError`;
    ``list_takes(phone, recorder)`` returns the status rows of one phone's takes for its page.
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = listen_backlog()  # phones reconnecting together after a Wi-Fi drop

    def __init__(self, address: tuple[str, int], token: str, on_upload: Callable[[Upload], dict[str, Any]],
                 list_takes: Callable[[str, str], list[dict[str, Any]]], page_config: dict[str, Any],
                 max_upload_bytes: int, tls: ssl.SSLContext | None = None, read_timeout: float = 30.0,
                 max_connections: int = 128, max_unauthenticated: int = 32, header_timeout: float = 10.0,
                 request_timeout: float = 120.0, min_upload_rate: float = 12_500.0,
                 on_refused: Callable[[str, str, bool], None] | None = None,
                 on_refused_unread: Callable[[dict[str, str], str, UploadError], None] | None = None) -> None:
        self.token = token
        #: Told (its headers, lower-case names; its address; the refusal) of each upload refused, after its token was
        #: checked, before its body was read (too large, no length): ``on_upload`` never sees it. On its thread.
        self.on_refused_unread = on_refused_unread
        #: Told (the phone's key digest or "", its address, whether it showed a token) of each request refused for
        #: its token; on the request's thread.
        self.on_refused = on_refused
        self.on_upload = on_upload
        self.list_takes = list_takes
        self.page_config = page_config
        self.max_upload_bytes = max_upload_bytes
        self.tls = tls
        self.read_timeout = read_timeout
        self.refused = 0
        self.uploads_cut_off = 0  # uploads whose body server_close cut, arriving or about to (never stored)
        self.closing = False  # set by server_close: a kept-alive connection takes no further request
        self.door = Door(max_connections, max_unauthenticated, header_timeout, request_timeout, read_timeout,
                         min_upload_rate)
        self.busy = BusyAnswers(max_upload_bytes, token, on_refused_unread)
        self._handed_over: Any = None  # the connection verify_request gave to self.busy: not closed after it
        self._reaped = 0.0
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        if self.tls is not None:
            # No handshake here: it runs on the connection's own thread (see _Handler.setup).
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def verify_request(self, request: Any, client_address: Any) -> bool:
        if self.door.admit(request):
            return True
        if self.busy.take(request):  # answered 503 with Retry-After, rather than closed mid-handshake
            self._handed_over = request
        return False

    def shutdown_request(self, request: Any) -> None:
        if request is self._handed_over:  # right after verify_request, on this thread: its answer closes it
            self._handed_over = None
            return
        self.door.leave(request)  # before the close: the door never shuts a closed (reusable) descriptor
        super().shutdown_request(request)

    def service_actions(self) -> None:
        now = time.monotonic()
        if now - self._reaped >= 0.1:
            self._reaped = now
            self.door.reap()

    def server_close(self) -> None:
        """Stop listening, and let go of the connections held open between requests: a phone's kept-alive
        connection would otherwise go on taking uploads into a stopped node, answered "received" and passed on
        nowhere until the next start. The phone then meets a closed connection, keeps its take and sends it again
        to the recorder that runs next. So does an upload whose body is arriving, cut (counted: ``uploads_cut_off``).
        A request already being handled is answered, its connection closed, and waited for (``STOP_WAIT`` at most):
        what it tells (a take refused for the full disk, counted as held on the phones) is then told before the stop
        returns, in the run's summary and the editor's Stop, not after them."""
        self.closing = True
        super().server_close()
        self.door.shut_unauthenticated()
        self.door.cut_receiving()
        if unanswered := self.door.settle(STOP_WAIT):
            log.info("stopped with %d requests still being handled after %g s", unanswered, STOP_WAIT)
        # With those cut as they began to read their bodies meanwhile (cut_late): counted nowhere else, unsaid.
        self.uploads_cut_off = self.door.cut_at_stop + self.door.cut_late

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class _Handler(BaseHTTPRequestHandler):
    server: RecorderServer
    protocol_version = "HTTP/1.1"
    server_version = "ExSamplingRecorder/1"

    def setup(self) -> None:
        self.request.settimeout(self.server.read_timeout)  # a stalled phone frees its thread in time
        self._expect_continue = False
        self._sent_on = False
        super().setup()
        self._body = BodyReader(self.server.door, self.request, self.connection, self.rfile, self.server.read_timeout,
                                self.client_address[0])
        if isinstance(self.connection, ssl.SSLSocket):
            self._sent_on = sent_on(self.connection)  # plain HTTP (an address typed without https://): redirected
            if not self._sent_on:
                self.connection.do_handshake()

    def handle(self) -> None:
        if not self._sent_on:
            super().handle()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def handle_one_request(self) -> None:
        self._expect_continue = False
        self.__dict__.pop("headers", None)  # the last request's: send_error must not drop a body by them
        if self.server.closing:
            self.close_connection = True
            return
        super().handle_one_request()
        if self.server.closing:
            self.close_connection = True
        elif not self.close_connection:
            self.server.door.waiting(self.request)

    def handle_expect_100(self) -> bool:
        # "100 Continue" only once the token and the length are checked (see _post): a refused body is
        # then never sent at all.
        self._expect_continue = True
        return True

    def send_response(self, code: int, message: str | None = None) -> None:
        # Every answer, the parser's own refusals (send_error) too, not "100 Continue" (send_response_only).
        super().send_response(code, message)
        for name, value in ANSWER_HEADERS:
            self.send_header(name, value)

    def parse_request(self) -> bool:
        if not super().parse_request():
            return False
        if self.request_version == "HTTP/0.9":  # its answer would be the body alone: no status, no header
            self.send_error(505)
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        # The parser's own refusals of what a client sent are 4xx, like every other answer to bad input.
        if code == 501:
            code, message = 405, "method not allowed: the recorder answers GET, HEAD and POST"
        elif code == 505:
            code, message = 400, "HTTP version not supported: use HTTP/1.1"
        if self.request_version == "HTTP/0.9":
            # The parser's default until it has read a version: a refusal of a request line (its version, its
            # words) would be written as HTTP/0.9, the error page without a status line or any header.
            self.request_version = self.protocol_version
        super().send_error(code, message, explain)
        if getattr(self, "headers", None) is not None:  # parsed: its body may be on its way
            self._body.drop(self.headers, self._expect_continue, self.server.max_upload_bytes, STRANGER_DRAIN_SECONDS)

    # -- helpers ---------------------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, close: bool = False) -> None:
        self.server.door.answering(self.request)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        unread = self._has_body()
        if close or unread:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        if unread:
            self._body.drop(self.headers, self._expect_continue, self.server.max_upload_bytes, STRANGER_DRAIN_SECONDS)

    def _json(self, status: int, data: Any, close: bool = False) -> None:
        self._send(status, json.dumps(data).encode(), JSON_TYPE, close)

    def _error(self, status: int, message: str, close: bool = False) -> None:
        self._json(status, {"error": message}, close)

    def _has_body(self) -> bool:
        """True if the request announced a body that has not been read (a GET with one, say)."""
        if self.command == "POST":
            return False  # the POST route reads or drains its own body
        length = (self.headers.get("Content-Length") or "0").strip()
        return self.headers.get("Transfer-Encoding") is not None or length not in ("", "0")

    def _given_token(self, query: dict[str, list[str]]) -> str:
        return self.headers.get("X-Token") or (query.get("token") or [""])[0]

    def _authorised(self, query: dict[str, list[str]]) -> bool:
        given = self._given_token(query)
        if given and hmac.compare_digest(given.encode(), self.server.token.encode()):
            self.server.door.authenticated(self.request)
            return True
        self.server.refused += 1
        log.warning("refused %s %s from %s: %s pairing token", self.command, urlsplit(self.path).path[:200],
                    self.client_address[0], "wrong" if given else "no")
        if self.server.on_refused is not None:
            try:
                phone = fields.phone(self.headers)
            except UploadError:  # a malformed key: the phone is known by its address alone
                phone = ""
            self.server.on_refused(phone, str(self.client_address[0]), bool(given))
        return False

    def _guarded(self, route: Callable[[], None]) -> None:
        """Run a route: malformed input is answered with a 4xx, a bug with a 500, never a dropped line."""
        try:
            route()
        except UploadError as error:
            self._error(error.status, str(error), close=True)
        except ValueError as error:  # a URL that urlsplit or parse_qs cannot take
            self._error(400, f"malformed request: {error}", close=True)
        except (ConnectionError, TimeoutError, ssl.SSLError):
            self.close_connection = True
        except Exception:
            log.exception("request %s %s failed", self.command, self.path[:200])
            self._error(500, "the recorder failed on this request (see its log)", close=True)

    # -- routes ----------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._guarded(self._get)

    def do_HEAD(self) -> None:
        self._guarded(self._get)

    def do_POST(self) -> None:
        self._guarded(self._post)

    def _get(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query, max_num_fields=50)
        if url.path.startswith("/static/"):
            found = static_file(url.path[len("/static/"):])
            if found is None:
                self._error(404, "not found")
            else:
                self._send(200, *found)
            return
        if url.path == "/favicon.ico":
            self._send(204, b"", "text/plain")
            return
        if not self._authorised(query):
            self._send(401, not_paired_page(bool(self._given_token(query))), HTML_TYPE)
            return
        if url.path in ("/", "/index.html"):
            self._send(200, recording_page(self.server.page_config), HTML_TYPE)
        elif url.path == "/api/takes":
            phone = fields.phone(self.headers, required=True)
            recorder = (query.get("recorder") or [""])[0].strip()
            # The page's settings too: one left open across a restart with others (a live edit) follows them.
            self._json(200, {"takes": self.server.list_takes(phone, recorder), "config": self.server.page_config})
        else:
            self._error(404, f"no such page: {url.path[:200]}")

    def _post(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query, max_num_fields=50)
        if not self._authorised(query):
            self._refuse_unread(401, not_paired_text(bool(self._given_token(query))), self.server.max_upload_bytes,
                                STRANGER_DRAIN_SECONDS)
            return
        limit = self.server.max_upload_bytes
        try:
            if url.path != "/api/takes":
                raise UploadError(404, f"no such endpoint: {url.path[:200]}")
            if self.headers.get("Transfer-Encoding") is not None:
                raise UploadError(411, "send the take with a Content-Length (not in chunks)")
            length = fields.content_length(self.headers.get_all("Content-Length"))
            if length is None:
                raise UploadError(411, "send the take with a Content-Length")
            if length > limit:
                raise UploadError(413, too_large(length, limit))
        except UploadError as error:
            if self.server.on_refused_unread is not None and url.path == "/api/takes":
                self.server.on_refused_unread({k.lower(): v for k, v in self.headers.items()}, self.client_address[0],
                                              error)
            # The body is read and dropped whatever its size, so that the phone, which sends it whole before it
            # reads, gets the message rather than a reset; the answer's deadline (write_timeout) bounds it.
            self._refuse_unread(error.status, str(error), None, None)
            return
        if self._expect_continue:
            self.send_response_only(100)
            self.end_headers()
        started = time.monotonic()
        body, late = self._body.read(length)
        if not self.server.door.body_read(self.request):  # cut by the stop, counted there: its phone sends it again
            self.close_connection = True
            return
        if len(body) < length:
            log.info("upload from %s cut short: %d of %d bytes", self.client_address[0], len(body), length)
            # 408 either way, never a final 4xx: the take is whole on the phone, only its way here broke (a Wi-Fi
            # drop, a phone that slept), so the page keeps it and sends it again.
            if late:
                self._error(408, late_text(late, len(body), length, time.monotonic() - started,
                                            self.server.door.min_rate, self.server.read_timeout), close=True)
                self._body.linger()
            else:
                self._error(408, f"the upload was cut short: {len(body)} of {length} bytes arrived; send it again",
                            close=True)
            return
        self.server.door.working(self.request)
        upload = Upload(body, {k.lower(): v for k, v in self.headers.items()}, time.monotonic(),
                        self.client_address[0])
        try:
            reply = self.server.on_upload(upload)
        except UploadError as error:
            self._error(error.status, str(error))
            return
        except Exception as error:  # a bug or a full disk: tell the phone, keep serving
            log.exception("upload failed")
            # The system's words alone: "[Errno 30] Read-only file system: '/home/.../.take.part'" showed the phone
            # Python's repr and a path of this machine's; the console names the folder to the performer.
            why = f"{error.strerror} (on the recorder's disk)" if isinstance(error, OSError) and error.strerror \
                else str(error)
            self._error(500, f"the take could not be stored: {why}; tell the performer")
            return
        self._json(200 if reply.get("duplicate") else 201, reply)

    def _refuse_unread(self, status: int, message: str, drain_bytes: int | None, drain_seconds: float | None) -> None:
        """Answer without taking the body, then read and drop it if it is at most ``drain_bytes`` (None: any size).

        A client that sends its whole body before reading (a browser's fetch, http.client) would otherwise
        get a reset connection instead of the answer: closing a socket with unread data resets it.
        """
        self._error(status, message, close=True)
        self._body.drop(self.headers, self._expect_continue, drain_bytes, drain_seconds)
