"""End to end: the default patch with 10 s takes arriving through the web recorder's HTTPS upload.

For each take: time from "take stored" (``meta["stored_at"]``, after the WAV and its sidecar are flushed
to disk) to "slot loaded in the sampler" (its ``loaded`` output) and to "OSC /label received" by a loopback
receiver that routes like the original Max for Live device. Takes are real ESC-50 recordings (two clips
of one class joined into 10 s, at 48 kHz), uploaded one every 0.4 s (``--gap``). The confidence gate is opened
(threshold 0) so that every take travels the whole path. Target: p95 at most 20 ms.
Also prints each node's median handling time. The original system took about 40 ms (p95 42 ms) per take.
"""

from __future__ import annotations

import argparse
import http.client
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from esc50_takes import ten_second_takes
from host_check import cpu_line, pause_cost_line
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import BlockingOSCUDPServer

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec
from exsampling_patch.ports import SLOT
from exsampling_patch.runtime import Engine, Event, NodeTiming
from exsampling_patch.validate import load_patch

REPO = Path(__file__).resolve().parent.parent
RATE = 48000


class LoadedTimes(Node):
    """Notes when each slot assignment has been loaded by the sampler."""

    type_name = "bench_loaded_times"
    assignment = Input(SLOT, "loaded assignments", multiple=True)

    def start(self) -> None:
        self.times: dict[str, tuple[float, float]] = {}
        self.classified_ms: list[float] = []

    def on_assignment(self, assignment: SlotAssignment) -> None:
        self.times[assignment.take.take_id] = (time.monotonic(), float(assignment.take.meta["stored_at"]))
        self.classified_ms.append(float(assignment.take.meta["classified_ms"]))


class MaxDeviceStandIn:
    """Receives OSC like the original device: remembers /sound, fires on /label."""

    def __init__(self) -> None:
        dispatcher = Dispatcher()
        self.sound = ""
        self.fired: dict[str, float] = {}
        dispatcher.map("/sound", lambda _addr, path: setattr(self, "sound", path))
        dispatcher.map("/label", lambda _addr, _slot: self.fired.__setitem__(Path(self.sound).stem, time.monotonic()))
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--takes", type=int, default=24, help="takes to upload (at least 20)")
    parser.add_argument("--gap", type=float, default=0.4,
                        help="seconds between uploads (default 0.4; see the host check it prints)")
    parser.add_argument("--param", action="append", default=[], metavar="NODE.PARAM=VALUE",
                        help="override a parameter of the default patch (YAML value), e.g. classifier.threads=2")
    args = parser.parse_args()
    takes = [(category, encode_wav_pcm16(audio, RATE)) for category, audio in ten_second_takes(args.takes, RATE)]
    print(cpu_line())
    print(pause_cost_line(args.gap))
    device = MaxDeviceStandIn()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        patch, registry = load_patch(REPO / "patches" / "exsampling.yaml")
        registry.register(LoadedTimes, "benchmark")
        patch.nodes["recorder"].params.update(folder=str(folder / "takes"), state_folder=str(folder / "state"),
                                              host="127.0.0.1", port=0, print_qr=False)
        patch.nodes["gate"].params["threshold"] = 0.0
        # The live node's folder holds its OSC sender's lock (nodes/osc_outbox.py), held for the patch's whole
        # life: left at the default (the repository's session/live), any other run of the default patch on this
        # machine (another bench, `make run`) may hold it, and this run's /label would then wait in its sender
        # until that run stops (the node reports the folder in use), which the timings would count.
        patch.nodes["live"].params.update(port=device.port, folder=str(folder / "live"))
        for override in args.param:
            target, _, value = override.partition("=")
            node_id, _, name = target.partition(".")
            patch.nodes[node_id].params[name] = yaml.safe_load(value)
        patch.nodes["sampler"].params["virtual_port"] = ""
        patch.add_node(NodeSpec("times", "bench_loaded_times"))
        patch.connect("sampler.loaded", "times.assignment")
        engine = Engine(registry, base_dir=REPO / "patches")
        handling: dict[str, list[float]] = defaultdict(list)

        def on_timing(event: Event) -> None:
            if isinstance(event, NodeTiming):
                handling[event.node_id].append(event.seconds * 1e3)

        engine.events.subscribe(on_timing, NodeTiming)
        started = time.perf_counter()
        engine.start(patch)
        print(f"default patch started in {(time.perf_counter() - started) * 1e3:.0f} ms "
              f"(errors: {engine.errors or 'none'})")
        recorder: Any = engine.node("recorder")
        tls = ssl.create_default_context(cafile=str(folder / "state" / "recorder-cert.pem"))
        connection = http.client.HTTPSConnection("127.0.0.1", recorder.server.port, context=tls, timeout=60)
        for i, (category, wav) in enumerate(takes):
            connection.request("POST", f"/api/takes?token={recorder.server.token}", body=wav,
                               headers={"X-Recorder": "Bench", "X-Take-Id": f"e2e{i:02d}",
                                        "Content-Type": "audio/wav"})
            reply = connection.getresponse()
            reply.read()
            if reply.status != 201:
                print(f"upload {i} ({category}) refused: {reply.status}")
            time.sleep(args.gap)
        connection.close()
        engine.wait_idle(30, settle=0.5)
        times: Any = engine.node("times")
        loaded = {take_id: (at - stored) * 1e3 for take_id, (at, stored) in times.times.items()}
        stored_at = {take_id: stored for take_id, (_, stored) in times.times.items()}
        classified_ms = times.classified_ms
        engine.stop()  # waits for the OSC sender to send what it was handed
    osc = {take_id: (device.fired[take_id] - stored_at[take_id]) * 1e3
           for take_id in stored_at if take_id in device.fired}
    if len(loaded) < min(20, len(takes)):
        print(f"only {len(loaded)} of {len(takes)} takes reached the sampler; errors: {engine.errors}")
        return 1
    print(f"default patch end to end, {len(loaded)} takes of 10 s through the web recorder, one every {args.gap:g} s:")
    print("  stored -> loaded, in upload order (ms): " + " ".join(f"{v:.0f}" for v in loaded.values()))
    for name, values in (("take stored -> slot loaded in the sampler", list(loaded.values())),
                         ("take stored -> OSC /label received", list(osc.values()))):
        if not values:
            print(f"  {name}: none arrived (of {len(loaded)} takes loaded)")
            continue
        print(f"  {name}: median {statistics.median(values):.1f} ms, p95 {np.percentile(values, 95):.1f} ms, "
              f"max {max(values):.1f} ms (n={len(values)}; target p95 <= 20 ms)")
    print("  median handling time per node (ms): " + ", ".join(
        f"{node} {statistics.median(values):.2f}" for node, values in handling.items() if node != "times"))
    print(f"  the classifier's own time (its predict(), in its process): median "
          f"{statistics.median(classified_ms):.2f} ms, p95 {np.percentile(classified_ms, 95):.2f} ms")
    print("  the first take's (ms): " + ", ".join(
        f"{node} {values[0]:.2f}" for node, values in handling.items() if node != "times"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
