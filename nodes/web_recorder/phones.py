"""Each phone's own take list: which takes a phone (the digest of its key) uploaded, for its page's list, and which
phone a take came from, for its end to be saved to that phone's list (:meth:`WebRecorder.take_ended`).

Bounded for a long show: a phone's newest :data:`~.status.KEEP_PER_RECORDER` takes, and the :data:`KEEP_PHONES`
phones that uploaded last (the least recently uploading phone is forgotten first). Moved out of the node's module,
as it was, whole.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Iterator

from exsampling_patch.nodes.web_recorder.status import KEEP_PER_RECORDER
from exsampling_patch.takes import TakeStore, file_stem, sidecar_path

#: How many phones' take lists are kept (the least recently uploading phone is forgotten first).
KEEP_PHONES = 1000


class PhoneLists:
    """Phone (its key's digest) -> its take ids, oldest first, and take id -> its phone; thread-safe (the server's
    request threads add, the runtime's thread reads). Iterates over the phones kept."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._phones: OrderedDict[str, list[str]] = OrderedDict()  # phone key's digest -> its take ids
        self._phone_of: dict[str, str] = {}  # take id -> its phone's digest, for the takes in _phones

    def add(self, phone: str, take_id: str) -> None:
        """``take_id`` is one of ``phone``'s takes (once, however often added); that phone uploaded last."""
        with self._lock:
            ids = self._phones.pop(phone, [])
            if take_id not in ids:
                ids.append(take_id)
            for old in ids[:-KEEP_PER_RECORDER]:
                self._phone_of.pop(old, None)
            self._phones[phone] = ids[-KEEP_PER_RECORDER:]
            self._phone_of[take_id] = phone
            while len(self._phones) > KEEP_PHONES:
                for old in self._phones.popitem(last=False)[1]:
                    self._phone_of.pop(old, None)

    def phone_of(self, take_id: str) -> str | None:
        """The phone ``take_id`` came from; None where it is not (or no longer) in a list."""
        with self._lock:
            return self._phone_of.get(take_id)

    def take_ids(self, phone: str) -> list[str]:
        """``phone``'s take ids, oldest first (a copy)."""
        with self._lock:
            return list(self._phones.get(phone, ()))

    def __len__(self) -> int:
        with self._lock:
            return len(self._phones)

    def __iter__(self) -> Iterator[str]:
        with self._lock:
            return iter(list(self._phones))


def phone_in_sidecar(store: TakeStore, take_id: str) -> str | None:
    """The phone (its key's digest) a take stored in ``store`` came from, as its sidecar says; None where it says none
    or cannot be read."""
    try:
        data = json.loads(sidecar_path(store.folder / f"{file_stem(take_id)}{store.suffix}").read_text("utf-8"))
        phone = data["meta"]["phone"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return phone if isinstance(phone, str) and phone else None
