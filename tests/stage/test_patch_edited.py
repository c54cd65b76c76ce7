"""A patch edited on disk while ``exsampling run`` plays it: ``run`` reads the file once, at its start (live edits
are the editor's). A performer who changed the tempo in a text editor mid-show heard nothing change and was told
nothing; the run now says that the edit waits for the next run, and how to check it first."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path

from tests.core.test_readme import readme_node
from tests.stage.helpers import REPO, Run
from tests.stage.test_exit import folder_patch


@contextlib.contextmanager
def running(patch: Path, tmp_path: Path, *args: str) -> Iterator[Run]:
    """``exsampling run PATCH [ARGS]`` for the block, then stopped with Ctrl+C, which it must exit by (killed where the
    block failed first)."""
    run = Run(str(patch), "--show-log", "none", "--log", str(tmp_path / "run.log"), *args)
    try:
        yield run
        run.signal_group(signal.SIGINT)
        assert run.wait() == 128 + signal.SIGINT, run.output()
    finally:
        if run.process.poll() is None:
            run.kill()


def test_an_edit_of_the_running_patch_is_told_once_per_save(tmp_path: Path) -> None:
    patch = folder_patch(tmp_path)
    with running(patch, tmp_path) as run:
        run.wait_for("Ctrl+C stops")
        patch.write_text(patch.read_text(encoding="utf-8").replace("poll_interval: 0.05", "poll_interval: 0.5"),
                         encoding="utf-8")
        run.wait_for("changed on disk", timeout=30.0)
        patch.write_text(patch.read_text(encoding="utf-8") + "# a second save\n", encoding="utf-8")
        run.wait_for("changed on disk", timeout=30.0)
    told = [line for line in run.stderr if "changed on disk" in line]
    assert len(told) == 2, run.output()
    assert told[0].split(" ", 1)[1].rstrip("\n") == (
        f"{patch} changed on disk: this run goes on with the patch as it started; to use the edit, check it "
        f"(.venv/bin/exsampling check {patch}), then stop with Ctrl+C and run it again (.venv/bin/exsampling edit "
        f"{patch} --run takes edits live)"), told


def test_a_classifiers_model_retrained_into_while_the_run_plays_is_told(tmp_path: Path) -> None:
    # Before, `exsampling train --out` into the model file the show's classifier named went without a word: the show
    # went on with the model it had loaded, its old labels, and the composer took the new one for heard.
    shipped = REPO / "models" / "sounds.pt"
    model = tmp_path / "models" / "mine.pt"
    model.parent.mkdir()
    model.write_bytes(shipped.read_bytes())
    patch = folder_patch(tmp_path, "- id: clf\n  type: classifier\n  params: {model: models/mine.pt}\n")
    with running(patch, tmp_path) as run:
        run.wait_for("Ctrl+C stops", timeout=120.0)
        model.write_bytes(shipped.read_bytes())  # as a training writes it: the same path, anew
        run.wait_for("changed on disk", timeout=30.0)
    (told,) = [line for line in run.stderr if "changed on disk" in line]
    assert told.split(" ", 1)[1].rstrip("\n") == (
        f"{model} changed on disk: classifier 'clf' goes on with the model it loaded at this run's start (its "
        "process, if started again after a failure, reads the new one); to use it, check the patch (.venv/bin/"
        f"exsampling check {patch}), then stop with Ctrl+C and run it again"), told


def test_a_plugins_node_file_saved_while_the_run_plays_is_told(tmp_path: Path) -> None:
    # Before, a developer who fixed the README's reverse.py mid-run was told nothing: the run went on with the code it
    # had imported at its start, and the old behaviour was taken for the new one.
    nodes = tmp_path / "my-nodes"
    nodes.mkdir()
    (nodes / "reverse.py").write_text(readme_node(), encoding="utf-8")
    patch = folder_patch(tmp_path, "- id: rev\n  type: reverse\n")
    with running(patch, tmp_path, "--nodes", str(nodes)) as run:
        run.wait_for("Ctrl+C stops")
        (nodes / "reverse.py").write_text(readme_node() + "# fixed\n", encoding="utf-8")
        run.wait_for("changed on disk", timeout=30.0)
    (told,) = [line for line in run.stderr if "changed on disk" in line]
    assert told.split(" ", 1)[1].rstrip("\n") == (
        f"{nodes / 'reverse.py'} changed on disk: this run goes on with the code of node type 'reverse' it read at "
        f"its start; to use the change, check it (.venv/bin/exsampling check {patch} --nodes {nodes}), then stop with "
        "Ctrl+C and run it again"), told
