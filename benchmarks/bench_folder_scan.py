"""Folder source's scan with takes piling up: CPU per scan of a folder holding files already taken.

A show's takes stay in the folder the folder source watches; before 6 Dec each scan (every ``poll_interval``)
listed, matched, stat'ed and sorted every one of them. This starts a folder source on a folder of ``--files``
files it leaves alone (there before its first start: done), lets it scan for ``--seconds`` with nothing arriving
(its last change, the journal written at start, past ``SETTLED_NS``, as between takes in a show), and prints
the watch thread's CPU time per scan (median of ``--runs`` runs), beside the same on an empty folder; then the
time a listing takes once a name came (a take arriving among those files: the folder listed anew).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/ too, as bench_held does

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.folder import FolderSource
from exsampling_patch.nodes.folder_listing import SETTLED_NS, FolderListing
from tests.intake.counting_wake import CountingWake

# A few bytes of WAV header: never read (the files are left alone at start), only listed and looked at.
_WAV = (b"RIFF\x24\x00\x00\x00WAVEfmt \x10\x00\x00\x00\x01\x00\x01\x00\x40\x1f\x00\x00\x80\x3e\x00\x00"
        b"\x02\x00\x10\x00data\x00\x00\x00\x00")


def cpu_per_scan(files: int, seconds: float, poll: float) -> float:
    """The watch thread's CPU milliseconds per scan of a folder holding ``files`` files taken before."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "takes"
        folder.mkdir()
        for i in range(files):
            (folder / f"take-{i:05d}.wav").write_bytes(_WAV)
        node = FolderSource("inbox", {"folder": str(folder), "poll_interval": poll}, NodeContext(folder))
        node.start()
        try:
            deadline = time.monotonic() + 10.0
            while not any(t.name == "inbox-watch" for t in threading.enumerate()) and time.monotonic() < deadline:
                time.sleep(0.01)
            watch = next(t for t in threading.enumerate() if t.name == "inbox-watch")
            clock = time.pthread_getcpuclockid(watch.ident or 0)
            # Past the first scans (the journal's start, its first full look) and the folder's time settled since
            # the journal written at start: a folder changed in the last SETTLED_NS is listed at every scan.
            time.sleep(max(1.0, poll * 5, SETTLED_NS / 1e9 + 0.5))
            wake = CountingWake(node._wake)
            node._wake = wake
            before = time.clock_gettime(clock)
            time.sleep(seconds)
            used = time.clock_gettime(clock) - before
            scans = wake.waits
        finally:
            node.stop()
    return used * 1000.0 / max(scans, 1)


def listing_after_arrival(files: int, arrivals: int = 50) -> float:
    """The median CPU milliseconds :meth:`FolderListing.list` takes after one file came into a folder of ``files``
    (this thread's CPU time: on a machine busy with other work, its wall time told that work's)."""
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for i in range(files):
            (folder / f"take-{i:05d}.wav").write_bytes(_WAV)
        listing = FolderListing(folder, False, lambda name: name.endswith(".wav"))
        listing.list()
        times = []
        for i in range(arrivals):
            (folder / f"new-{i:03d}.wav").write_bytes(_WAV)
            start = time.thread_time()
            listing.list()
            times.append(time.thread_time() - start)
    return statistics.median(times) * 1000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=2000, help="files taken before, in the folder")
    parser.add_argument("--seconds", type=float, default=3.0, help="seconds each run scans")
    parser.add_argument("--runs", type=int, default=5, help="runs (the median is printed)")
    parser.add_argument("--poll", type=float, default=0.1, help="the node's poll_interval")
    args = parser.parse_args()
    for files in (0, args.files):
        runs = [cpu_per_scan(files, args.seconds, args.poll) for _ in range(args.runs)]
        print(f"bench_folder_scan: {files} files taken before: CPU per scan median {statistics.median(runs):.3f} ms "
              f"(runs {', '.join(f'{r:.3f}' for r in runs)})")
    runs = [listing_after_arrival(args.files) for _ in range(args.runs)]
    print(f"bench_folder_scan: {args.files} files, one more arrived: listing CPU median "
          f"{statistics.median(runs):.3f} ms (runs {', '.join(f'{r:.3f}' for r in runs)})")


if __name__ == "__main__":
    main()
