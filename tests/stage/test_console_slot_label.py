"""The take line's label when the map's slot was chosen by summing labels (``choose: slot``, the default patch's gate
judging slots): the label that chose the slot, not the classifier's best, which belongs to another slot."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import Prediction, Score, Take
from exsampling_patch.node import Input, Node, Output
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import PREDICTION, TAKE
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine


class HeardHihatOrClap(Node):
    """Hears each take as the classifier heard a clap on a phone: hi-hat 47% first, clap 40% and snare 9% after it."""

    type_name = "test_hihat_or_clap"
    family = "test"
    take = Input(TAKE, "takes")
    out = Output(PREDICTION, "the prediction")

    def on_take(self, take: Take) -> None:
        self.emit("out", Prediction(take, (Score("hihat_closed", 0.47), Score("clap_snap", 0.40),
                                           Score("snare", 0.09), Score("dog", 0.04))))


def test_a_slot_chosen_by_its_labels_summed_is_told_with_the_label_that_chose_it(tmp_path: Path) -> None:
    """The Snare slot (clap 40% + snare 9%) won over HH (47%): the console said "hihat_closed 47% -> Snare", a hi-hat
    put in the snare's slot as the performer read it, where the phone said "clap snap ... → Snare" (the console says
    it in words too)."""
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(tmp_path / "inbox"), "poll_interval": 0.05,
                                                       "settle_time": 0.05}))
    patch.add_node(NodeSpec("heard", HeardHihatOrClap.type_name, {}))
    patch.add_node(NodeSpec("gate", "confidence_gate", {"threshold": 0.45, "judge": "slot"}))
    patch.add_node(NodeSpec("map", "slot_map", {}))
    patch.connect("inbox.take", "heard.take")
    patch.connect("heard.out", "gate.prediction")
    patch.connect("gate.passed", "map.prediction")
    patch.connect("gate.rejected", "map.rejected")
    registry = Registry.default(entry_points=False)
    registry.register(HeardHihatOrClap, "tests")
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    engine = Engine(registry, base_dir=tmp_path)
    engine.events.subscribe(console, *console.kinds())
    (tmp_path / "inbox").mkdir()
    engine.start(patch)
    try:
        sf.write(tmp_path / "inbox" / "clap.wav", np.full(4800, 0.1, np.float32), 48000)
        deadline = time.monotonic() + 20
        while " from inbox" not in err.getvalue() and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        engine.stop()
    (line,) = [line for line in err.getvalue().splitlines() if " from inbox" in line]
    assert re.search(r"clap\.wav from inbox, 0\.10 s: clap snap 40% -> Snare \(\d+ ms\)$", line), err.getvalue()
