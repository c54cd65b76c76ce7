"""Takes an output loaded after all (its status's ``loaded_after_all``) shown on their phone's row.

The sampler's and Live's late loads of one take come each on its own thread: both read the row before either wrote
it back, and the second write kept the first output's "not loaded" word, the row amber or red though the take
played. One lock holds a row's read, its new fields, their save and their write back together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from exsampling_patch.nodes.web_recorder.rows import loaded_after_all


class LateLoads:
    """A recorder's late loads: shown on a row that has its end, kept until that end for one that has not.

    ``row`` reads a take's row, ``save`` saves an ended row for the phone's list after a restart (the fields it
    returns say where it could not be), ``write`` writes fields into the row on the board."""

    def __init__(self, row: Callable[[str], dict[str, Any] | None],
                 save: Callable[[str, dict[str, Any]], dict[str, Any]],
                 write: Callable[..., None]) -> None:
        self._row, self._save, self._write = row, save, write
        # Over the waiting list, and over a row's read to its write back: two late loads of one take apart, neither
        # word lost. Saving is the only call made under it; the ends table writes one row at a time anyway.
        self._lock = threading.Lock()
        self._waiting: dict[str, list[tuple[str, str]]] = {}  # take id -> (output, its type) loaded before its end

    def loaded(self, take_id: str, phone: str, by: str, kind: str) -> None:
        """Output ``by`` (of type ``kind``) loaded take ``take_id`` of ``phone`` after all."""
        with self._lock:
            row = self._row(take_id) or {}
            if row.get("fate") is None:  # its end is still to come: :meth:`ended` hands it back then
                self._waiting.setdefault(take_id, []).append((by, kind))
                return
            if row.get("fate") == "slot" and isinstance(row.get("loaded"), list):
                fields = loaded_after_all(row, by, kind)
                fields.update(self._save(phone, {**row, **fields}))  # the phone's list after a restart too
                self._write(take_id, **fields)

    def ended(self, take_id: str) -> list[tuple[str, str]]:
        """The late loads of a take told before its end, its row now written with that end; forgotten here."""
        with self._lock:
            return self._waiting.pop(take_id, [])
