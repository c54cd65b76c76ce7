"""The phones' take lists, with each take's end, kept across restarts.

A phone's page shows its takes and what became of each (class, slot, or why not) from the recorder's tables in
memory: a restart of the patch emptied them, and a page reloaded or opened again after it showed none of the takes
recorded before, as if they were lost. Each take's row, as the phone's list shows it once the take has ended, is
appended to ``phone-takes.jsonl`` in the recorder's state folder with the digest of its phone's key, and read back
at start. Takes stored but not ended are found again from their sidecars (``WebRecorder._know_unfinished``).

Appended and flushed, not synced, as ``seen-takes.jsonl`` is; rewritten with the newest ``keep`` rows at start once
it holds more than twice as many. A row that cannot be written (a full disk) leaves nothing of itself in the file
(:func:`~.seen.append_whole`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from exsampling_patch.nodes.web_recorder.rows import saved_row
from exsampling_patch.nodes.web_recorder.seen import append_whole
from exsampling_patch.takes import write_atomic

ENDS_FILE = "phone-takes.jsonl"
KEEP_ENDS = 2_000


class TakeEnds:
    """Take id -> (phone digest, its row), newest last; thread-safe."""

    def __init__(self, folder: Path, keep: int = KEEP_ENDS) -> None:
        self.path = folder / ENDS_FILE
        self._lock = threading.Lock()
        self._rows: OrderedDict[str, tuple[str, dict[str, Any]]] = OrderedDict()
        lines = 0
        if self.path.exists():
            with open(self.path, encoding="utf-8") as handle:
                for line in handle:
                    lines += 1
                    try:
                        entry = json.loads(line)
                        phone, row = str(entry["p"]), saved_row(dict(entry["r"]))
                        take_id = str(row["take_id"])
                    except (ValueError, KeyError, TypeError):
                        continue  # a line cut short by a crash
                    self._rows.pop(take_id, None)
                    self._rows[take_id] = (phone, row)
        while len(self._rows) > keep:
            self._rows.popitem(last=False)
        if lines > 2 * keep:
            text = "".join(_line(phone, row) for phone, row in self._rows.values())
            write_atomic(self.path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        folder.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "ab", buffering=0)  # noqa: SIM115 - held open while the node runs

    def rows(self) -> list[tuple[str, dict[str, Any]]]:
        """(phone digest, row) of each take written down, oldest first."""
        with self._lock:
            return list(self._rows.values())

    def write(self, phone: str, row: dict[str, Any]) -> None:
        """Write down a take's row as its phone's list shows it now.

        Raises OSError where it cannot be written (a full disk), with no part of it left in the file."""
        row = {k: v for k, v in row.items() if k != "updated"}
        with self._lock:
            if not self._file.closed:
                append_whole(self._file, _line(phone, row))
                return
            # After the node's stop: the engine stops the sources first and lets the takes in flight end (Ctrl+C in
            # a burst). Dropped, their rows left them on the phones' lists, after the restart, as received, never
            # with their end, though the console told it and the processed journal has them done.
            with open(self.path, "ab", buffering=0) as late:
                append_whole(late, _line(phone, row))

    def close(self) -> None:
        with self._lock:
            self._file.close()


def _line(phone: str, row: dict[str, Any]) -> str:
    return json.dumps({"p": phone, "r": row}, separators=(",", ":")) + "\n"
