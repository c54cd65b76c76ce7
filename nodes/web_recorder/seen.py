"""The takes a recorder has acknowledged, by the phone's own take id, kept across restarts.

A phone that gets no answer sends its take again (after a Wi-Fi drop, or after the laptop's process was
restarted): the take must have one effect. Each acknowledged take's key (recorder, phone, the phone's take id)
and the reply it got are appended to ``seen-takes.jsonl`` in the recorder's state folder before the take flows
on, so that a retry, even after a kill -9, gets the first reply again (marked ``duplicate``) and nothing else.
A take stored but not yet written here when the process died is found again at the next start (it is not done):
its audio's header is checked and, if whole, :meth:`SeenTakes.remember` is called for it from its sidecar before the
server listens, so that a retry arriving before the take is passed on again is answered as its duplicate too. A
take whose audio is unreadable, at that check or when it is read later, has its entry withdrawn
(:meth:`SeenTakes.forget`, written down too): the phone's next retry is stored anew, in its place.

The file is appended to and flushed, not synced to disk: a process killed keeps what it wrote (the kernel has
it); only a power cut could lose the last lines. It is rewritten with the newest ``keep`` entries at start once
it holds more than twice as many.
"""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from exsampling_patch.takes import write_atomic

SEEN_FILE = "seen-takes.jsonl"
KEEP_SEEN = 20_000

Key = tuple[str, str, str]  # recorder, phone (digest of its key), the phone's take id


class SeenTakes:
    """Key -> the reply the phone got (None while the take is being stored); thread-safe."""

    def __init__(self, folder: Path, keep: int = KEEP_SEEN) -> None:
        self.path = folder / SEEN_FILE
        self.keep = keep
        self._lock = threading.Lock()
        self._replies: OrderedDict[Key, dict[str, Any] | None] = OrderedDict()
        lines = 0
        if self.path.exists():
            with open(self.path, encoding="utf-8") as handle:
                for line in handle:
                    lines += 1
                    try:
                        entry = json.loads(line)
                        key = (str(entry["k"][0]), str(entry["k"][1]), str(entry["k"][2]))
                    except (ValueError, KeyError, IndexError, TypeError):
                        continue  # a line cut short by a crash
                    self._replies.pop(key, None)
                    if not entry.get("forget"):
                        self._replies[key] = entry.get("r") or {}
        while len(self._replies) > keep:
            self._replies.popitem(last=False)
        if lines > 2 * keep:
            text = "".join(json.dumps({"k": list(k), "r": r}) + "\n" for k, r in self._replies.items())
            write_atomic(self.path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        folder.mkdir(parents=True, exist_ok=True)
        self._file = open(self.path, "a", encoding="utf-8")  # noqa: SIM115 - held open while the node runs

    def close(self) -> None:
        with self._lock:
            self._file.close()

    def claim(self, key: Key) -> tuple[bool, dict[str, Any] | None]:
        """(True, None) if the take is new (now claimed); (False, the earlier reply or None while in progress)."""
        with self._lock:
            if key in self._replies:
                return False, self._replies[key]
            self._replies[key] = None
            return True, None

    def release(self, key: Key) -> None:
        """A claimed take was not stored (refused, failed): the phone may send it again."""
        with self._lock:
            if self._replies.get(key, {}) is None:
                del self._replies[key]

    def remember(self, key: Key, reply: dict[str, Any]) -> None:
        """The take is stored and will be acknowledged with ``reply``: written down before it flows on."""
        line = json.dumps({"k": list(key), "r": reply}) + "\n"
        with self._lock:
            self._replies.pop(key, None)
            self._replies[key] = reply
            while len(self._replies) > self.keep:
                self._replies.popitem(last=False)
            if not self._file.closed:
                self._file.write(line)
                self._file.flush()

    def forget(self, key: Key, take_id: str) -> bool:
        """Withdraw ``key`` if its reply names ``take_id`` (a take stored, then lost): a retry is then a new take.

        Written down like :meth:`remember`, so the withdrawal holds across restarts. An entry naming another take
        (the phone's retry already stored anew) is kept. Returns whether the entry was withdrawn.
        """
        line = json.dumps({"k": list(key), "forget": True}) + "\n"
        with self._lock:
            reply = self._replies.get(key)
            if reply is None or reply.get("take_id") != take_id:
                return False
            del self._replies[key]
            if not self._file.closed:
                self._file.write(line)
                self._file.flush()
            return True

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._replies


def disk_free(folder: Path) -> int:
    """Bytes free for this user on the file system of ``folder`` (a large number if it cannot be told)."""
    try:
        st = os.statvfs(folder)
    except OSError:
        return 1 << 62
    return st.f_bavail * st.f_frsize
