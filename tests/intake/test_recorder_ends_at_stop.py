"""A take that ends while the patch stops (Ctrl+C mid-burst) keeps its end in its phone's list after a restart."""

from __future__ import annotations

import threading
from pathlib import Path

from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, rec_of, recorder_engine, registry, sine


class Hold(Node):
    """A sink that keeps each take in its handler until it is let go: the take ends after the source's stop."""

    type_name = "test_hold"
    family = "test"
    take = Input(TAKE, "takes")

    def start(self) -> None:
        self.holding = threading.Event()
        self.release = threading.Event()

    def on_take(self, take: Take) -> None:
        self.holding.set()
        self.release.wait(30)


def test_a_take_ending_during_the_stop_keeps_its_end_in_the_phones_list(tmp_path: Path) -> None:
    """The engine stops the sources first and lets the takes in flight end: the recorder had closed its file of
    ended rows by then, and dropped theirs. Ctrl+C in a burst (15 takes reported on the console as it stopped)
    left 14 of them, after the restart, on their phones' lists as received, never with their slot or class."""
    state = tmp_path / "state"
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(tmp_path / "takes"), "state_folder": str(state),
                                                    "host": "127.0.0.1", "port": 0, "print_qr": False}))
    patch.add_node(NodeSpec("hold", "test_hold", {}))
    patch.connect("rec.take", "hold.take")
    reg = registry()
    reg.register(Hold, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(patch)
    hold = engine.node("hold")
    assert isinstance(hold, Hold)
    phone = Client(engine, state / "recorder-cert.pem")
    try:
        assert phone.upload(encode_wav_pcm16(sine(), 48000), take_id="late-1")[0] == 201
        assert hold.holding.wait(20)
        ends_file = rec_of(engine)._ends._file
        stopping = threading.Thread(target=engine.stop, kwargs={"timeout": 20.0})
        stopping.start()
        # The recorder's stop has run (its file of ends closed) before the take is let go to end.
        closed = threading.Event()
        while stopping.is_alive() and not closed.wait(0.01):
            if ends_file.closed:
                closed.set()
        assert closed.is_set()
    finally:
        hold.release.set()
        engine.stop()
    stopping.join()
    back = recorder_engine(tmp_path, state)
    try:
        phone.port = rec_of(back).server.port
        status, listed = phone.request("GET", "/api/takes")
        assert status == 200
        assert [(t["client_take_id"], t.get("fate")) for t in listed["takes"]] == [("late-1", "done")], listed
    finally:
        back.stop()
