"""The console's line for a classifier whose model its start refuses names the model as the patch does."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.cli import main


@pytest.mark.parametrize("own_process", [True, False])
def test_a_model_refused_at_start_is_named_on_the_console_as_the_patch_names_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], own_process: bool) -> None:
    # A pickle, as torch wrote before 1.6: check cannot tell it without torch, so only the classifier's start refuses
    # it. Before, the console's line during the run said "not a readable model file: /home/.../models/notes.pt", the
    # absolute path, where check, run's summary and classify --patch say '../models/notes.pt' (735e4a9, db813ac8).
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "notes.pt").write_bytes(b"\x80\x02not a model\n")
    (tmp_path / "show").mkdir()
    patch = tmp_path / "show" / "patch.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: clf\n  type: classifier\n  params:\n"
                     f"    model: ../models/notes.pt\n    own_process: {str(own_process).lower()}\nlinks: []\n",
                     encoding="utf-8")
    assert main(["run", str(patch), "--for", "0.1", "--log", "-", "--show-log", "none"]) == 3  # never started
    said = capsys.readouterr()
    lines = [line for line in (said.out + said.err).splitlines() if "error in node 'clf'" in line]
    assert len(lines) == 1, said
    assert lines[0].endswith(" error in node 'clf' in start(): not a readable model file: '../models/notes.pt' (not a "
                             "model file: it holds something other than weights)"), lines
    assert str(tmp_path / "models") not in said.out + said.err, said
