"""Hints that give a command line to type say ``.venv/bin/exsampling``, as the README does: a newcomer who followed
it (``make``, no venv activated) has no ``exsampling`` on PATH, and "`exsampling nodes` lists the known types" was
'command not found' as typed. The editor still says "the palette" where the command line lists the node types."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.editor.problem_words import editor_hint
from exsampling_patch.errors import PatchError
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.plan import compile_plan
from exsampling_patch.validate import check_file


def test_an_unknown_type_is_listed_by_a_command_as_typed_and_by_the_palette_in_the_editor(tmp_path: Path) -> None:
    path = tmp_path / "show.yaml"
    path.write_text("exsampling_patch: 1\nnodes:\n- id: freeze\n  type: zqxjvw\nlinks: []\n", encoding="utf-8")
    (problem,) = check_file(path)
    assert problem.hint.startswith("`.venv/bin/exsampling nodes` lists the known types; one from a plugin needs its "
                                   "folder"), problem.hint
    assert editor_hint(problem.hint).startswith("the palette lists the known types; "), editor_hint(problem.hint)


def test_a_cycle_met_past_the_check_names_the_command_that_finds_it() -> None:
    # compile_plan(checked=True) trusts a check made before; a cycle it still meets names the command to run.
    patch = Patch()
    for name in "ab":
        patch.add_node(NodeSpec(name, "relay"))
    patch.connect("a.outlet", "b.inlet")
    patch.connect("b.outlet", "a.inlet")
    with pytest.raises(PatchError) as raised:
        compile_plan(patch, Registry.default(entry_points=False), checked=True)
    assert [p.hint for p in raised.value.problems] == ["`.venv/bin/exsampling check` names its nodes"]
