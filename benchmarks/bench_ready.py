"""On stage: how soon `exsampling run` on the default patch is ready for the show, from the command (its spawn).

Ready is the later of the two things a performer waits for: the web recorder's URL printed (phones can pair; the
recorder, a source, starts once the classifier's process has loaded its model) and the sampler's stream open (its
"sound device ..." line: the sampler plays). Both are timed from the spawn of ``exsampling run`` (imports, loading
the patch, the child processes' start-up included), as the performer's clock runs; also the run's own "started in"
(from before the nodes start) and the CPU seconds of the whole run (its children's included).

Usage: ``python benchmarks/bench_ready.py [--runs 7] [--vs DIR]`` with a JACK server running (``make bench`` starts
one; without one the sampler never opens its stream, and only the URL is timed). ``--vs DIR``: runs of another
copy of the project, taken in turn with this one's (A B A B ...), each with its own code (``PYTHONPATH``, the child
processes too), for the same load. A copy of a commit, with the two packages the installed project maps into
``exsampling_patch`` linked where a plain import finds them::

    git archive COMMIT | tar -x -C DIR
    ln -s ../nodes DIR/exsampling_patch/nodes; ln -s ../models DIR/exsampling_patch/models

A first run of each, not counted, makes the recorder's certificate (as a performer's first run does). The figures
are medians and ranges over the runs: on a shared host, quote them with the load, which is printed.
"""

from __future__ import annotations

import argparse
import importlib
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench_stage import REPO, default_patch

HANG_SECONDS = 90.0  # a run not ready by then is reported as hung and killed
URL_LINE = "phones open https://"
STREAM_LINE = "sound device "
INSTALLED = Path(importlib.import_module("exsampling_patch.nodes").__file__ or "").resolve().parents[1]  # mapped tree


@dataclass
class Ready:
    url: float | None = None  # spawn -> the recorder's URL line
    stream: float | None = None  # spawn -> the sampler's stream line
    started_in: float | None = None  # the run's own "started in N s"
    cpu: float = 0.0  # CPU seconds of the run and the children it waited for
    problem: str = ""

    @property
    def ready(self) -> float | None:
        return None if self.url is None or self.stream is None else max(self.url, self.stream)


def one_run(patch: Path, state: Path, tree: Path) -> Ready:
    env = {**os.environ, "XDG_STATE_HOME": str(state), "PYTHONPATH": str(tree)}
    before = os.times()
    spawned = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "exsampling_patch", "run", str(patch), "--for", "0.5"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               cwd=tree, env=env, start_new_session=True)
    lines: queue.SimpleQueue[tuple[float, str] | None] = queue.SimpleQueue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put((time.monotonic(), line))
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    result = Ready()
    seen: list[str] = []
    deadline = spawned + HANG_SECONDS
    while True:
        try:
            item = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            process.kill()
            result.problem = f"not ended in {HANG_SECONDS:g} s (killed)"
            break
        if item is None:
            break
        when, line = item
        seen.append(line)
        if result.url is None and URL_LINE in line:
            result.url = when - spawned
        elif result.stream is None and STREAM_LINE in line and "cannot open" not in line:
            result.stream = when - spawned
        elif line.startswith("running ") and "started in " in line:
            result.started_in = float(line.split("started in ")[1].split(" s")[0])
    code = process.wait()
    after = os.times()
    result.cpu = (after.children_user - before.children_user) + (after.children_system - before.children_system)
    if code != 0 and not result.problem:
        result.problem = f"exit status {code}"
    if result.problem or result.url is None:
        result.problem = (result.problem or "no URL line") + ":\n" + "".join(seen[-12:])
    return result


def spread(values: list[float]) -> str:
    if not values:
        return "none"
    return f"median {statistics.median(values):.2f} s ({min(values):.2f}-{max(values):.2f}, n={len(values)})"


def report(name: str, results: list[Ready]) -> None:
    good = [r for r in results if not r.problem]
    print(f"{name}: ready (URL and stream) {spread([r.ready for r in good if r.ready is not None])}")
    print(f"  URL printed {spread([r.url for r in good if r.url is not None])}; stream open "
          f"{spread([r.stream for r in good if r.stream is not None])}")
    print(f"  the run's own 'started in' {spread([r.started_in for r in good if r.started_in is not None])}; "
          f"CPU of the run, children included {spread([r.cpu for r in good])}")
    for r in results:
        if r.problem:
            print(f"  failed run: {r.problem}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7, help="runs of each (default 7)")
    parser.add_argument("--vs", type=Path, help="another checkout of the project, run in turn with this one")
    args = parser.parse_args()
    if not os.environ.get("JACK_DEFAULT_SERVER"):
        print("no JACK_DEFAULT_SERVER: the sampler's stream will not open; only the URL is timed")
    trees = {"this tree": REPO, **({f"--vs {args.vs}": args.vs.resolve()} if args.vs is not None else {})}
    for tree in trees.values():
        if tree != INSTALLED and not (tree / "exsampling_patch" / "nodes").exists():
            print(f"{tree}: exsampling_patch/nodes and exsampling_patch/models are not linked (see --help)")
            return 2
    results: dict[str, list[Ready]] = {name: [] for name in trees}
    loads = [os.getloadavg()[0]]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        patch = default_patch(folder)
        for name, tree in trees.items():
            first = one_run(patch, folder / "state", tree)
            print(f"{name}: first run, not counted: ready {first.ready}, URL {first.url} s"
                  + (f" ({first.problem.splitlines()[0]})" if first.problem else ""))
        for _ in range(args.runs):
            for name, tree in trees.items():
                results[name].append(one_run(default_patch(folder), folder / "state", tree))
            loads.append(os.getloadavg()[0])
    print(f"default patch, {args.runs} runs of each, alternated; 1-minute load average {min(loads):.1f}-"
          f"{max(loads):.1f}, {os.cpu_count()} CPUs")
    for name, done in results.items():
        report(name, done)
    return 1 if any(r.problem for done in results.values() for r in done) else 0


if __name__ == "__main__":
    sys.exit(main())
