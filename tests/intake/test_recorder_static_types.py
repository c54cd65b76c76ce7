"""The page's own files are served with their types from the recorder's table, not from ``mimetypes``.

On Windows ``mimetypes`` reads the registry, where an editor may have set ``.js`` to text/plain: the recorder then
served app.js and pcm-worklet.js as text/plain, and a phone's browser refuses a module script (and an audio worklet)
of that type, a blank page on every phone. The test sets the same type the registry would (``mimetypes.add_type``,
what reading the registry does) and reads the files over real HTTPS."""

from __future__ import annotations

import mimetypes

from .conftest import Client


def content_type(client: Client, path: str) -> tuple[int, str]:
    conn = client.connection()
    try:
        conn.request("GET", path)
        reply = conn.getresponse()
        reply.read()
        return reply.status, reply.getheader("Content-Type", "")
    finally:
        conn.close()


def test_the_pages_scripts_are_javascript_whatever_the_systems_types_say(recorder) -> None:
    _, client = recorder
    before = mimetypes.guess_type("app.js")[0] or "text/javascript"
    mimetypes.add_type("text/plain", ".js")  # as a Windows registry with .js set to text/plain
    try:
        for name in ("app.js", "pcm-worklet.js", "upload.js"):
            assert content_type(client, f"/static/{name}") == (200, "text/javascript; charset=utf-8"), name
        assert content_type(client, "/static/index.html") == (200, "text/html; charset=utf-8")
    finally:
        mimetypes.add_type(before, ".js")
