"""The recorder's HTTP(S) server: serves the page, takes uploads, lists a phone's takes.

Standard library only (``http.server.ThreadingHTTPServer`` + ``ssl``): one thread per connection, and
the TLS handshake happens on that thread too, so a slow or stalled phone never holds up the others.

Routes (all but ``/static/`` need the pairing token, as ``?token=`` or an ``X-Token`` header):

- ``GET /`` the recording page
- ``POST /api/takes`` a WAV body; headers ``X-Recorder`` (name), ``X-Take-Id`` (the phone's id, makes a
  retried upload harmless), ``X-Recorded-At`` (ms since epoch), ``X-Latitude``/``X-Longitude``/``X-Accuracy``
- ``GET /api/takes?recorder=NAME`` that recorder's takes with their status, newest first
"""

from __future__ import annotations

import hmac
import json
import logging
import mimetypes
import ssl
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from exsampling_patch.nodes.web_recorder.upload import UploadError

log = logging.getLogger("exsampling.web_recorder")

MAX_NAME = 40


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
    ``list_takes(recorder)`` returns the status rows for the page.
    """

    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], token: str, on_upload: Callable[[Upload], dict[str, Any]],
                 list_takes: Callable[[str], list[dict[str, Any]]], page_config: dict[str, Any],
                 max_upload_bytes: int, tls: ssl.SSLContext | None = None, read_timeout: float = 30.0) -> None:
        self.token = token
        self.on_upload = on_upload
        self.list_takes = list_takes
        self.page_config = page_config
        self.max_upload_bytes = max_upload_bytes
        self.tls = tls
        self.read_timeout = read_timeout
        self.refused = 0
        super().__init__(address, _Handler)

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        if self.tls is not None:
            # No handshake here: it runs on the connection's own thread (see _Handler.setup).
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)

    @property
    def port(self) -> int:
        return int(self.server_address[1])


def _static(name: str) -> bytes:
    return (resources.files("exsampling_patch.nodes.web_recorder") / "static" / name).read_bytes()


class _Handler(BaseHTTPRequestHandler):
    server: RecorderServer
    protocol_version = "HTTP/1.1"
    server_version = "ExSamplingRecorder/1"

    def setup(self) -> None:
        self.request.settimeout(self.server.read_timeout)  # a stalled phone frees its thread in time
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    # -- helpers ---------------------------------------------------------------------------------------------

    def _send(self, status: int, body: bytes, content_type: str, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, status: int, data: Any, close: bool = False) -> None:
        self._send(status, json.dumps(data).encode(), "application/json; charset=utf-8", close)

    def _error(self, status: int, message: str, close: bool = False) -> None:
        self._json(status, {"error": message}, close)

    def _authorised(self, query: dict[str, list[str]]) -> bool:
        given = self.headers.get("X-Token") or (query.get("token") or [""])[0]
        if given and hmac.compare_digest(given.encode(), self.server.token.encode()):
            return True
        self.server.refused += 1
        log.warning("refused %s %s from %s: %s pairing token", self.command, urlsplit(self.path).path,
                    self.client_address[0], "wrong" if given else "no")
        return False

    # -- routes ----------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query)
        if url.path.startswith("/static/"):
            name = url.path[len("/static/"):]
            if "/" in name or name.startswith(".") or not name:
                self._error(404, "not found")
                return
            try:
                body = _static(name)
            except (FileNotFoundError, IsADirectoryError):
                self._error(404, "not found")
                return
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self._send(200, body, f"{kind}; charset=utf-8" if kind.startswith(("text/", "application/j")) else kind)
            return
        if url.path == "/favicon.ico":
            self._send(204, b"", "text/plain")
            return
        if not self._authorised(query):
            self._send(401, _UNAUTHORISED, "text/html; charset=utf-8")
            return
        if url.path in ("/", "/index.html"):
            page = _static("index.html").replace(b"__CONFIG__", json.dumps(self.server.page_config).encode())
            self._send(200, page, "text/html; charset=utf-8")
        elif url.path == "/api/takes":
            recorder = (query.get("recorder") or [""])[0]
            self._json(200, {"takes": self.server.list_takes(recorder)})
        else:
            self._error(404, f"no such page: {url.path}")

    do_HEAD = do_GET

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if not self._authorised(parse_qs(url.query)):
            self._discard_body()
            self._error(401, "this recorder needs the pairing token: open the URL from the QR code", close=True)
            return
        if url.path != "/api/takes":
            self._discard_body()
            self._error(404, f"no such endpoint: {url.path}", close=True)
            return
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            self._error(411, "send the take with a Content-Length", close=True)
            return
        try:
            length = int(length_text)
            if length < 0:
                raise ValueError
        except ValueError:
            self._error(400, f"bad Content-Length {length_text!r}", close=True)
            return
        if length > self.server.max_upload_bytes:
            # Refused unread: the connection is closed rather than the body drained.
            mb = self.server.max_upload_bytes / 1e6
            self._error(413, f"the take is too large: {length / 1e6:.1f} MB (at most {mb:.1f} MB)", close=True)
            return
        try:
            body = self._read_body(length)
        except (TimeoutError, ConnectionError, OSError) as error:
            log.info("upload from %s interrupted: %s", self.client_address[0], error)
            self.close_connection = True
            return
        if len(body) < length:
            log.info("upload from %s cut short: %d of %d bytes", self.client_address[0], len(body), length)
            self.close_connection = True
            return
        upload = Upload(body, {k.lower(): v for k, v in self.headers.items()}, time.monotonic(),
                        self.client_address[0])
        try:
            reply = self.server.on_upload(upload)
        except UploadError as error:
            self._error(error.status, str(error))
            return
        except Exception as error:  # a bug or a full disk: tell the phone, keep serving
            log.exception("upload failed")
            self._error(500, f"the take could not be stored: {error}")
            return
        self._json(200 if reply.get("duplicate") else 201, reply)

    def _discard_body(self, limit: int = 1 << 20) -> None:
        """Read a small refused body so the client gets the answer (closing on unread data resets it)."""
        try:
            length = int(self.headers.get("Content-Length", "0"))
            if 0 < length <= limit:
                self._read_body(length)
        except (ValueError, OSError):
            pass

    def _read_body(self, length: int) -> bytes:
        chunks, left = [], length
        while left > 0:
            chunk = self.rfile.read(min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)


_UNAUTHORISED = (b"<!doctype html><meta name=viewport content='width=device-width'><title>Not paired</title>"
                 b"<h1>Not paired</h1><p>This recorder needs its pairing token. Scan the QR code shown by the "
                 b"patch, or open the full URL it prints.</p>")


