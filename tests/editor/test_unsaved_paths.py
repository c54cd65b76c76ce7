"""A relative path typed into a patch with no file yet: where it leads is known once the patch is saved (its
relative paths are taken from its folder, and Save writes them as they are). Run and Save agree: such a patch
does not run from the current folder, the problem says why, and saved it runs with the path taken from there."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.editor.live import Runner, RuntimeObserver
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.errors import PatchError
from exsampling_patch.patchfile import read_patch
from exsampling_patch.registry import Registry


def test_a_relative_path_in_a_patch_with_no_file_waits_for_the_save(tmp_path: Path) -> None:
    model = EditorModel(Registry.default())
    node = model.add_node("folder_source", params={"folder": "takes/inbox"})
    [problem] = model.problems()
    assert problem.message.startswith(f"node '{node}': parameter 'folder': 'takes/inbox' is relative"), problem
    assert "save" in problem.hint.lower() and model.problem_node(problem) == node, problem
    with pytest.raises(PatchError):
        model.runnable_patch()  # it ran from the current folder, and saved named takes/inbox beside the file
    runner = Runner(model, RuntimeObserver(), workers=1)
    assert not runner.start() and runner.problem is not None and "is relative" in runner.problem, runner.problem

    (tmp_path / "show" / "takes" / "inbox").mkdir(parents=True)
    told: list[str] = []
    model.listen(lambda what, subject: told.append(what))
    target = model.save(tmp_path / "show" / "set.yaml")
    assert "problems" in told  # the problems panel is listed again: this one has gone
    assert read_patch(target).patch.nodes[node].params["folder"] == "takes/inbox"  # written as typed
    assert model.problems() == []  # now taken from the patch's folder, where it is
    model.runnable_patch()


def test_a_full_path_in_a_patch_with_no_file_runs_as_it_is(tmp_path: Path) -> None:
    model = EditorModel(Registry.default())
    model.add_node("folder_source", params={"folder": str(tmp_path)})  # what the ... browser gives
    assert model.problems() == []
    model.runnable_patch()
