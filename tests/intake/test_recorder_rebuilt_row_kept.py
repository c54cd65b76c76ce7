"""A take in flight (classified, its slot chosen, an output still handling it) as a live edit rebuilds the web
recorder: the new node, making the take known for its phone's list, added its row to the board anew, which the
process's recorders share, and the row lost what the ``recorder_status`` node had written: the phone's row said
"received", then "-> BD" without "kick 90%", and the row saved for its phone's list after a restart had no label. It
keeps the board's row. A real HTTPS recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

import json
import time
from pathlib import Path

from exsampling_patch.messages import Prediction, Score, Take
from exsampling_patch.node import Input, Node, Output
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import PREDICTION, TAKE
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, rec_of, registry, sine
from .test_recorder_rebuilt_in_flight import HoldFirst


class HeardKick(Node):
    """Hears each take as a kick (90%)."""

    type_name = "test_heard_kick"
    family = "test"
    take = Input(TAKE, "takes")
    out = Output(PREDICTION, "the prediction")

    def on_take(self, take: Take) -> None:
        self.emit("out", Prediction(take, (Score("kick", 0.9), Score("snare", 0.06), Score("dog", 0.04))))


def heard_patch(tmp_path: Path, **params: object) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {
        "folder": str(tmp_path / "takes"), "state_folder": str(tmp_path / "state"), "host": "127.0.0.1", "port": 0,
        "print_qr": False, **params}))
    patch.add_node(NodeSpec("heard", HeardKick.type_name, {}))
    patch.add_node(NodeSpec("hold", HoldFirst.type_name, {}))  # an output still handling it
    patch.add_node(NodeSpec("map", "slot_map", {}))
    patch.add_node(NodeSpec("phones", "recorder_status", {}))
    patch.connect("rec.take", "heard.take")
    patch.connect("rec.take", "hold.take")
    patch.connect("heard.out", "map.prediction")
    patch.connect("heard.out", "phones.prediction")
    patch.connect("map.slot", "phones.assigned")
    return patch


def test_a_take_in_flight_as_the_recorder_is_rebuilt_keeps_its_label_on_its_phone_s_row(tmp_path: Path) -> None:
    reg = registry()
    reg.register(HeardKick, "tests")
    reg.register(HoldFirst, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(heard_patch(tmp_path))
    hold = engine.node("hold")
    assert isinstance(hold, HoldFirst)
    phone = Client(engine, tmp_path / "state" / "recorder-cert.pem")
    try:
        status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id="kick-1")
        assert status == 201, reply
        take_id = reply["take_id"]
        assert hold.holding.wait(20)
        give_up = time.monotonic() + 20
        while (rec_of(engine)._board.get(take_id) or {}).get("slot") != "BD" and time.monotonic() < give_up:
            time.sleep(0.02)
        assert (rec_of(engine)._board.get(take_id) or {}).get("slot") == "BD"
        assert engine.update(heard_patch(tmp_path, warn_free_mb=1)) is not None  # another setting: rebuilt
        phone.port = rec_of(engine).server.port
        hold.release.set()
        assert engine.wait_idle(10, settle=0.3)
        status, listed = phone.request("GET", "/api/takes")
        errors = dict(engine.errors)
    finally:
        hold.release.set()
        engine.stop()
    assert errors == {}
    assert status == 200
    (row,) = listed["takes"]
    assert (row["label"], row["confidence"], row["slot"]) == ("kick", 0.9, "BD"), row
    saved = [json.loads(line)["r"] for line in (tmp_path / "state" / "phone-takes.jsonl").read_text().splitlines()]
    assert [(r["take_id"], r.get("label"), r.get("slot")) for r in saved] == [(take_id, "kick", "BD")], saved
