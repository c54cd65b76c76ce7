"""docs/custom-nodes.md's package is the example's: its pyproject lines are the example's own, and its class is the one
the example installs (tests/core/test_plugins.py installs the example and runs it)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from exsampling_patch.node import Node
from tests.core.test_docs import fenced

ROOT = Path(__file__).resolve().parents[2]
GUIDE = (ROOT / "docs" / "custom-nodes.md").read_text(encoding="utf-8")
EXAMPLE = ROOT / "examples" / "exsampling-gain"


def defined(code: str, name: str) -> type[Node]:
    namespace: dict[str, Any] = {"__name__": "guide"}
    exec(compile(code, "custom-nodes.md", "exec"), namespace)
    node_type: type[Node] = namespace[name]
    return node_type


def test_the_guide_s_entry_point_is_the_example_s() -> None:
    (block,) = fenced(GUIDE, "toml")
    shown = tomllib.loads(block)["project"]["entry-points"]
    declared = tomllib.loads((EXAMPLE / "pyproject.toml").read_text(encoding="utf-8"))["project"]["entry-points"]
    assert shown == declared


def test_the_guide_s_class_is_the_one_the_example_installs() -> None:
    """Ports, parameters, type name and family alike: "the class above in exsampling_gain/__init__.py"."""
    guide = defined(next(fenced(GUIDE, "python")), "Gain").describe()
    example = defined((EXAMPLE / "exsampling_gain" / "__init__.py").read_text(encoding="utf-8"), "Gain").describe()
    for described in (guide, example):
        del described["doc"], described["module"]
    assert guide == example



#: Each Python block the guide shows, by a line of its own, and the test (file, function) that runs it.
RUN_BY = {
    "class Gain(Node):": ("test_docs.py", "test_the_custom_node_guide_s_class_loads_and_its_tests_pass"),
    "class SlotFiles(Node):": ("test_docs_slot_files_disk.py", "test_the_guide_s_slot_files_tells_a_folder_it"),
    "class SlotPost(Node):": ("test_docs_slot_post.py", "test_the_guide_s_slot_post_tells_a_refused_take_on_it"),
    "def test_gain_halves_a_take() -> None:": ("test_docs.py", "test_the_custom_node_guide_s_class_loads_and_its"),
}


def test_every_python_block_of_the_guide_is_one_a_test_runs() -> None:
    """A block added to the guide is run by a test too (add it to RUN_BY with the test that runs it): the guide's
    readers copy them as they are."""
    blocks = list(fenced(GUIDE, "python"))
    assert [[line for line in RUN_BY if line in block.splitlines()] for block in blocks] == [[line] for line in RUN_BY]
    for test_file, test in RUN_BY.values():
        assert f"def {test}" in (ROOT / "tests" / "core" / test_file).read_text(encoding="utf-8"), (test_file, test)
