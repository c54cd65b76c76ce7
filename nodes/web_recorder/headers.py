"""Reading what a phone says in its request headers, defensively: any value gives a value or a 4xx.

Header values arrive as text of any length and content (the HTTP parser decodes them as Latin-1), so
every one is checked against what it may be before it is used: a number must be finite and in its range,
a name or an id must be short and plain. A value that is not is refused with :class:`UploadError` naming
the header, never passed on to fail later (``X-Recorded-At: 1e300`` once reached ``time.gmtime``).
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import unquote

from exsampling_patch.messages import Location
from exsampling_patch.nodes.web_recorder.upload import UploadError

MAX_NAME = 40
MAX_TAKE_ID = 64
#: Latest accepted ``X-Recorded-At``: the last millisecond of year 9999 (``time.gmtime`` handles it).
LATEST_MS = 253_402_300_799_999

_TAKE_ID_OK = re.compile(r"[ -~]+", re.ASCII)  # printable ASCII
_PHONE_KEY_OK = re.compile(r"[A-Za-z0-9_-]{16,128}", re.ASCII)
_DIGITS = re.compile(r"[0-9]{1,15}", re.ASCII)
_NUMBER_OK = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?", re.ASCII)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _shown(text: str) -> str:
    """A header value as it may appear in a message: cut short, control characters escaped."""
    return repr(text[:40]) + ("..." if len(text) > 40 else "")


def content_length(values: list[str] | None) -> int | None:
    """The body length from every ``Content-Length`` header given; None if there is none."""
    if not values:
        return None
    lengths = {v.strip() for v in values}
    if len(lengths) > 1:
        raise UploadError(400, "the request has several different Content-Length headers")
    text = lengths.pop()
    if not _DIGITS.fullmatch(text):
        raise UploadError(400, f"bad Content-Length {_shown(text)}: it must be a whole number of bytes")
    return int(text)


def number(text: str | None, header: str, low: float = -math.inf, high: float = math.inf) -> float | None:
    """A finite decimal number between ``low`` and ``high``; None if the header is missing or empty."""
    if text is None or text.strip() == "":
        return None
    text = text.strip()
    # A strict pattern, not float() alone: that also takes "nan", "1_000" and non-ASCII digits.
    if len(text) > 40 or not _NUMBER_OK.fullmatch(text):
        raise UploadError(400, f"{header} must be a number, got {_shown(text)}")
    value = float(text)
    if not math.isfinite(value):
        raise UploadError(400, f"{header} must be a finite number, got {_shown(text)}")
    if not low <= value <= high:
        raise UploadError(400, f"{header} must be between {low:g} and {high:g}, got {_shown(text)}")
    return value


def recorded_at(headers: Mapping[str, str]) -> float | None:
    """``X-Recorded-At`` (milliseconds since 1970) as seconds since 1970; None if not given."""
    ms = number(headers.get("x-recorded-at"), "X-Recorded-At (milliseconds since 1970)", 0, LATEST_MS)
    return None if ms is None else ms / 1000.0


def text_value(raw: str) -> str:
    """A header's text as the phone meant it: the page sends ``X-Recorder`` and ``X-Location-Error`` percent-encoded
    UTF-8, since a browser refuses to send a header holding a character outside Latin-1 ("Łucja", "田中"); a value
    without ``%`` is a script's UTF-8 or plain Latin-1."""
    if "%" in raw:
        return unquote(raw, errors="replace")
    try:  # a script's UTF-8 (curl -H 'X-Recorder: Łucja'), which the HTTP parser read as Latin-1
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return raw


def _name_ok(name: str) -> bool:
    # Letters and digits of any script, with their combining marks (Devanagari vowel signs), and a few signs.
    first, rest = name[0], name[1:]
    return (first.isalnum() or first == "_") and all(
        c.isalnum() or c in "_ .'@()+-" or unicodedata.category(c).startswith("M") for c in rest)


def name_slug(name: str, most: int = 20) -> str:
    """The start of a take id made from a recorder's name, safe as a file name: letters and digits of any script
    with their combining marks ("Łucja", "田中", "नमस्ते"), every other run of characters one "-", at most ``most``
    characters (a mark is never cut from its letter); "phone" if nothing is left."""
    kept = "".join(c if c.isalnum() or unicodedata.category(c).startswith("M") else "-"
                   for c in unicodedata.normalize("NFC", name))
    kept = re.sub(r"-+", "-", kept).strip("-")
    while kept and unicodedata.category(kept[0]).startswith("M"):  # a mark with no letter before it
        kept = kept[1:].lstrip("-")
    cut = kept[:most]
    while len(cut) < len(kept) and cut and unicodedata.category(kept[len(cut)]).startswith("M"):
        cut = cut[:-1]  # the next character is a mark of the last one kept: end before that letter
    return cut.strip("-") or "phone"


def recorder_name(headers: Mapping[str, str]) -> str:
    name = unicodedata.normalize("NFC", text_value(headers.get("x-recorder", "")).strip())
    if not name:
        raise UploadError(400, "say who is recording: the X-Recorder header (your name) is missing")
    if len(name) > MAX_NAME or not _name_ok(name):
        raise UploadError(400, f"the recorder name must be 1 to {MAX_NAME} letters, digits, spaces or . ' @ ( ) + -")
    return name


def take_id(headers: Mapping[str, str]) -> str:
    """The phone's own id of the take (``X-Take-Id``), refused rather than cut when too long."""
    text = headers.get("x-take-id", "").strip()
    if len(text) > MAX_TAKE_ID:
        raise UploadError(400, f"X-Take-Id is {len(text)} characters long; at most {MAX_TAKE_ID} are accepted "
                               "(a shorter id would merge different takes)")
    if text and not _TAKE_ID_OK.fullmatch(text):
        raise UploadError(400, f"X-Take-Id may hold printable ASCII characters only, got {_shown(text)}")
    return text


def phone(headers: Mapping[str, str], required: bool = False) -> str:
    """A digest of the phone's own secret (``X-Phone-Key``): the take list shows a phone its takes only.

    The page makes the secret once and keeps it in the phone's storage; only its digest is kept here.
    Returns "" when no key is given and none is required.
    """
    key = headers.get("x-phone-key", "").strip()
    if not key:
        if required:
            raise UploadError(400, "send this phone's key (X-Phone-Key) to list its takes: reload the page")
        return ""
    if not _PHONE_KEY_OK.fullmatch(key):
        raise UploadError(400, "X-Phone-Key must be 16 to 128 letters, digits, - or _")
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def location(headers: Mapping[str, str]) -> tuple[Location | None, str]:
    """The take's location, or None with the phone's reason for having none."""
    lat = number(headers.get("x-latitude"), "X-Latitude")
    lon = number(headers.get("x-longitude"), "X-Longitude")
    accuracy = number(headers.get("x-accuracy"), "X-Accuracy")
    if lat is None and lon is None:
        return None, _CONTROL.sub(" ", text_value(headers.get("x-location-error", ""))[:200]).strip()
    if lat is None or lon is None:
        raise UploadError(400, "send both X-Latitude and X-Longitude, or neither")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UploadError(400, f"location out of range: latitude {lat}, longitude {lon}")
    if accuracy is not None and accuracy < 0:
        raise UploadError(400, f"X-Accuracy must be at least 0 metres, got {accuracy}")
    return Location(lat, lon, accuracy), ""
