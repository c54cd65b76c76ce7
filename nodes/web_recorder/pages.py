"""The recorder's own files, as the server sends them: the recording page with its settings, its scripts and styles
(``static/``), and the page a phone without the pairing token is shown."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

#: The page's own files' types, by their ending. Not ``mimetypes``: on Windows it reads the registry, where an editor
#: may have set ``.js`` to text/plain, and a browser refuses a module script of that type (a blank page on every phone).
STATIC_TYPES = {"js": "text/javascript; charset=utf-8", "html": "text/html; charset=utf-8",
                "css": "text/css; charset=utf-8", "json": "application/json; charset=utf-8"}
HTML_TYPE = "text/html; charset=utf-8"

_HEAD = (b"<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>"
         b"<title>Not paired</title><h1>Not paired</h1>")

# A performer meeting it after the recorder's token changed must not take the takes still on the phone for lost. The
# two cases read apart, as the console tells them: one page for both sent a phone whose address was typed by hand
# looking for a new QR code, and one with an old link scanning the same one again.
#: A link without its token (the address typed by hand, a bookmark of it, a QR code of the bare address).
NO_TOKEN_PAGE = _HEAD + (
    b"<p>This link has no pairing token: the recorder's address was opened without the <code>?token=</code> part "
    b"of its link. Scan the QR code shown by the patch, or open the full URL it prints.</p><p>Takes waiting on this "
    b"phone stay kept in its browser, and are sent once you open the full link.</p>")
#: A link whose token is not the recorder's: it made a new one since (rotate_token, a new 'token', its saved one
#: replaced; tls.load_token), or the link is another recorder's.
OLD_TOKEN_PAGE = _HEAD + (
    b"<p>This link's pairing token is not the recorder's: the recorder was restarted with a new token since this "
    b"link was made (or the link is another recorder's). Scan the QR code the patch shows now, or open the URL it "
    b"prints now.</p><p>Takes waiting on this phone stay kept in its browser, and are sent once you open the new "
    b"link.</p>")


def not_paired_page(given: bool) -> bytes:
    """The page a request refused for its token is answered with; ``given``: it showed a token, a wrong one."""
    return OLD_TOKEN_PAGE if given else NO_TOKEN_PAGE


def not_paired_text(given: bool) -> str:
    """The error an upload refused for its token is answered with, told apart as :func:`not_paired_page` does: one
    text for both sent a sender with an old link (a script, a kept take) looking for a token it already had."""
    if given:
        return ("this upload's pairing token is not the recorder's: the recorder was restarted with a new token since "
                "the link was made (or the link is another recorder's); open the URL the patch prints now, or scan "
                "the QR code it shows now")
    return ("this upload has no pairing token: send the token of the recorder's link (its ?token= part, or the "
            "X-Token header); open the full URL the patch prints, or scan the QR code it shows")


def _static(name: str) -> bytes:
    return (resources.files("exsampling_patch.nodes.web_recorder") / "static" / name).read_bytes()


def static_file(name: str) -> tuple[bytes, str] | None:
    """The file ``name`` of ``static/`` (a bare name, no folder) with its type; None: there is no such file."""
    if "/" in name or "\\" in name or name.startswith(".") or not name:
        return None
    try:
        body = _static(name)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError, OSError):
        return None
    return body, STATIC_TYPES.get(name.rpartition(".")[2], "application/octet-stream")


def recording_page(config: dict[str, Any]) -> bytes:
    """The recording page, its settings (``config``) written in."""
    return _static("index.html").replace(b"__CONFIG__", json.dumps(config).encode())
