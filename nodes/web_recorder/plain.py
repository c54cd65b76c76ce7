"""Plain HTTP met on the recorder's HTTPS port: answered with a redirect to https, not a dropped connection.

A phone's browser opens an address typed without ``https://`` (Safari, Firefox; Chrome for some addresses) over plain
HTTP. The recorder speaks TLS only there, so its handshake failed and the connection was closed without a word: the
phone said the server dropped the connection, and nothing said to type ``https://``. A TLS connection's first byte is
a handshake record's type (22); a plain HTTP request starts with its method's letters. Read before the handshake, from
the socket itself (``MSG_PEEK``: nothing is taken from the handshake).
"""

from __future__ import annotations

import html
import re
import socket
import ssl

from exsampling_patch.nodes.web_recorder.busy import ANSWER_HEADERS

_TLS_HANDSHAKE = 0x16
_HEAD_MOST = 8192
#: A Host header that is an address (name, IPv4 or [IPv6], with a port): anything else is not echoed in the answer.
_HOST = re.compile(r"(?:[A-Za-z0-9.-]{1,253}|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?")
_TARGET = re.compile(r"/[!#-~]*")  # an origin-form target: visible ASCII, no quotes


def sent_on(sock: ssl.SSLSocket) -> bool:
    """If ``sock`` (not yet through its handshake) carries plain HTTP, answer it with a redirect to the same address
    over https and return True (the caller closes it); False for TLS (or a connection that ended)."""
    first = socket.socket.recv(sock, 1, socket.MSG_PEEK)
    if not first or first[0] == _TLS_HANDSHAKE or not first.isalpha():
        return False
    head = b""
    while b"\r\n\r\n" not in head and len(head) < _HEAD_MOST:
        chunk = socket.socket.recv(sock, _HEAD_MOST - len(head))
        if not chunk:
            break
        head += chunk
    lines = head.decode("latin-1").split("\r\n")
    words = lines[0].split(" ")
    target = words[1] if len(words) == 3 and _TARGET.fullmatch(words[1]) else "/"
    host = next((line.split(":", 1)[1].strip() for line in lines[1:] if line.lower().startswith("host:")), "")
    if not _HOST.fullmatch(host):
        address, port = sock.getsockname()[:2]
        host = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    where = f"https://{host}{target}"
    body = (f"<!doctype html><meta name=viewport content='width=device-width'><title>Use https</title>"
            f"<h1>Use https</h1><p>This recorder answers over https only: open "
            f"<a href=\"{html.escape(where)}\">{html.escape(where)}</a>.</p>").encode()
    fields = [("Location", where), ("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
              ("Connection", "close"), *ANSWER_HEADERS]
    answer = "HTTP/1.1 301 Moved Permanently\r\n" + "".join(f"{k}: {v}\r\n" for k, v in fields) + "\r\n"
    socket.socket.sendall(sock, answer.encode("latin-1") + body)
    return True
