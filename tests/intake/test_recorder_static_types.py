"""The page's own files are served with their types from the recorder's table, not from ``mimetypes``.

On Windows ``mimetypes`` reads the registry, where an editor may have set ``.js`` to text/plain: the recorder then
served app.js and pcm-worklet.js as text/plain, and a phone's browser refuses a module script (and an audio worklet)
of that type, a blank page on every phone. The test sets the same type the registry would (``add_type``, what
reading the registry does) and reads the files over real HTTPS."""

from __future__ import annotations

import mimetypes

import pytest

from .conftest import Client


@pytest.fixture
def js_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """``mimetypes`` answering text/plain for ``.js``, as after a Windows registry with ``.js`` set so, for this test
    alone. Its own database, not ``mimetypes.add_type``: that changed the process's tables (``types_map``, and the
    reverse table ``guess_extension`` reads, which a restored ``.js`` type did not undo) for every test after it.
    Every module name ``init()`` sets is put back after the test, so a first read of the system's tables (here, or
    by the server meanwhile) is undone too."""
    for name in ("inited", "_db", "types_map", "common_types", "suffix_map", "encodings_map"):
        monkeypatch.setattr(mimetypes, name, getattr(mimetypes, name))
    types = mimetypes.MimeTypes()  # tables of its own, copied from the module's defaults
    types.add_type("text/plain", ".js")
    monkeypatch.setattr(mimetypes, "_db", types)


def content_type(client: Client, path: str) -> tuple[int, str]:
    conn = client.connection()
    try:
        conn.request("GET", path)
        reply = conn.getresponse()
        reply.read()
        return reply.status, reply.getheader("Content-Type", "")
    finally:
        conn.close()


@pytest.mark.usefixtures("js_as_text")
def test_the_pages_scripts_are_javascript_whatever_the_systems_types_say(recorder) -> None:
    _, client = recorder
    assert mimetypes.guess_type("app.js")[0] == "text/plain"  # as a Windows registry with .js set to text/plain
    for name in ("app.js", "pcm-worklet.js", "upload.js"):
        assert content_type(client, f"/static/{name}") == (200, "text/javascript; charset=utf-8"), name
    assert content_type(client, "/static/index.html") == (200, "text/html; charset=utf-8")
