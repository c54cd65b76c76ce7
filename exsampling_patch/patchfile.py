"""Reading and writing patches as YAML.

The format (version 1)::

    exsampling_patch: 1
    name: Folder to take writer
    nodes:
    - id: folder
      type: folder_source
      position: [40, 80]
      params:
        folder: takes/incoming
    links:
    - {from: folder.take, to: writer.take}

Loading uses PyYAML's safe loader and remembers the line of every node, parameter and link, so that
every problem names its file and line. :func:`dumps_patch` is deterministic: saving a loaded file
that this project wrote reproduces it byte for byte.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from exsampling_patch.errors import PatchError, Problem
from exsampling_patch.patch import FORMAT_VERSION, Link, NodeSpec, Patch, PortRef

VERSION_KEY = "exsampling_patch"
_TOP_KEYS = (VERSION_KEY, "name", "description", "node_dirs", "nodes", "links")
_NODE_KEYS = ("id", "type", "position", "params")
_LINK_KEYS = ("from", "to")

Path_ = tuple[Any, ...]


@dataclass
class SourceMap:
    """Where things are in the patch file: lines (1-based) by path (``("nodes", 0, "params", "gain")``)."""

    file: str = "<patch>"
    lines: dict[Path_, int] = field(default_factory=dict)
    node_index: dict[str, int] = field(default_factory=dict)

    def line(self, *path: Any) -> int | None:
        """The line of the deepest known element along ``path``."""
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get((), None)

    def node_line(self, node_id: str, *rest: Any) -> int | None:
        index = self.node_index.get(node_id)
        return None if index is None else self.line("nodes", index, *rest)

    def problem(self, message: str, *path: Any, hint: str = "") -> Problem:
        return Problem(message, self.file, self.line(*path), hint=hint)


@dataclass
class ParsedPatch:
    """A patch read from text, where its parts were, and the structural problems found on the way."""

    patch: Patch
    source_map: SourceMap
    problems: list[Problem]


# -- reading --------------------------------------------------------------------------------------------------


def _record_lines(node: yaml.Node, path: Path_, lines: dict[Path_, int], problems: list[Problem], file: str) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        seen: dict[Any, int] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else repr(key_node)
            line = key_node.start_mark.line + 1
            if key in seen:
                problems.append(
                    Problem(f"key '{key}' appears twice (first on line {seen[key]})", file, line,
                            key_node.start_mark.column + 1, hint="remove one of them")
                )
            seen[key] = line
            _record_lines(value_node, (*path, key), lines, problems, file)
            lines[(*path, key)] = line
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _record_lines(item, (*path, index), lines, problems, file)


def loads_patch(text: str, file: str = "<patch>") -> ParsedPatch:
    """Parse patch text; structural problems are returned, not raised (see :func:`load_patch`)."""
    source = SourceMap(file)
    problems: list[Problem] = []
    patch = Patch()
    loader = yaml.SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else None
        column = mark.column + 1 if mark else None
        what = " ".join(x for x in (error.context, error.problem) if x)
        return ParsedPatch(patch, source, [Problem(f"YAML syntax error: {what}", file, line, column,
                                                    hint="check the indentation and quoting on this line")])
    except yaml.YAMLError as error:
        return ParsedPatch(patch, source, [Problem(f"YAML error: {error}", file, 1)])
    finally:
        loader.dispose()
    if root is not None:
        _record_lines(root, (), source.lines, problems, file)
    if not isinstance(data, dict):
        problems.append(source.problem("a patch file must be a YAML mapping with 'nodes' and 'links'",
                                       hint=f"start the file with '{VERSION_KEY}: {FORMAT_VERSION}'"))
        return ParsedPatch(patch, source, problems)

    for key in data:
        if key not in _TOP_KEYS:
            problems.append(source.problem(f"unknown top-level key '{key}'", key,
                                           hint=f"known keys: {', '.join(_TOP_KEYS)}"))
    version = data.get(VERSION_KEY)
    if version is None:
        problems.append(source.problem(f"missing '{VERSION_KEY}: <format version>'",
                                       hint=f"add '{VERSION_KEY}: {FORMAT_VERSION}' as the first line"))
    elif not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(source.problem(f"'{VERSION_KEY}' must be a positive whole number, got {version!r}",
                                       VERSION_KEY))
    elif version > FORMAT_VERSION:
        problems.append(source.problem(
            f"this patch has format version {version}, newer than this build reads ({FORMAT_VERSION})",
            VERSION_KEY, hint="upgrade exsampling-patch to open it"))
        return ParsedPatch(patch, source, problems)
    else:
        patch.version = version

    for key in ("name", "description"):
        value = data.get(key, "")
        if not isinstance(value, str):
            problems.append(source.problem(f"'{key}' must be text", key))
        else:
            setattr(patch, key, value)
    node_dirs = data.get("node_dirs", [])
    if not isinstance(node_dirs, list) or not all(isinstance(d, str) for d in node_dirs):
        problems.append(source.problem("'node_dirs' must be a list of folder paths", "node_dirs"))
    else:
        patch.node_dirs = list(node_dirs)

    _read_nodes(data.get("nodes", []), patch, source, problems)
    _read_links(data.get("links", []), patch, source, problems)
    return ParsedPatch(patch, source, problems)


def _read_nodes(nodes: Any, patch: Patch, source: SourceMap, problems: list[Problem]) -> None:
    if not isinstance(nodes, list):
        problems.append(source.problem("'nodes' must be a list of nodes", "nodes",
                                       hint="write each node as '- id: ...' under 'nodes:'"))
        return
    for index, item in enumerate(nodes):
        where = ("nodes", index)
        if not isinstance(item, dict):
            problems.append(source.problem("a node must be a mapping with 'id' and 'type'", *where))
            continue
        for key in item:
            if key not in _NODE_KEYS:
                problems.append(source.problem(f"unknown node key '{key}'", *where, key,
                                               hint=f"a node has {', '.join(_NODE_KEYS)}"))
        node_id, type_name = item.get("id"), item.get("type")
        if not isinstance(node_id, str) or not node_id:
            problems.append(source.problem("a node needs an 'id' (text)", *where, "id"))
            continue
        if "." in node_id or node_id.strip() != node_id:
            problems.append(source.problem(f"node id '{node_id}' may not contain dots or surrounding spaces",
                                           *where, "id", hint="use letters, digits, '_' or '-'"))
            continue
        if not isinstance(type_name, str) or not type_name:
            problems.append(source.problem(f"node '{node_id}' needs a 'type'", *where,
                                           hint="`exsampling nodes` lists the types"))
            continue
        if node_id in patch.nodes:
            first = source.node_line(node_id)
            problems.append(source.problem(f"duplicate node id '{node_id}' (first used on line {first})",
                                           *where, "id", hint=f"rename it, say '{patch.unique_id(node_id)}'"))
            continue
        params = item.get("params", {})
        if params is None:
            params = {}
        if not isinstance(params, dict):
            problems.append(source.problem(f"node '{node_id}': 'params' must be a mapping", *where, "params"))
            params = {}
        position = item.get("position")
        if position is not None and not (
            isinstance(position, list) and len(position) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in position)
        ):
            problems.append(source.problem(f"node '{node_id}': 'position' must be [x, y]", *where, "position"))
            position = None
        source.node_index[node_id] = index
        patch.nodes[node_id] = NodeSpec(node_id, type_name, dict(params),
                                        (position[0], position[1]) if position else None)


def _read_links(links: Any, patch: Patch, source: SourceMap, problems: list[Problem]) -> None:
    if not isinstance(links, list):
        problems.append(source.problem("'links' must be a list", "links",
                                       hint="write each link as '- {from: node.port, to: node.port}'"))
        return
    for index, item in enumerate(links):
        where = ("links", index)
        if not isinstance(item, dict) or set(item) != set(_LINK_KEYS):
            problems.append(source.problem("a link must be '{from: node.output, to: node.input}'", *where))
            continue
        try:
            link = Link(PortRef.parse(item["from"]), PortRef.parse(item["to"]))
        except ValueError as error:
            problems.append(source.problem(f"bad link: {error}", *where))
            continue
        if link in patch.links:
            problems.append(source.problem(f"link {link} appears twice", *where, hint="remove one"))
            continue
        source.lines[("link", link)] = source.line(*where) or 0
        patch.links.append(link)


def read_patch(path: str | os.PathLike[str]) -> ParsedPatch:
    """Read a patch file; a file that cannot be read is reported as a problem, not raised."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return ParsedPatch(Patch(), SourceMap(file), [Problem(f"cannot read the patch: {error}", file)])
    return loads_patch(text, file)


# -- writing --------------------------------------------------------------------------------------------------


class _Flow(list[Any]):
    """A list written on one line: positions."""


class _FlowMap(dict[str, Any]):
    """A mapping written on one line: links."""


class _PatchDumper(yaml.SafeDumper):
    pass


_PatchDumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
)
_PatchDumper.add_representer(
    _FlowMap, lambda d, v: d.represent_mapping("tag:yaml.org,2002:map", v.items(), flow_style=True)
)
_PatchDumper.add_representer(tuple, lambda d, v: d.represent_list(list(v)))


def patch_to_data(patch: Patch) -> dict[str, Any]:
    """The patch as the plain data written to YAML, keys in the file's order."""
    data: dict[str, Any] = {VERSION_KEY: patch.version}
    if patch.name:
        data["name"] = patch.name
    if patch.description:
        data["description"] = patch.description
    if patch.node_dirs:
        data["node_dirs"] = list(patch.node_dirs)
    nodes = []
    for spec in patch.nodes.values():
        node: dict[str, Any] = {"id": spec.id, "type": spec.type}
        if spec.position is not None:
            node["position"] = _Flow(spec.position)
        if spec.params:
            node["params"] = dict(spec.params)
        nodes.append(node)
    data["nodes"] = nodes
    data["links"] = [_FlowMap({"from": str(ln.source), "to": str(ln.target)}) for ln in patch.links]
    return data


def dumps_patch(patch: Patch) -> str:
    """The patch as YAML text (deterministic)."""
    return yaml.dump(
        patch_to_data(patch), Dumper=_PatchDumper, sort_keys=False, default_flow_style=False,
        allow_unicode=True, width=10_000,
    )


def save_patch(patch: Patch, path: str | os.PathLike[str]) -> None:
    """Write the patch atomically: a crash mid-save never leaves a half-written patch behind."""
    target = Path(path)
    text = dumps_patch(patch)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent or ".")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def raise_if_problems(problems: list[Problem]) -> None:
    if problems:
        raise PatchError(problems)
