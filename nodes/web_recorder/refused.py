"""Phones refused for their pairing token, told on the console once each.

A phone whose link carries an old token (the token was rotated, or its file replaced) is answered 401 on every
request, its page polling on; the 401 went only to the library log, and the performer never learnt that a phone
needed the new link or QR code. Told once per phone (its key, or its address where it sent none: a page opened
from the old link), never once per request; the phones told are remembered up to a bound, a long show's strangers
included. Told as the status ``not_paired`` (the run's console prints it), not as a warning: that would replace the
start-up notice it follows from (a new token: scan the new QR code), which stands until a take comes through.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from exsampling_patch.nodes.web_recorder import headers as fields
from exsampling_patch.nodes.web_recorder.upload import UploadError

if TYPE_CHECKING:
    from exsampling_patch.nodes.web_recorder.seen import Key

#: A take refused for good (400 a malformed header, 413 too long or too large, 415 or 422 not a usable WAV): sending it
#: again cannot help, and the phone's page drops its audio. Not 401 (told as ``not_paired``), 409 (being uploaded
#: already), nor 507 (the full disk is the node's error; the phone keeps the take and sends it again).
FOR_GOOD = (400, 413, 415, 422)

#: Phones (keys and addresses) remembered as told; the oldest is forgotten past it, and told again if it comes back.
REMEMBERED = 1024


class RefusedPhones:
    """Calls ``tell`` with a line for the first refusal of each phone. Called on the server's request threads."""

    def __init__(self, tell: Callable[[str], None], remembered: int = REMEMBERED) -> None:
        self._tell = tell
        self._remembered = remembered
        self._lock = threading.Lock()
        self._told: OrderedDict[str, None] = OrderedDict()

    def refused(self, phone: str, address: str, given: bool) -> None:
        """A request from ``address`` (its phone's key digest ``phone``, or "") was refused; ``given``: it showed a
        token, a wrong one, rather than none."""
        names = [f"key {phone}", f"address {address}"] if phone else [f"address {address}"]
        with self._lock:
            first = not any(name in self._told for name in names)
            for name in names:
                self._told[name] = None
                self._told.move_to_end(name)
            while len(self._told) > self._remembered:
                self._told.popitem(last=False)
        if first:
            why = "its link's pairing token is an old one" if given else "it came without the pairing token"
            self._tell(f"a phone at {address} was refused: {why}; open the recorder's current link (or scan its QR "
                       "code) on that phone")


def telling_refusals(accept: Callable[[Any], dict[str, Any]], tell: Callable[[str], None]) -> Callable[[Any], Any]:
    """``accept`` (the recorder's upload handler), calling ``tell`` with a line for each take it refuses for good.

    Only the phone was told (its row in red, the take's audio dropped): the console, which says what became of each
    take, had no line for it, and a performer sending from a script (or a phone's odd format) lost the take without
    a word there. Called on the server's request threads, for requests that showed the pairing token only.
    """

    def accepting(upload: Any) -> Any:
        try:
            return accept(upload)
        except UploadError as error:
            tell_refused(tell, upload.headers, upload.client, error)
            raise

    return accepting


def tell_refused(tell: Callable[[str], None], headers: dict[str, str], client: str, error: UploadError) -> None:
    """Call ``tell`` with a line for a take refused for good (``error``), from ``client`` with ``headers`` (lower-case
    names): one refused by the recorder, or by its server before its body was read (larger than ``max_upload_mb``)."""
    if error.status not in FOR_GOOD:
        return
    try:
        who = f"{fields.recorder_name(headers)} at {client}"
    except UploadError:  # the name itself was what was wrong
        who = f"the phone at {client}"
    tell(f"a take from {who} was refused, not stored: {error}")


def refusing_unread(tell: Callable[[str], None],
                    dropped: Callable[[Key], None]) -> Callable[[dict[str, str], str, UploadError], None]:
    """The server's ``on_refused_unread``: a take its server refused before reading its body (too large, a bad
    length; the busy answer's 413 too) is told as :func:`tell_refused` tells it, and, refused for good, its phone's
    key for it is handed to ``dropped``. A take held on its phone (refused for the full disk) and sent again so was
    dropped by its phone, but only the recorder's own refusals took it off the ``held_on_phones`` count: the run's
    summary said it was still on the phone for the rest of the show."""

    def refused(headers: dict[str, str], client: str, error: UploadError) -> None:
        tell_refused(tell, headers, client, error)
        if error.status in FOR_GOOD and (key := take_key(headers)) is not None:
            dropped(key)

    return refused


def take_key(headers: dict[str, str]) -> Key | None:
    """The key a take upload's ``headers`` (lower-case names) give it, as the recorder keys it; None: it has no
    phone take id, or a header the recorder would refuse (no such take was ever held)."""
    try:
        key = (fields.recorder_name(headers), fields.phone(headers), fields.take_id(headers))
    except UploadError:
        return None
    return key if key[2] else None
