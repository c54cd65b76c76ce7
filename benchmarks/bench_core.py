"""Runtime overhead: per-hop cost on a 100-node pass-through chain; load + compile time of a 1,000-node patch;
how the time to start a patch (load, check, compile, build and start every node) grows with its size.

Prints medians over several runs. Targets: under 20 us a hop; under 50 ms for the 1,000-node patch; a start
time that grows linearly with the patch (10,000 nodes under 1 s; 40,000 about 4 times that).

``python benchmarks/bench_core.py scale`` runs only the last part.
"""

from __future__ import annotations

import gc
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import Link, NodeSpec, Patch, PortRef
from exsampling_patch.patchfile import save_patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, compile_plan
from exsampling_patch.validate import check_file, load_patch

CHAIN = 100
MESSAGES = 2000
RUNS = 7
SCALE_SIZES = (10_000, 20_000, 40_000)
SCALE_RUNS = 5


class CountingSink(Node):
    """Counts messages and sets an event at the expected count."""

    type_name = "bench_sink"
    inlet = Input(ANY)

    def start(self) -> None:
        self.count = 0
        self.expected = 0
        self.done = threading.Event()

    def on_inlet(self, message: Any) -> None:
        self.count += 1
        if self.count >= self.expected:
            self.done.set()


def chain_patch(length: int) -> Patch:
    patch = Patch(name=f"{length}-relay chain")
    previous = None
    for i in range(length):
        patch.add_node(NodeSpec(f"r{i}", "relay", {}, (i * 10, 0)))
        if previous:
            patch.connect(f"{previous}.outlet", f"r{i}.inlet")
        previous = f"r{i}"
    patch.add_node(NodeSpec("sink", "bench_sink"))
    patch.connect(f"{previous}.outlet", "sink.inlet")
    return patch


def per_hop_us(registry: Registry, workers: int) -> tuple[float, float]:
    """(throughput cost per hop, single-message latency per hop) in microseconds, one run."""
    engine = Engine(registry, workers=workers)
    engine.start(chain_patch(CHAIN))
    sink: Any = engine.node("sink")
    hops = CHAIN  # r0 receives by inject; CHAIN links carry each message
    sink.expected, sink.count = MESSAGES, 0
    sink.done.clear()
    start = time.perf_counter()
    for i in range(MESSAGES):
        engine.inject("r0", "inlet", i)
    sink.done.wait(60)
    throughput = (time.perf_counter() - start) / (MESSAGES * hops) * 1e6
    latencies = []
    for i in range(50):
        sink.expected, sink.count = 1, 0
        sink.done.clear()
        start = time.perf_counter()
        engine.inject("r0", "inlet", i)
        sink.done.wait(5)
        latencies.append((time.perf_counter() - start) / hops * 1e6)
    engine.stop()
    return throughput, statistics.median(latencies)


def load_compile_ms(registry: Registry, path: Path) -> tuple[float, float]:
    start = time.perf_counter()
    patch, _ = load_patch(path, registry)
    loaded = time.perf_counter()
    compile_plan(patch, registry, checked=True)  # as `exsampling run` does: load_patch has checked it
    return (loaded - start) * 1e3, (time.perf_counter() - loaded) * 1e3


def wide_patch(size: int, chain: int = 10) -> Patch:
    """``size`` nodes in chains of ``chain``: a relay, then trims with their parameters set, as an editor writes them.

    Links are appended directly: :meth:`Patch.connect` looks for the link among those already there.
    """
    patch = Patch(name=f"{size} nodes in chains of {chain}")
    for i in range(size):
        node_id = f"n{i}"
        if i % chain == 0:
            patch.add_node(NodeSpec(node_id, "relay", {}, (i % chain * 120, i // chain * 60)))
            continue
        patch.add_node(NodeSpec(node_id, "trim", {"top_db": 50.0, "pad_ms": 5.0, "reference": "peak"},
                                (i % chain * 120, i // chain * 60)))
        port = "outlet" if (i - 1) % chain == 0 else "out"
        patch.links.append(Link(PortRef(f"n{i - 1}", port), PortRef(node_id, "take")))
    return patch


def start_seconds(registry: Registry, path: Path) -> tuple[float, float, float]:
    """(load_patch, Engine.start, CPU time of both) in seconds for the patch file at ``path``, as `exsampling run`
    does them. The CPU time says less of other processes on a shared machine."""
    gc.collect()
    cpu = time.process_time()
    start = time.perf_counter()
    patch, _ = load_patch(path, registry)
    loaded = time.perf_counter()
    engine = Engine(registry, workers=2)
    engine.start(patch, checked=True)
    started = time.perf_counter()
    cpu = time.process_time() - cpu
    engine.stop()
    return loaded - start, started - loaded, cpu


def check_seconds(path: Path) -> float:
    """`exsampling check` of the patch file at ``path`` (its own registry, as the command builds it)."""
    gc.collect()
    start = time.perf_counter()
    problems = check_file(path)
    assert not problems, problems[0]
    return time.perf_counter() - start


def scale(registry: Registry) -> None:
    print(f"start time by patch size (load_patch + Engine.start; then `check`), median of {SCALE_RUNS} runs:")
    first: float | None = None
    with tempfile.TemporaryDirectory() as folder:
        for size in SCALE_SIZES:
            path = Path(folder) / f"wide{size}.yaml"
            save_patch(wide_patch(size), path)
            runs = [start_seconds(registry, path) for _ in range(SCALE_RUNS)]
            load_s = statistics.median(r[0] for r in runs)
            start_s = statistics.median(r[1] for r in runs)
            total = statistics.median(r[0] + r[1] for r in runs)
            cpu = statistics.median(r[2] for r in runs)
            per_node = total / size * 1e6
            first = first or per_node
            check_s = statistics.median(check_seconds(path) for _ in range(SCALE_RUNS))
            print(f"  {size:6,} nodes: load {load_s:5.2f} s + start {start_s:5.2f} s = {total:5.2f} s "
                  f"(CPU {cpu:5.2f} s), {per_node:5.1f} us a node ({per_node / first:4.2f}x the first; "
                  f"linear: 1.00x); check {check_s:5.2f} s")


def main() -> int:
    registry = Registry.default(entry_points=False)
    registry.register(CountingSink, "benchmark")
    if sys.argv[1:] == ["scale"]:
        scale(registry)
        return 0
    print(f"per-hop overhead, {CHAIN}-relay chain, {MESSAGES} messages, median of {RUNS} runs:")
    for workers in (1, 2, 4):
        runs = [per_hop_us(registry, workers) for _ in range(RUNS)]
        print(f"  {workers} worker(s): {statistics.median(r[0] for r in runs):6.2f} us/hop streaming, "
              f"{statistics.median(r[1] for r in runs):6.2f} us/hop single message (target < 20 us)")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.yaml"
        save_patch(chain_patch(999), path)
        runs = [load_compile_ms(registry, path) for _ in range(RUNS)]
        load_ms = statistics.median(r[0] for r in runs)
        compile_ms = statistics.median(r[1] for r in runs)
        print(f"1,000-node patch: load {load_ms:.1f} ms + compile {compile_ms:.1f} ms = {load_ms + compile_ms:.1f} ms "
              f"(median of {RUNS}; target < 50 ms)")
    scale(registry)
    return 0


if __name__ == "__main__":
    sys.exit(main())
