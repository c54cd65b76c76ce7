"""Web recorder intake latency: upload complete -> take emitted into the patch, for 10 s takes.

"Upload complete" is when the server has the last byte of the WAV (``meta["received_at"]``); "emitted"
is when the next node receives the take. In between: the WAV is checked and decoded, written with its
sidecar and flushed to disk (fsync), then emitted. Over real HTTPS on 127.0.0.1. Target: p95 < 30 ms.
"""

from __future__ import annotations

import http.client
import ssl
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine

RUNS, TAKES, SECONDS, RATE = 3, 15, 10.0, 48000


class Arrivals(Node):
    """Notes when each take arrives."""

    type_name = "bench_arrivals"
    take = Input(TAKE, "takes", multiple=True)

    def start(self) -> None:
        self.times: list[tuple[float, Take]] = []

    def on_take(self, take: Take) -> None:
        self.times.append((time.monotonic(), take))


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def one_run(folder: Path, wav: bytes) -> tuple[list[float], list[float], list[float]]:
    registry = Registry.default(entry_points=False)
    registry.register(Arrivals, "bench")
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(folder / "takes"), "port": 0, "host": "127.0.0.1",
                                                    "state_folder": str(folder / "state"), "print_qr": False}))
    patch.add_node(NodeSpec("sink", "bench_arrivals", {}))
    patch.connect("rec.take", "sink.take")
    engine = Engine(registry, base_dir=folder)
    engine.start(patch)
    rec = engine.node("rec")
    assert isinstance(rec, WebRecorder)
    tls = ssl.create_default_context(cafile=str(folder / "state" / "recorder-cert.pem"))
    round_trips = []
    try:
        conn = http.client.HTTPSConnection("127.0.0.1", rec.server.port, context=tls, timeout=30)
        for i in range(TAKES):
            sent = time.monotonic()
            conn.request("POST", f"/api/takes?token={rec.server.token}", body=wav,
                         headers={"X-Recorder": "Bench", "X-Take-Id": f"b{i}", "Content-Type": "audio/wav"})
            reply = conn.getresponse()
            reply.read()
            round_trips.append((time.monotonic() - sent) * 1000)
            assert reply.status == 201, reply.status
        conn.close()
        engine.wait_idle()
        sink = engine.node("sink")
        assert isinstance(sink, Arrivals)
        emitted = [(at - take.meta["received_at"]) * 1000 for at, take in sink.times]
        stored = [(take.meta["stored_at"] - take.meta["received_at"]) * 1000 for _, take in sink.times]
        assert len(emitted) == TAKES
        return emitted, stored, round_trips
    finally:
        engine.stop()


def main() -> int:
    t = np.arange(int(SECONDS * RATE)) / RATE
    wav = encode_wav_pcm16((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32), RATE)
    emitted: list[float] = []
    stored: list[float] = []
    trips: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        for run in range(RUNS):
            e, s, r = one_run(Path(tmp) / f"run{run}", wav)
            print(f"run {run + 1}: upload complete -> emitted median {statistics.median(e):.2f} ms, "
                  f"p95 {percentile(e, 95):.2f} ms")
            emitted += e
            stored += s
            trips += r
    print(f"web recorder intake, {RUNS} runs x {TAKES} takes of {SECONDS:g} s ({len(wav) / 1e6:.2f} MB WAV each):")
    print(f"  upload complete -> take emitted: median {statistics.median(emitted):.2f} ms, "
          f"p95 {percentile(emitted, 95):.2f} ms (target p95 < 30 ms)")
    print(f"  of which decode + store + fsync: median {statistics.median(stored):.2f} ms, "
          f"p95 {percentile(stored, 95):.2f} ms")
    print(f"  client round trip (send 10 s take over HTTPS, get reply): median {statistics.median(trips):.2f} ms, "
          f"p95 {percentile(trips, 95):.2f} ms")
    return 0 if percentile(emitted, 95) < 30.0 else 1


if __name__ == "__main__":
    sys.exit(main())
