"""A patch run from the editor writes its show log too (docs/replay.md), with what the performer does there: a
lock or a roll-back from the performance view is a line of it."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from exsampling_patch.editor.live import Runner, RuntimeObserver
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.slots import slot_control
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.nodes.sampler.replay import read_show
from exsampling_patch.registry import Registry


def test_the_editors_run_logs_the_show_with_the_performers_lock_and_roll_back(tmp_path: Path) -> None:
    patch = tmp_path / "live.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- id: sampler
  type: sampler
  params: {device: none, virtual_port: '', slots: 2, slot_names: [HH, Snare]}
links: []
""", encoding="utf-8")
    model = EditorModel(Registry.default())
    model.open(patch)
    runner = Runner(model, RuntimeObserver(), workers=2)
    assert runner.start(), runner.problem
    try:
        engine = runner.engine
        assert engine is not None
        for take_id in ("a", "b"):
            engine.inject("sampler", "assign", SlotAssignment("HH", Take(np.zeros(480, np.float32), 48000,
                                                                          take_id=take_id)))
        engine.wait_idle(2.0)
        assert slot_control(engine, "sampler", "HH", "lock", 1.0) is None
        assert slot_control(engine, "sampler", "HH", "rollback", 1.0) is None
        engine.wait_idle(2.0)
    finally:
        runner.stop()
    logs = sorted((tmp_path / "shows").glob("*.jsonl"))
    assert len(logs) == 1, logs
    lines = read_show(logs[0])
    assert lines[0]["event"] == "show"
    assert [(c["name"], c["value"]) for c in lines if c["event"] == "control"] == [("HH.lock", 1.0),
                                                                                   ("HH.rollback", 1.0)]
    assert [load["take_id"] for load in lines if load["event"] == "load"] == ["a", "b", "a"]
