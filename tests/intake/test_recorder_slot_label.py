"""The phone's row of a take whose slot was chosen by summing labels (``choose: slot``, the default patch's gate judging
slots): the label that chose the slot with its own figure, as the console says it, not the slot's sum."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from exsampling_patch.messages import Prediction, Score, Take
from exsampling_patch.node import Input, Node, Output
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import PREDICTION, TAKE
from exsampling_patch.runtime.engine import Engine

from .conftest import Client, registry, sine


def recorder_patch(tmp_path: Path, recorder_state: Path) -> Patch:
    """A patch of a web recorder ``rec`` alone, to which each test adds what hears its takes."""
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", {"folder": str(tmp_path / "takes"), "host": "127.0.0.1", "port": 0,
                                                     "state_folder": str(recorder_state), "print_qr": False}))
    return patch


def upload_and_list(patch: Patch, node_class: type[Node], tmp_path: Path, recorder_state: Path,
                    take_id: str) -> Any:
    """``patch`` run (``node_class`` registered), a take uploaded as ``take_id`` and, once the patch is idle, the
    phones' take list as the page gets it."""
    reg = registry()
    reg.register(node_class, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    engine.start(patch)
    try:
        client = Client(engine, recorder_state / "recorder-cert.pem")
        status, reply = client.upload(encode_wav_pcm16(sine(), 48000), recorder="Ana", take_id=take_id)
        assert status == 201, reply
        assert engine.wait_idle()
        status, listed = client.request("GET", "/api/takes")
    finally:
        engine.stop()
    assert status == 200, listed
    return listed


class HeardHihatOrClap(Node):
    """Hears each take as the classifier heard a clap on a phone: hi-hat 47% first, clap 40% and snare 9% after it."""

    type_name = "test_hihat_or_clap"
    family = "test"
    take = Input(TAKE, "takes")
    out = Output(PREDICTION, "the prediction")

    def on_take(self, take: Take) -> None:
        self.emit("out", Prediction(take, (Score("hihat_closed", 0.47), Score("clap_snap", 0.40),
                                           Score("snare", 0.09), Score("dog", 0.04))))


def test_a_slot_chosen_by_its_labels_summed_shows_its_label_with_its_own_figure(tmp_path: Path,
                                                                                 recorder_state: Path) -> None:
    """The Snare slot (clap 40% + snare 9%) won over HH (47%): the phone said "clap snap 49% → Snare", the slot's sum
    given as the clap's, where the console said "clap_snap 40% -> Snare"."""
    patch = recorder_patch(tmp_path, recorder_state)
    patch.add_node(NodeSpec("heard", HeardHihatOrClap.type_name, {}))
    patch.add_node(NodeSpec("gate", "confidence_gate", {"threshold": 0.45, "judge": "slot"}))
    patch.add_node(NodeSpec("map", "slot_map", {}))
    patch.add_node(NodeSpec("phones", "recorder_status", {}))
    patch.connect("rec.take", "heard.take")
    patch.connect("heard.out", "gate.prediction")
    patch.connect("gate.passed", "map.prediction")
    patch.connect("gate.rejected", "map.rejected")
    patch.connect("heard.out", "phones.prediction")
    patch.connect("map.slot", "phones.assigned")
    listed = upload_and_list(patch, HeardHihatOrClap, tmp_path, recorder_state, "clap-1")
    (row,) = listed["takes"]
    assert (row["label"], row["confidence"], row["slot"]) == ("clap_snap", 0.4, "Snare"), row


class HeardTwoOneShots(Node):
    """Splits each take in two one-shots (as ``onset_split`` does: ids of their own, ``origin_take`` the upload's)
    heard as a kick and as a snare; both predictions reach the phones' node before the map has either, and the map
    gets the snare's first."""

    type_name = "test_two_one_shots"
    family = "test"
    take = Input(TAKE, "takes")
    heard = Output(PREDICTION, "both predictions, in the order of the take")
    to_map = Output(PREDICTION, "both predictions, the snare's first")

    def on_take(self, take: Take) -> None:
        kick, snare = (take.derive(take_id=f"{take.take_id}#{i}", meta={"origin_take": take.take_id}) for i in (1, 2))
        kick_heard = Prediction(kick, (Score("kick", 0.9), Score("snare", 0.06), Score("dog", 0.04)))
        snare_heard = Prediction(snare, (Score("snare", 0.8), Score("kick", 0.15), Score("dog", 0.05)))
        self.emit("heard", kick_heard)
        self.emit("heard", snare_heard)
        self.emit("to_map", snare_heard)
        self.emit("to_map", kick_heard)


def test_a_one_shot_shows_its_own_figure_not_its_sibling_s(tmp_path: Path, recorder_state: Path) -> None:
    """Two one-shots of one upload: the kick's row read the kick's figure in the snare one-shot's prediction (the
    last heard under the upload's id), "kick 15% → BD" for a kick heard at 90%."""
    patch = recorder_patch(tmp_path, recorder_state)
    patch.add_node(NodeSpec("heard", HeardTwoOneShots.type_name, {}))
    patch.add_node(NodeSpec("map", "slot_map", {}))
    patch.add_node(NodeSpec("phones", "recorder_status", {}))
    patch.connect("rec.take", "heard.take")
    patch.connect("heard.heard", "phones.prediction")
    patch.connect("heard.to_map", "map.prediction")
    patch.connect("map.slot", "phones.assigned")
    listed = upload_and_list(patch, HeardTwoOneShots, tmp_path, recorder_state, "two-1")
    (row,) = listed["takes"]  # the upload's row: the kick one-shot's assignment came last
    assert (row["label"], row["confidence"], row["slot"]) == ("kick", 0.9, "BD"), row
