"""docs/custom-nodes.md's SlotPost, in a real engine against a real web server: a take the server refuses is that
take's error (``report_message_error``), said on its end and ended by the next take sent; a server not there is one
error about the ``url`` standing across the takes, ended by the status once a take goes again; each take kept open
ends once sent, whatever became of it."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.runtime.engine import Engine

from .guide_slot_nodes import Heard, guide_example, guide_plugin_registry


class Server(BaseHTTPRequestHandler):
    received: list[tuple[str, bytes]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        refused = self.path == "/Big"
        if not refused:
            self.received.append((self.path, body))
        self.send_response(413 if refused else 201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_the_guide_s_slot_post_tells_a_refused_take_on_it_and_a_missing_server_once(tmp_path: Path) -> None:
    registry = guide_plugin_registry(tmp_path, "SlotPost", "slot_post")
    port = free_port()
    patch = Patch()
    patch.add_node(NodeSpec("p", "slot_post", {"url": f"http://127.0.0.1:{port}"}))
    engine = Engine(registry, workers=1, pin_workers=False, base_dir=tmp_path)
    heard = Heard(engine)
    told, back = heard.told, heard.back

    def take_ends(slot: str) -> str:
        return heard.take_ends("p", slot).reason

    Server.received = []
    server: ThreadingHTTPServer | None = None
    engine.start(patch)
    try:
        for slot in ("HH", "SN"):  # no server yet: one error, about the url, standing
            reason = take_ends(slot)
            assert reason.startswith(f"slot {slot}, not sent to http://127.0.0.1:{port}: ") and "urlopen" not in reason
            assert list(engine.errors) == ["p"] and back == []
        assert [error.about for error in told] == ["url"]
        server = ThreadingHTTPServer(("127.0.0.1", port), Server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        assert take_ends("HH") == "slot HH" and [path for path, _ in Server.received] == ["/HH"]
        assert Server.received[0][1][:4] == b"RIFF"
        assert engine.errors == {} and [event.how for event in back] == ["opened"]
        assert take_ends("Big") == f"slot Big, not sent to http://127.0.0.1:{port}: the server answered 413 " \
                                   "Request Entity Too Large"
        assert list(engine.errors) == ["p"] and told[-1].about == ""  # this take's: it ends at the next
        assert take_ends("SN") == "slot SN" and engine.errors == {}
    finally:
        engine.stop()
        if server is not None:
            server.shutdown()
            server.server_close()


class Slow(BaseHTTPRequestHandler):
    """Answers once ``go`` is set: the node's thread is sending the first take while the next ones wait in its
    queue."""

    go = threading.Event()
    sending = threading.Event()

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.sending.set()
        self.go.wait(10)
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def test_the_guide_s_slot_post_ends_the_takes_it_had_not_sent_when_an_edit_rebuilds_it(tmp_path: Path) -> None:
    """An edit that changes its url stops it with takes still in its queue: each ends then, said not sent (at the
    patch's stop they stay in flight, for their source to pass on again), not in flight until the patch stops."""
    example = guide_example("SlotPost")
    namespace: dict[str, Any] = {"__name__": "slot_post_guide"}
    exec(compile(example, "custom-nodes.md", "exec"), namespace)

    class Probe(namespace["SlotPost"]):  # type: ignore[misc, name-defined, valid-type]  # the guide's, run
        type_name = "slot_post"

        def stop(self) -> None:  # the edit's stop, as the first take is being sent: its answer comes after
            self.stop_event.set()
            Slow.go.set()
            super().stop()

    registry = Registry.default(entry_points=False)
    registry.register(Probe, "test")
    assert registry.problems == []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"

    def a_patch(path: str) -> Patch:
        patch = Patch()
        patch.add_node(NodeSpec("p", "slot_post", {"url": url + path}))
        return patch

    engine = Engine(registry, workers=1, pin_workers=False, base_dir=tmp_path)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    Slow.go.clear()
    Slow.sending.clear()
    engine.start(a_patch(""))
    try:
        for slot in ("HH", "SN", "BD"):
            engine.inject("p", "assignment", SlotAssignment(slot, Take(np.zeros((480, 1), np.float32), 48000)))
        assert Slow.sending.wait(10) and engine.wait_idle(10)
        assert engine.update(a_patch("/edited")) is not None
        assert engine.wait_idle(10)
        assert sorted(event.reason for event in ended) == [
            f"slot BD, not sent to {url}: the node was stopped by a live edit", "slot HH",
            f"slot SN, not sent to {url}: the node was stopped by a live edit"]
    finally:
        engine.stop()
        server.shutdown()
        server.server_close()
