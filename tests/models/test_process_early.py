"""``exsampling run`` starts the classifier's process before it loads the patch (``start_early``), so that it imports
torch while the commands and the patch load; the classifier node's :class:`ClassifierProcess` takes that process."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import yaml

from exsampling_patch import child_process, cli
from exsampling_patch.child_process import Child, end_spares, start_spare
from exsampling_patch.models.process import ClassifierProcess, start_early

WARM_UP = {"window": "whole", "pooling": "mean", "max_seconds": 5.0}
MODULE = ClassifierProcess.child_module


def test_the_node_takes_the_process_started_early_and_classifies_with_it(repo: Path) -> None:
    start_early(str(repo / "patches" / "exsampling.yaml"))
    spare = child_process._spares[MODULE]
    process = ClassifierProcess(threads=1, warm_up=WARM_UP)
    try:
        assert process.pid == spare.pid and MODULE not in child_process._spares
        take = (np.random.default_rng(3).standard_normal(48000) * 0.2).astype(np.float32)
        assert process.predict(take, 48000, **WARM_UP).label in process.labels
    finally:
        process.stop()


def test_a_patch_with_no_classifier_in_a_process_of_its_own_starts_none(repo: Path, tmp_path: Path) -> None:
    data = yaml.safe_load((repo / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    for node in data["nodes"]:
        if node["type"] == "classifier":
            node["params"]["own_process"] = False
    in_process = tmp_path / "in_process.yaml"
    in_process.write_text(yaml.safe_dump(data), encoding="utf-8")
    broken = tmp_path / "broken.yaml"
    broken.write_text("nodes: [\n", encoding="utf-8")
    for path in (in_process, broken, repo / "patches" / "sampler_demo.yaml"):
        start_early(str(path))
        assert MODULE not in child_process._spares, path


def test_a_process_nobody_takes_is_killed_at_exit_and_one_told_nothing_ends_quietly() -> None:
    start_spare(MODULE)
    untaken = child_process._spares[MODULE].process
    assert untaken is not None
    end_spares()  # what exit does (atexit)
    assert untaken.wait(timeout=5) != 0 and not child_process._spares
    # The run ended (or failed) before the patch's node took it: once its imports are done, it reads the end of
    # its connection and ends with 0, not with a traceback (EOFError) on the show's terminal.
    child = Child(MODULE)
    child.spawn()
    process, connection = child.process, child.connection
    assert process is not None and connection is not None
    connection.close()
    assert process.wait(timeout=60) == 0


def test_edit_run_starts_the_classifiers_process_early_and_edit_alone_does_not(repo: Path) -> None:
    # `exsampling edit --run` runs the patch as soon as the editor is open: its classifier's process, started before
    # the editor's window and the patch load, is the one the node takes. Without --run nothing runs it.
    patch = str(repo / "patches" / "exsampling.yaml")
    try:
        cli.start_early(["edit", patch])
        assert MODULE not in child_process._spares
        cli.start_early(["edit", "--run", patch])
        spare = child_process._spares[MODULE]
        process = ClassifierProcess(threads=1, warm_up=WARM_UP)
        try:
            assert process.pid == spare.pid and MODULE not in child_process._spares
        finally:
            process.stop()
    finally:
        end_spares()


def test_options_with_values_before_the_patch_are_skipped_in_the_guess(repo: Path, tmp_path: Path) -> None:
    # `edit --nodes DIR --run PATCH` and `run --for 60 PATCH` took DIR and 60 for the patch: nothing started early.
    patch = str(repo / "patches" / "exsampling.yaml")
    (tmp_path / "nodes").mkdir()
    for args in (["edit", "--nodes", str(tmp_path / "nodes"), "--run", patch], ["-v", "run", "--for", "60", patch],
                 ["run", "--node", str(tmp_path / "nodes"), "--log=-", "-q", patch]):
        try:
            cli.start_early(args)
            assert MODULE in child_process._spares, args
        finally:
            end_spares()


def test_the_options_skipped_are_those_of_run_and_edit_that_take_a_value() -> None:
    commands = next(action for action in cli.build_parser()._actions if action.dest == "command")
    parsers: dict[str, argparse.ArgumentParser] = dict(commands.choices or {})
    taking = {option for name in ("run", "edit") for action in parsers[name]._actions
              if action.option_strings and action.nargs != 0 for option in action.option_strings}
    assert taking == set(cli.VALUE_OPTIONS)
