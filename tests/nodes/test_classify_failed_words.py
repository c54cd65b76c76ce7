"""What a take that reaches a classifier that could not start (or start again) is told: in words, its model named as
the patch names it.

Before, each such take ended "error in clf: ClassifierProcessError: not a readable model file: /home/.../notes.pt
(...)": a Python class name and the absolute path, on the phone and on the console, where the start's own error
already said '../models/notes.pt' (be6507ef); in the patch's process it was "AssertionError: start() loads the
classifier"."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import Take
from exsampling_patch.models.process import ClassifierProcess
from exsampling_patch.patchfile import read_patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine, NodeError, TakeEnded

REFUSED = "not a readable model file: '../models/notes.pt' (not a model file: it holds something other than weights)"


@pytest.mark.parametrize("own_process", [True, False])
def test_a_take_at_a_classifier_that_did_not_start_is_told_so_in_words(tmp_path: Path, own_process: bool) -> None:
    # A pickle, as torch wrote before 1.6: only the classifier's start refuses it.
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "notes.pt").write_bytes(b"\x80\x02not a model\n")
    (tmp_path / "show").mkdir()
    patch = tmp_path / "show" / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: rec\n  type: relay\n- id: clf\n  type: classifier\n"
                     f"  params:\n    model: ../models/notes.pt\n    own_process: {str(own_process).lower()}\n"
                     "links:\n- rec.outlet -> clf.take\n", encoding="utf-8")
    engine = Engine(Registry.default(entry_points=False), base_dir=patch.parent)
    seen: list[NodeError | TakeEnded] = []
    engine.events.subscribe(seen.append, NodeError, TakeEnded)
    try:
        engine.start(read_patch(str(patch)).patch)
        for i in range(2):  # each take, not only the first
            engine.inject("rec", "inlet", Take(np.full(4800, 0.1, np.float32), 48000, take_id=f"t{i}"))
        assert engine.wait_idle(30)
    finally:
        engine.stop()
    told = (f"not classified, the classifier did not start ({REFUSED}): no take gets a slot until the patch is "
            "started again")
    assert [(e.take_id, e.fate, e.reason) for e in seen if isinstance(e, TakeEnded)] == [
        (f"t{i}", "error", f"error in clf: {told}") for i in range(2)]
    # The console puts "error in node 'clf': " before the node's error: not a second "error in clf" after it
    assert [(e.during, e.error) for e in seen if isinstance(e, NodeError)] == [("start", REFUSED)] + [("", told)] * 2


def test_a_take_after_a_crash_whose_process_cannot_start_again_is_told_so_with_the_model_as_named(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The process ended between takes, and the one started in its place could not load the model (a real stand-in
    process, :mod:`tests.child_model_lost`): each take after that ended "error in clf: ClassifierProcessError: not a
    readable model file: /home/.../notes.pt (...)", and "record it again" would not help."""
    monkeypatch.setenv("EXS_LOST_COUNT", str(tmp_path / "starts"))
    monkeypatch.setattr(ClassifierProcess, "child_module", "tests.child_model_lost")
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "notes.pt").write_bytes(b"weights")
    (tmp_path / "show").mkdir()
    patch = tmp_path / "show" / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: rec\n  type: relay\n- id: clf\n  type: classifier\n"
                     "  params:\n    model: ../models/notes.pt\nlinks:\n- rec.outlet -> clf.take\n", encoding="utf-8")
    engine = Engine(Registry.default(entry_points=False), base_dir=patch.parent)
    seen: list[NodeError | TakeEnded] = []
    restarted = threading.Event()

    def heard(event: NodeError | TakeEnded) -> None:
        seen.append(event)
        if isinstance(event, NodeError) and "started again" in event.error:
            restarted.set()

    engine.events.subscribe(heard, NodeError, TakeEnded)
    try:
        engine.start(read_patch(str(patch)).patch)
        node: Any = engine.node("clf")
        os.kill(node._classifier.pid, signal.SIGKILL)
        assert restarted.wait(30)
        engine.inject("rec", "inlet", Take(np.full(4800, 0.1, np.float32), 48000, take_id="after"))
        assert engine.wait_idle(30)
    finally:
        engine.stop()
    assert (tmp_path / "starts").read_text(encoding="utf-8") == "2"
    (ended,) = [e for e in seen if isinstance(e, TakeEnded)]
    assert (ended.take_id, ended.fate, ended.reason) == ("after", "error", (
        "error in clf: not classified, the classifier stopped (not a readable model file: '../models/notes.pt' (it "
        "could not be read again)): no take gets a slot until the patch is started again"))
    assert str(tmp_path) not in " ".join(e.error for e in seen if isinstance(e, NodeError))
