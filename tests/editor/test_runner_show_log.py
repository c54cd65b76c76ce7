"""A patch run from the editor writes its show log too (docs/replay.md), with what the performer does there: a
lock or a roll-back from the performance view is a line of it."""

from __future__ import annotations

import time
from pathlib import Path

import dearpygui.dearpygui as dpg
import numpy as np

from exsampling_patch.editor.live import Runner, RuntimeObserver
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.slots import slot_control
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.nodes.sampler.replay import read_show
from exsampling_patch.registry import Registry
from tests.editor.harness import call, open_editor


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
        # Asserted, with a hang's limit: a wait of 2 s whose answer went unread could let the lock go ahead of b's
        # load on a busy host, the log's lines then in another order.
        assert engine.wait_idle(10)
        assert slot_control(engine, "sampler", "HH", "lock", 1.0) is None
        assert slot_control(engine, "sampler", "HH", "rollback", 1.0) is None
        assert engine.wait_idle(10)
    finally:
        runner.stop()
    logs = sorted((tmp_path / "shows").glob("*.jsonl"))
    assert len(logs) == 1, logs
    lines = read_show(logs[0])
    assert lines[0]["event"] == "show"
    assert [(c["name"], c["value"]) for c in lines if c["event"] == "control"] == [("HH.lock", 1.0),
                                                                                   ("HH.rollback", 1.0)]
    assert [load["take_id"] for load in lines if load["event"] == "load"] == ["a", "b", "a"]


SAMPLER_PATCH = """exsampling_patch: 1
nodes:
- id: sampler
  type: sampler
  params: {device: none, virtual_port: '', slots: 2, slot_names: [HH, Snare]}
links: []
"""


def test_a_show_log_that_cannot_be_opened_is_said_in_the_status_bar(tmp_path: Path) -> None:
    # Before, the run went on without a log and nothing said so: the show was found unreplayable after it.
    patch = tmp_path / "live.yaml"
    patch.write_text(SAMPLER_PATCH, encoding="utf-8")
    (tmp_path / "shows").write_text("a file where the shows' folder goes", encoding="utf-8")
    with open_editor(patch) as app:
        call("menu:run")
        assert app.runner.running, app.status
        app.frame()
        bar = dpg.get_value("statusbar")
        assert f"no show log: cannot write {tmp_path / 'shows'}/" in bar and "File exists" in bar, bar


def test_a_show_log_that_cannot_write_a_take_is_said_in_the_status_bar(tmp_path: Path) -> None:
    """The stage console tells what the show log could not write (its on_problem); the editor told nowhere."""
    patch = tmp_path / "live.yaml"
    patch.write_text(SAMPLER_PATCH, encoding="utf-8")
    with open_editor(patch) as app:
        call("menu:run")
        engine, show = app.runner.engine, app.runner.show
        assert engine is not None and show is not None, app.status
        show.audio_dir.parent.mkdir(parents=True, exist_ok=True)
        show.audio_dir.write_text("a file where the takes' folder goes", encoding="utf-8")
        engine.inject("sampler", "assign", SlotAssignment("HH", Take(np.zeros(480, np.float32), 48000,
                                                                      take_id="a")), source="test")
        assert engine.wait_idle(10)
        deadline = time.monotonic() + 10.0
        while "could not write" not in dpg.get_value("statusbar") and time.monotonic() < deadline:
            time.sleep(0.02)  # the log writes on its own thread
            app.frame()
        bar = dpg.get_value("statusbar")
        assert f"show log {show.path}: could not write to it: " in bar, bar
        assert "what it missed is not in the log" in bar, bar
        app.runner.stop()
        app.frame()
        assert f"show log {show.path}: " in dpg.get_value("statusbar")  # still told once the run is over
