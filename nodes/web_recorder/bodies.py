"""How the recorder's server reads a request's body: an upload's at the door's pace, with why time ran out; one it
refused, read and dropped so that the phone gets the answer; and one answered before it all arrived (a 408), waited
out half-closed. A phone sends its body whole before it reads the answer: a connection closed on unread data is
reset, and the answer is lost with it."""

from __future__ import annotations

import contextlib
import logging
import socket
import time
from email.message import Message
from io import BufferedIOBase
from typing import TYPE_CHECKING, Any

from exsampling_patch.nodes.web_recorder import headers as fields
from exsampling_patch.nodes.web_recorder.upload import UploadError

if TYPE_CHECKING:
    from exsampling_patch.nodes.web_recorder.door import Door

log = logging.getLogger("exsampling.web_recorder")

#: An upload answered before its body was all read (408, past its deadline) is read and dropped for this long at most,
#: so that the phone, which sends it whole before it reads, gets the answer rather than a reset (see linger).
LINGER_SECONDS = 30.0


class BodyReader:
    """The body reading of one connection (``request``, read through ``connection`` and ``rfile``), its deadlines
    the door's."""

    def __init__(self, door: Door, request: Any, connection: Any, rfile: BufferedIOBase, read_timeout: float,
                 client: str) -> None:
        self.door = door
        self.request = request
        self.connection = connection
        self.rfile = rfile
        self.read_timeout = read_timeout
        self.client = client

    def drop(self, headers: Message, expect_continue: bool, drain_bytes: int | None,
             drain_seconds: float | None) -> None:
        """Read and drop the body ``headers`` announce if it is at most ``drain_bytes`` (None: any size), for
        ``drain_seconds`` at most (None: the door's deadline)."""
        self.door.answered(self.request)  # what it tells is told: the stop does not wait for its body
        if expect_continue:
            return  # the client waits for "100 Continue" before it sends the body: there is none to drop
        try:
            announced = fields.content_length(headers.get_all("Content-Length")) or 0
        except UploadError:
            return
        if drain_bytes is not None and announced > drain_bytes:
            return  # too much to take in: the connection is closed after the answer
        left = announced
        if drain_seconds is not None:
            self.door.cap(self.request, drain_seconds)
        try:
            while left > 0:
                chunk = self.rfile.read(min(left, 1 << 16))
                if not chunk:
                    break
                left -= len(chunk)
        except OSError:
            pass

    def linger(self) -> None:
        """End the answer and read what the phone still sends, until it closes or ``LINGER_SECONDS`` pass.

        A phone sends its body whole before it reads the answer: closed on the rest of a body still coming (a 408
        past the deadline), the connection was reset under its send, and a stack that drops what it had received
        when the reset comes never showed the 408. Half-closed, the phone reads the answer's end; it closes once it
        has read it.
        """
        self.door.answered(self.request)  # the stop does not wait for the rest
        with contextlib.suppress(OSError):  # the plain socket's, as the door's: the TLS state stays for reading
            socket.socket.shutdown(self.connection, socket.SHUT_WR)
        self.door.cap(self.request, LINGER_SECONDS)
        try:
            while True:
                remaining = self.door.remaining(self.request)
                if remaining is not None and remaining <= 0:
                    break
                self.connection.settimeout(max(min(self.read_timeout, remaining or LINGER_SECONDS), 0.001))
                # The socket's own read: the buffered reader is spent once a read of it timed out.
                if not self.connection.recv(1 << 16):
                    break
        except (OSError, ValueError):  # a reset, the deadline, a TLS error: nothing more to wait for
            pass
        finally:
            self.connection.settimeout(self.read_timeout)

    def read(self, length: int) -> tuple[bytes, str]:
        """Up to ``length`` bytes of body, read at the door's pace (:meth:`Door.reading`); with why time ran out:
        "slow" (behind the pace), "stalled" (nothing for ``read_timeout``), or "" (it did not)."""
        door = self.door
        chunks: list[bytes] = []
        left, started, stalling = length, time.monotonic(), False
        try:
            while left > 0:
                door.reading(self.request, started, length - left)
                remaining = door.remaining(self.request)
                if remaining is not None and remaining <= 0:
                    return b"".join(chunks), "slow"
                stalling = remaining is None or remaining > self.read_timeout
                timeout = self.read_timeout if remaining is None else min(self.read_timeout, remaining)
                self.connection.settimeout(max(timeout, 0.001))
                chunk = self.rfile.read1(min(left, 1 << 20))  # one read: each waits no longer than the deadline
                if not chunk:
                    break
                chunks.append(chunk)
                left -= len(chunk)
        except TimeoutError:
            return b"".join(chunks), "stalled" if stalling else "slow"
        except OSError as error:  # a reset, a TLS error: what arrived is short
            log.info("upload from %s interrupted: %s", self.client, error)
        finally:
            self.connection.settimeout(self.read_timeout)
        return b"".join(chunks), ""


def late_text(why: str, received: int, length: int, seconds: float, min_rate: float, read_timeout: float) -> str:
    """The 408's words for an upload whose time ran out: the phone's page shows them to the performer."""
    got = f"{received / 1e6:.2f} of {length / 1e6:.2f} MB arrived in {seconds:.0f} s"
    if why == "stalled":
        return f"the upload stalled, nothing came for {read_timeout:g} s: {got}; send it again"
    return (f"the upload came too slowly: {got}, under the {min_rate * 8 / 1e3:g} kbit/s the recorder waits for; "
            "try again on a better connection")
