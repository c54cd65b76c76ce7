"""A phone that reaches the recorder's HTTPS port over plain HTTP (the address typed without https://) is sent on."""

from __future__ import annotations

import http.client
import socket

from exsampling_patch.runtime.engine import Engine

from .conftest import Client


def test_plain_http_on_the_https_port_is_sent_on_to_https(recorder: tuple[Engine, Client]) -> None:
    """Safari and Firefox open a typed "192.168.1.20:8443/?token=..." over http://: the recorder, speaking TLS only,
    closed the connection without a word, and the phone said the server dropped it. It now answers with a redirect to
    the same address over https, and a line to read where a browser does not follow it."""
    _, client = recorder
    plain = http.client.HTTPConnection("127.0.0.1", client.port, timeout=10)
    try:
        plain.request("GET", f"/?token={client.token}", headers={"Host": f"192.0.2.7:{client.port}"})
        reply = plain.getresponse()
        body = reply.read().decode()
    finally:
        plain.close()
    assert reply.status == 301, (reply.status, body)
    assert reply.getheader("Location") == f"https://192.0.2.7:{client.port}/?token={client.token}"
    assert reply.getheader("Cache-Control") == "no-store"  # as every answer
    assert "https://" in body
    # A Host that is no address (a stranger's trick) is not echoed: the recorder's own address is named instead.
    raw = socket.create_connection(("127.0.0.1", client.port), timeout=10)
    try:
        raw.sendall(b"GET /x HTTP/1.1\r\nHost: evil.example/\"><script>\r\n\r\n")
        head = raw.recv(4096).decode("latin-1")
    finally:
        raw.close()
    assert head.startswith("HTTP/1.1 301 "), head
    assert f"Location: https://127.0.0.1:{client.port}/x\r\n" in head, head
    # The port still speaks HTTPS.
    status, data = client.request("GET", "/api/takes")
    assert status == 200 and data["takes"] == []
