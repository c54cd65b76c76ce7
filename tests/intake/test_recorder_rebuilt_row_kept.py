"""A take in flight (classified, its slot chosen, an output still handling it) as a live edit rebuilds the web
recorder: the new node, making the take known for its phone's list, added its row to the board anew, which the
process's recorders share, and the row lost what the ``recorder_status`` node had written: the phone's row said
"received", then "-> BD" without "kick 90%", and the row saved for its phone's list after a restart had no label. It
keeps the board's row. A real HTTPS recorder in an engine, the edit made with engine.update."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from exsampling_patch.messages import Prediction, Score, Take
from exsampling_patch.node import Input, Node, Output
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import PREDICTION, TAKE

from .conftest import rec_of
from .rebuilt_rig import HoldFirst, holding_recorder, phone_listing, recorder_settings, upload_held


class HeardKick(Node):
    """Hears each take as a kick (90%)."""

    type_name = "test_heard_kick"
    family = "test"
    take = Input(TAKE, "takes")
    out = Output(PREDICTION, "the prediction")

    def on_take(self, take: Take) -> None:
        self.emit("out", Prediction(take, (Score("kick", 0.9), Score("snare", 0.06), Score("dog", 0.04))))


def heard_patch(tmp_path: Path, **params: Any) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", recorder_settings(tmp_path, **params)))
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
    with holding_recorder(tmp_path, heard_patch(tmp_path), HeardKick) as (engine, hold, phone):
        take_id = upload_held(phone, hold, "kick-1")["take_id"]
        give_up = time.monotonic() + 20
        while (rec_of(engine)._board.get(take_id) or {}).get("slot") != "BD" and time.monotonic() < give_up:
            time.sleep(0.02)
        assert (rec_of(engine)._board.get(take_id) or {}).get("slot") == "BD"
        assert engine.update(heard_patch(tmp_path, warn_free_mb=1)) is not None  # another setting: rebuilt
        hold.release.set()
        status, listed, errors = phone_listing(engine, phone)
    assert errors == {}
    assert status == 200
    (row,) = listed["takes"]
    assert (row["label"], row["confidence"], row["slot"]) == ("kick", 0.9, "BD"), row
    saved = [json.loads(line)["r"] for line in (tmp_path / "state" / "phone-takes.jsonl").read_text().splitlines()]
    assert [(r["take_id"], r.get("label"), r.get("slot")) for r in saved] == [(take_id, "kick", "BD")], saved
