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
