"""The layers of the code, read from its source with ``ast`` (nothing is imported).

The core (``exsampling_patch/``: the patch model, the runtime, the registry, the CLI, the editor) knows node
types only through the registry: it imports no node module. ``exsampling_patch.nodes`` is the installed name
of the top-level ``nodes/`` folder (pyproject's package-dir).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "exsampling_patch"
NODES_PACKAGE = "exsampling_patch.nodes"

#: Core modules allowed to import a node module, each with why. Empty: what the CLI and the core need from
#: the nodes (a message's one-line summary, a gate's reason, the QR code) lives in the core, and node types
#: are loaded by name through the registry (``importlib``, not an import statement).
ALLOWED: dict[str, str] = {}


def module_name(path: Path, root: Path, package: str) -> str:
    """``exsampling_patch/commands/stage.py`` -> ``exsampling_patch.commands.stage`` (packages: their name)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def imported_names(tree: ast.AST, module: str, is_package: bool) -> Iterator[tuple[str, int]]:
    """Every module name an import statement anywhere in ``tree`` names (in functions and ``TYPE_CHECKING``
    blocks too), relative imports resolved, with its line. ``from a import b`` yields ``a`` and ``a.b`` (b may
    be a module)."""
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                anchor = base[: len(base) - (node.level - 1)]
                source = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                source = node.module or ""
            yield source, node.lineno
            for alias in node.names:
                if alias.name != "*":
                    yield f"{source}.{alias.name}", node.lineno


def node_imports(path: Path, root: Path = CORE, package: str = "exsampling_patch") -> list[str]:
    module = module_name(path, root, package)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: dict[int, str] = {}  # line -> the longest node module named there
    for name, line in imported_names(tree, module, path.name == "__init__.py"):
        if (name == NODES_PACKAGE or name.startswith(NODES_PACKAGE + ".")) and len(name) > len(found.get(line, "")):
            found[line] = name
    return [f"{path.relative_to(root.parent)}:{line}: imports {name}" for line, name in sorted(found.items())]


def test_the_core_imports_no_node_module() -> None:
    found = []
    for path in sorted(CORE.rglob("*.py")):
        if module_name(path, CORE, "exsampling_patch") not in ALLOWED:
            found += node_imports(path)
    assert not found, "the core reaches into node modules (load node types through the registry, or move " \
                      "what is shared to the core):\n" + "\n".join(found)


def test_the_walker_sees_every_form_of_import(tmp_path: Path) -> None:
    package = tmp_path / "exsampling_patch"
    (package / "commands").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "commands" / "__init__.py").write_text("from .. import nodes\n")
    (package / "commands" / "run.py").write_text(
        "import json\n"
        "from typing import TYPE_CHECKING\n"
        "import exsampling_patch.nodes.utility\n"
        "from exsampling_patch.nodes.web_recorder.qr import terminal_text\n"
        "from exsampling_patch import nodes as n\n"
        "from ..nodes import classify\n"
        "from exsampling_patch.messages import summarize\n"
        "if TYPE_CHECKING:\n"
        "    from exsampling_patch.nodes import sampler\n"
        "def later():\n"
        "    from ..nodes.utility import summarize\n"
    )
    found = node_imports(package / "commands" / "run.py", package)
    assert [line.split(":")[1] for line in found] == ["3", "4", "5", "6", "9", "11"], found
    assert node_imports(package / "commands" / "__init__.py", package) == [
        "exsampling_patch/commands/__init__.py:1: imports exsampling_patch.nodes"]
