"""The folder source's wake event, counting its scans: for its scan tests and `benchmarks/bench_folder_scan.py`."""

from __future__ import annotations

import threading


class CountingWake:
    """The node's wake event, counting the waits between its scans (one a scan)."""

    def __init__(self, event: threading.Event) -> None:
        self.event, self.waits = event, 0

    def wait(self, timeout: float | None = None) -> bool:
        self.waits += 1
        return self.event.wait(timeout)

    def set(self) -> None:
        self.event.set()

    def clear(self) -> None:
        self.event.clear()
