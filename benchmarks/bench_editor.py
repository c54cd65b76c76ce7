"""Frame time of the editor with 200 nodes and 300 links, idle and with every node's live state changing.

Needs a display (`make bench` starts Xvfb). Prints median and p95 frame times over several runs; the
target is 60 fps (16.7 ms a frame).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time

N_NODES, N_LINKS, FRAMES, RUNS = 200, 300, 200, 3


def main() -> int:
    if not os.environ.get("DISPLAY"):
        print("bench_editor: skipped (needs DISPLAY; `make bench` starts Xvfb)")
        return 0
    import dearpygui.dearpygui as dpg

    from exsampling_patch.editor.app import EditorApp
    from exsampling_patch.editor.model import EditorModel
    from exsampling_patch.patch import Link, NodeSpec, Patch, PortRef
    from exsampling_patch.registry import Registry
    from exsampling_patch.runtime import NodeStatus

    rng = random.Random(7)
    patch = Patch(name="bench")
    for i in range(N_NODES):
        patch.add_node(NodeSpec(f"r{i}", "relay", {}, (40.0 + 260 * (i % 20), 40.0 + 140 * (i // 20))))
    links = {Link(PortRef(f"r{i}", "outlet"), PortRef(f"r{i + 1}", "inlet")) for i in range(N_NODES - 1)}
    while len(links) < N_LINKS:  # forward links only: no cycles
        a, b = sorted(rng.sample(range(N_NODES), 2))
        links.add(Link(PortRef(f"r{a}", "outlet"), PortRef(f"r{b}", "inlet")))
    patch.links = sorted(links)

    dpg.create_context()
    started = time.perf_counter()
    model = EditorModel(Registry.default(), patch)
    app = EditorApp(model)
    app.build()
    build_s = time.perf_counter() - started
    app.open_viewport(1400, 900, vsync=False)
    app.render(10)  # warm-up

    def measure(live: bool) -> list[float]:
        times = []
        for frame in range(FRAMES):
            if live:  # every node reports a level, label and latency each frame (far more than a show does)
                for i in range(N_NODES):
                    app.observer.on_event(NodeStatus(f"r{i}", {"level": (frame % 10) / 10, "label": "dog",
                                                               "confidence": 0.9, "latency_ms": 12.0 + i}))
            t0 = time.perf_counter()
            app.render()
            times.append((time.perf_counter() - t0) * 1000)
        return times

    print(f"editor with {N_NODES} nodes, {N_LINKS} links; build {build_s * 1000:.0f} ms; {FRAMES} frames a run")
    for live in (False, True):
        medians, p95s = [], []
        for run in range(RUNS):
            times = sorted(measure(live))
            medians.append(statistics.median(times))
            p95s.append(times[int(0.95 * (len(times) - 1))])
        label = "live (200 status updates a frame)" if live else "idle"
        print(f"  {label:36s} frame median {statistics.median(medians):6.2f} ms, p95 {statistics.median(p95s):6.2f} ms"
              f" ({1000 / statistics.median(medians):.0f} fps); runs: "
              + ", ".join(f"{m:.1f}/{p:.1f}" for m, p in zip(medians, p95s, strict=True)))
    dpg.destroy_context()
    return 0


if __name__ == "__main__":
    sys.exit(main())
