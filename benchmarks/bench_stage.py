"""On stage: how soon `exsampling run` starts the default patch, and how soon it ends on a signal.

Runs ``exsampling run patches/exsampling.yaml`` headless as a performer does (a process group of its own; the
recorder on a free port, without its QR code; the sampler on the running JACK server, as ``make bench`` starts
it), ``--runs`` times for each of three stops, taken in turn so that each sees the same load:

- SIGINT to the whole group 1 s after "running" (a terminal's Ctrl+C), exit code 130;
- SIGTERM to the whole group 1 s after "running" (a service manager), 143;
- SIGINT to the whole group during start-up (0.5 s after the run names its show log, before the nodes start),
  130, and the run must say "stopped during start-up".

Prints, median (min-max): "started in" as the run prints it (its own clock, from before the nodes start), the time
from the process's spawn to its "running" line (imports and loading the patch included), and for each stop the
time from the signal to the process's exit, split at the run's summary line ("stopped ..."): before it, stopping
the nodes; after it, the process's own exit (what ``cli.exit_at_once`` keeps short). A first run, not counted,
makes the recorder's certificate in the state folder the others share, as a performer's first run does.
"""

from __future__ import annotations

import argparse
import os
import queue
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import yaml

REPO = Path(__file__).resolve().parents[1]
HANG_SECONDS = 60.0  # a start or a stop taking longer is reported as hung and killed
STOPS = {"SIGINT": (signal.SIGINT, 130, False), "SIGTERM": (signal.SIGTERM, 143, False),
         "SIGINT during start-up": (signal.SIGINT, 130, True)}


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def default_patch(folder: Path) -> Path:
    """The shipped default patch in ``folder/patches`` (its session folder beside it), on free ports, no QR code."""
    data = yaml.safe_load((REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    wanted = {"recorder": {"port": free_port(), "print_qr": False}, "live": {"port": free_port(socket.SOCK_DGRAM)}}
    for node in data["nodes"]:
        node.setdefault("params", {}).update(wanted.get(node["id"], {}))
    path = folder / "patches" / "exsampling.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Result:
    code: int
    output: str
    started_in: float | None = None  # the run's own "started in N s"
    to_running: float | None = None  # spawn -> "running" line
    to_summary: float | None = None  # signal -> "stopped ..." line
    to_exit: float | None = None  # signal -> process exit
    notes: list[str] = field(default_factory=list)


def one_run(patch: Path, state: Path, signum: int, during_start: bool) -> Result:
    spawned = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "exsampling_patch", "run", str(patch)], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=REPO, start_new_session=True,
        env={**os.environ, "XDG_STATE_HOME": str(state)})
    lines: queue.SimpleQueue[tuple[float, str]] = queue.SimpleQueue()
    seen: list[str] = []

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.put((time.monotonic(), line))

    readers = [threading.Thread(target=read, args=(s,), daemon=True) for s in (process.stdout, process.stderr)]
    for reader in readers:
        reader.start()

    def wait_for(text: str, until: float) -> tuple[float, str] | None:
        while True:
            try:
                when, line = lines.get(timeout=max(0.0, until - time.monotonic()))
            except queue.Empty:
                return None
            seen.append(line)
            if text in line:
                return when, line

    result = Result(code=-1, output="")
    trigger = "show log:" if during_start else "running "
    found = wait_for(trigger, spawned + HANG_SECONDS)
    if found is None:
        result.notes.append(f"no {trigger!r} line in {HANG_SECONDS:g} s")
        sent = time.monotonic()
    else:
        if not during_start:
            result.to_running = found[0] - spawned
            result.started_in = float(found[1].split("started in ")[1].split(" s")[0])
        time.sleep(0.5 if during_start else 1.0)
        os.killpg(process.pid, signum)
        sent = time.monotonic()
    try:
        result.code = process.wait(HANG_SECONDS)
        result.to_exit = time.monotonic() - sent
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        result.notes.append(f"still running {HANG_SECONDS:g} s after the signal (killed)")
    for reader in readers:
        reader.join(5.0)
    while not lines.empty():
        when, line = lines.get()
        seen.append(line)
        if line.startswith("stopped ") and result.to_summary is None:
            result.to_summary = when - sent
    result.output = "".join(seen)
    if during_start and "stopped during start-up" not in result.output:
        result.notes.append("the signal came after start-up")
    return result


def spread(values: list[float], unit: str = "s", scale: float = 1.0, digits: int = 2) -> str:
    if not values:
        return "none"
    shown = [v * scale for v in values]
    return (f"median {statistics.median(shown):.{digits}f} {unit} ({min(shown):.{digits}f}-{max(shown):.{digits}f}, "
            f"n={len(shown)})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs for each of the three stops (default 3)")
    args = parser.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}, {os.getloadavg()[1]:.2f}, {os.getloadavg()[2]:.2f}; "
          f"{os.cpu_count()} CPUs")
    results: dict[str, list[Result]] = {name: [] for name in STOPS}
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        patch = default_patch(folder)
        first = one_run(patch, folder / "state", signal.SIGINT, False)
        print(f"first run (makes the recorder's certificate): started in {first.started_in} s, "
              f"exit {first.code} {first.to_exit or float('nan'):.2f} s after SIGINT")
        for _ in range(args.runs):
            for name, (signum, _code, during_start) in STOPS.items():
                results[name].append(one_run(default_patch(folder), folder / "state", signum, during_start))
    running = [r for name in ("SIGINT", "SIGTERM") for r in results[name]]
    print(f"default patch, {args.runs} runs per stop, alternated:")
    print("  started in (the run's own figure): " + spread([r.started_in for r in running if r.started_in]))
    print("  spawn -> 'running' line: " + spread([r.to_running for r in running if r.to_running]))
    for name, (_signum, code, _during) in STOPS.items():
        done = results[name]
        for r in done:
            problems = r.notes + ([f"exit code {r.code}, not {code}"] if r.code != code else [])
            if problems:
                failed = True
                print(f"  {name}: " + "; ".join(problems) + "\n" + r.output)
        exits = [r.to_exit for r in done if r.to_exit is not None and not r.notes and r.code == code]
        tails = [r.to_exit - r.to_summary for r in done if r.to_exit is not None and r.to_summary is not None]
        print(f"  {name} -> exit {code}: {spread(exits, 'ms', 1e3, 0)}; of it summary -> exit: "
              f"{spread(tails, 'ms', 1e3, 0)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
