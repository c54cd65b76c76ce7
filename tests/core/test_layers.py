"""The layers of the code, read from its source with ``ast`` (nothing is imported).

The core (``exsampling_patch/``: the patch model, the runtime, the registry, the CLI, the editor) knows node
types only through the registry: it imports no node module. ``exsampling_patch.nodes`` is the installed name
of the top-level ``nodes/`` folder (pyproject's package-dir). And no module imports, by any path, a module
that imports it: every import counts, in a function or under ``TYPE_CHECKING`` too (a circle hidden there is
still two modules that cannot be read, tested or moved one without the other).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import networkx as nx

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


# -- import circles -------------------------------------------------------------------------------------------------


def package_dirs(root: Path = ROOT) -> dict[str, Path]:
    """Top-level package name -> its folder, as pyproject's package-dir installs them (nested names, such as
    ``exsampling_patch.nodes`` for ``nodes/``, included)."""
    setuptools = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    return {name: root / folder for name, folder in setuptools["package-dir"].items()}


def modules_in(dirs: dict[str, Path]) -> dict[str, Path]:
    """Module name -> file, for every ``.py`` under each folder (a folder mapped to a name of its own, like
    ``nodes/`` inside ``exsampling_patch/``'s name, is read under that name only)."""
    modules: dict[str, Path] = {}
    for package, folder in dirs.items():
        nested = [other for other in dirs.values() if other != folder and other.is_relative_to(folder)]
        for path in sorted(folder.rglob("*.py")):
            if not any(path.is_relative_to(other) for other in nested):
                modules[module_name(path, folder, package)] = path
    return modules


def import_graph(modules: dict[str, Path]) -> nx.DiGraph:
    """An edge from each module to each module of ``modules`` it imports, anywhere in its body. ``from p import
    m`` is an edge to the module ``p.m`` when there is one, else to ``p``; ``import p.m`` to ``p.m``."""
    graph = nx.DiGraph()
    graph.add_nodes_from(modules)

    def known(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    for module, path in modules.items():
        base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
            if isinstance(node, ast.Import):
                targets = [known(alias.name) for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                anchor = base[: len(base) - (node.level - 1)] if node.level else []
                source = ".".join([*anchor, node.module] if node.module else anchor)
                targets = [f"{source}.{alias.name}" if f"{source}.{alias.name}" in modules else known(source)
                           for alias in node.names]
            else:
                continue
            for target in targets:
                if target is not None and target != module:
                    graph.add_edge(module, target, line=node.lineno)
    return graph


def circles(graph: nx.DiGraph) -> list[str]:
    """Each group of modules that import one another, with one circle through it spelt out."""
    found = []
    for group in nx.strongly_connected_components(graph):
        if len(group) > 1:
            cycle = nx.find_cycle(graph.subgraph(group), source=min(group))
            first = min(range(len(cycle)), key=lambda i: cycle[i][0])  # spelt from its first module by name
            cycle = cycle[first:] + cycle[:first]
            found.append(" -> ".join(f"{a} (line {graph.edges[a, b]['line']})" for a, b in cycle)
                         + f" -> {cycle[0][0]}")
    return sorted(found)


def test_no_module_imports_itself_in_a_circle() -> None:
    dirs = package_dirs()
    assert {"exsampling_patch", "exsampling_patch.nodes", "exsampling_patch.models"} <= set(dirs)
    modules = modules_in(dirs)
    assert {"exsampling_patch.editor.model", "exsampling_patch.nodes.utility", "exsampling_patch.models.train"} \
        <= set(modules)
    found = circles(import_graph(modules))
    assert not found, "modules import each other (move what both need to a third module, or let one depend on " \
                      "a Protocol):\n" + "\n".join(found)


def test_the_graph_sees_circles_in_functions_and_type_checking_but_not_submodule_imports(tmp_path: Path) -> None:
    package = tmp_path / "pkg"
    package.mkdir()
    files = {
        "__init__.py": "from .b import B\n",
        "a.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.b import B\n",
        "b.py": "from pkg import c\nimport json\nfrom .a import A\n",  # b -> c, b -> a (closes a circle)
        "c.py": "def later():\n    from . import d\n",  # c -> d
        "d.py": "import pkg.c\n",  # d -> c (closes a second circle)
        "e.py": "from pkg import a, b\n",  # the package's modules, not the package: no circle with __init__
    }
    for name, text in files.items():
        (package / name).write_text(text)
    graph = import_graph(modules_in({"pkg": package}))
    assert set(graph.successors("pkg.e")) == {"pkg.a", "pkg.b"}
    assert circles(graph) == ["pkg.a (line 3) -> pkg.b (line 3) -> pkg.a",
                              "pkg.c (line 2) -> pkg.d (line 1) -> pkg.c"]


#: A static import of a module beside it (``import {a} from "./b.js"``, ``import "./b.js"``, over several lines too),
#: or a dynamic one (``import("./b.js")``).
JS_IMPORT = re.compile(r"""(?:\bfrom\s*|\bimport\s*\(?\s*)["'](\./[^"']+\.js)["']""")


def script_graph(folder: Path) -> nx.DiGraph:
    """An edge from each ES module in ``folder`` to each module beside it that it imports, with the line."""
    graph = nx.DiGraph()
    for path in sorted(folder.glob("*.js")):
        text = path.read_text(encoding="utf-8")
        graph.add_node(path.name)
        for match in JS_IMPORT.finditer(text):
            graph.add_edge(path.name, match.group(1)[2:], line=text.count("\n", 0, match.start()) + 1)
    return graph


def test_the_phone_pages_scripts_import_no_module_in_a_circle() -> None:
    graph = script_graph(ROOT / "nodes" / "web_recorder" / "static")
    assert {("app.js", "upload.js"), ("upload.js", "takes.js")} <= set(graph.edges)  # the reader sees imports
    found = circles(graph)
    assert not found, "the phone page's scripts import each other:\n" + "\n".join(found)


def test_the_script_reader_sees_imports_over_lines_and_dynamic_ones(tmp_path: Path) -> None:
    (tmp_path / "a.js").write_text('import {\n  b,\n} from "./b.js";\n')
    (tmp_path / "b.js").write_text('const later = () => import("./a.js");\nimport "./c.js";\n')
    (tmp_path / "c.js").write_text('import x from "https://example.org/x.js";\n')
    graph = script_graph(tmp_path)
    assert set(graph.edges) == {("a.js", "b.js"), ("b.js", "a.js"), ("b.js", "c.js")}
    assert circles(graph) == ["a.js (line 3) -> b.js (line 1) -> a.js"]

# -- helpers written once -------------------------------------------------------------------------------------------

#: Helpers that more than one layer needs, each written in one module (the others import it). Two copies drift:
#: the sampler's jack_client_name set the C function's argtypes, the microphone's did not.
WRITTEN_ONCE = {
    "jack_client_name": "exsampling_patch.devices",
    "summarize": "exsampling_patch.messages",
    "gate_reason": "exsampling_patch.messages",
    "terminal_text": "exsampling_patch.qr",
}


def test_shared_helpers_are_defined_in_one_module() -> None:
    where: dict[str, list[str]] = {name: [] for name in WRITTEN_ONCE}
    for module, path in modules_in(package_dirs()).items():
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name in where:
                where[node.name].append(module)
            elif isinstance(node, ast.Assign):
                where.update({t.id: [*where[t.id], module] for t in node.targets
                              if isinstance(t, ast.Name) and t.id in where})
    assert where == {name: [module] for name, module in WRITTEN_ONCE.items()}


def test_the_engines_parts_declare_each_others_methods_for_the_type_checker_only() -> None:
    """Engine is put together from parts (flow, swap, stops, hang watch) that call each other's methods. A part's
    stand-in that raised NotImplementedError shadowed the real method whenever it came first among Engine's bases
    (the order of the bases was all that kept the message flow working)."""
    import inspect

    from exsampling_patch.runtime.engine import Engine

    parts = [base for base in Engine.__mro__[1:] if base.__module__.startswith("exsampling_patch")]
    stand_ins = [f"{part.__name__}.{name}" for part in parts for name, value in vars(part).items()
                 if inspect.isfunction(value) and "raise NotImplementedError" in inspect.getsource(value)]
    assert not stand_ins, stand_ins
