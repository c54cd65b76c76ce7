"""Frame time of the editor with 200 nodes and 300 links, idle and with every node's live state changing.

Needs a display (`make bench` starts Xvfb). Prints median and p95 frame times over several runs; the
target is 60 fps (16.7 ms a frame). Under Xvfb, Mesa's llvmpipe renders on the CPU and a frame's cost is
mostly the pixels it fills, so the floor is printed first, at the editor's window size: an empty viewport
(clear and present) and the same viewport with one window background filled over it (one full layer).
Each measurement runs in its own process (Dear PyGui has one viewport per process).
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import sys
import time

N_NODES, N_LINKS, FRAMES, RUNS = 200, 300, 200, 5
WIDTH, HEIGHT = 1400, 900  # the editor's default window


def summary(runs: list[list[float]]) -> tuple[float, float, str]:
    """Median of the runs' medians, median of their p95s, and each run's median/p95."""
    medians, p95s = [], []
    for times in runs:
        times = sorted(times)
        medians.append(statistics.median(times))
        p95s.append(times[int(0.95 * (len(times) - 1))])
    detail = ", ".join(f"{m:.1f}/{p:.1f}" for m, p in zip(medians, p95s, strict=True))
    return statistics.median(medians), statistics.median(p95s), detail


def floor(kind: str) -> list[list[float]]:
    """Frame times of a viewport with nothing in it ("empty") or one window background over it ("filled")."""
    import dearpygui.dearpygui as dpg

    dpg.create_context()
    size = (WIDTH, HEIGHT) if kind == "filled" else (40, 20)
    with dpg.window(no_title_bar=True, pos=(0, 0), width=size[0], height=size[1]):
        dpg.add_text("floor")
    dpg.create_viewport(width=WIDTH, height=HEIGHT, vsync=False)
    dpg.setup_dearpygui()
    dpg.show_viewport()
    for _ in range(10):
        dpg.render_dearpygui_frame()
    runs = []
    for _ in range(RUNS):
        times = []
        for _ in range(FRAMES):
            t0 = time.perf_counter()
            dpg.render_dearpygui_frame()
            times.append((time.perf_counter() - t0) * 1000)
        runs.append(times)
    dpg.destroy_context()
    return runs


def editor() -> dict[str, list[list[float]]]:
    """Frame times of the editor on the 200-node patch, idle and live, runs interleaved."""
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
    app = EditorApp(EditorModel(Registry.default(), patch))
    app.build()
    build_ms = (time.perf_counter() - started) * 1000
    app.open_viewport(WIDTH, HEIGHT, vsync=False)
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

    result: dict[str, list[list[float]]] = {"idle": [], "live": [], "build_ms": [[build_ms]]}
    for _ in range(RUNS):
        result["idle"].append(measure(False))
        result["live"].append(measure(True))
    dpg.destroy_context()
    return result


def child(what: str) -> dict[str, list[list[float]]]:
    done = subprocess.run([sys.executable, __file__, "--child", what], capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"bench_editor {what} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> int:
    if not os.environ.get("DISPLAY"):
        print("bench_editor: skipped (needs DISPLAY; `make bench` starts Xvfb)")
        return 0
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        what = sys.argv[2]
        print(json.dumps({"frames": floor(what)} if what in ("empty", "filled") else editor()))
        return 0
    load = os.getloadavg()[0]
    print(f"editor frame time at {WIDTH}x{HEIGHT}, vsync off; {RUNS} runs of {FRAMES} frames each; "
          f"load average {load:.1f} on {os.cpu_count()} cores; per run: median/p95 ms")

    def line(label: str, runs: list[list[float]]) -> None:
        median, p95, detail = summary(runs)
        print(f"  {label:44s} median {median:6.2f} ms, p95 {p95:6.2f} ms ({1000 / median:4.0f} fps);"
              f" runs: {detail}")

    line("floor: empty viewport (clear + present)", child("empty")["frames"])
    line("floor: one window background over it", child("filled")["frames"])
    result = child("editor")
    print(f"  {N_NODES} nodes, {N_LINKS} links; build {result['build_ms'][0][0]:.0f} ms")
    line("idle", result["idle"])
    line(f"live ({N_NODES} status updates a frame)", result["live"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
