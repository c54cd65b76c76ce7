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
    - folder.take -> writer.take

Loading uses PyYAML's safe loader and remembers the line of every node, parameter and link, so that
every problem names its file and line. :func:`dumps_patch` is deterministic: saving a loaded file
that this project wrote reproduces it byte for byte.
"""

from __future__ import annotations

import contextlib
import gc
import math
import os
import secrets
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from exsampling_patch.errors import Problem
from exsampling_patch.patch import FORMAT_VERSION, Link, NodeSpec, Patch, PortRef
from exsampling_patch.yaml_syntax import syntax_problem

VERSION_KEY = "exsampling_patch"
_TOP_KEYS = (VERSION_KEY, "name", "description", "node_dirs", "nodes", "links")
_NODE_KEYS = ("id", "type", "position", "params")
_LINK_KEYS = ("from", "to")  # the long form of a link, also read
#: How a link is written: ``- inbox.take -> writer.take`` (one scalar: a third of the parsing of a mapping).
LINK_ARROW = " -> "

Path_ = tuple[Any, ...]



class _SafeLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader on libyaml's parser (several times faster than PyYAML's own, same line marks).

    It also notes whether any mapping repeats a key (PyYAML keeps the last silently), so that the loader
    can report it with its line.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        if len(set(keys)) != len(keys):
            self.has_duplicate_keys = True
        return super().construct_mapping(node, deep=deep)

    has_duplicate_keys = False


class SourceMap:
    """Where things are in the patch file: lines (1-based) by path (``("nodes", 0, "params", "gain")``).

    Lines are only needed to report problems, so they are found on first use, by parsing the text again
    with marks: a sound patch loads without that cost.
    """

    def __init__(self, file: str = "<patch>", text: str | None = None) -> None:
        self.file = file
        self.text = text
        self.node_index: dict[str, int] = {}
        self.link_index: dict[Link, int] = {}
        self._lines: dict[Path_, int] | None = None if text else {}
        self._problems: list[Problem] = []

    @property
    def lines(self) -> dict[Path_, int]:
        if self._lines is None:
            self._lines = {}
            loader = _SafeLoader(self.text or "")
            try:
                root = loader.get_single_node()
                if root is not None:
                    _Builder(loader, self, self._problems).build(root, ())
            except (yaml.YAMLError, ValueError):
                pass  # the fast load already reported what is wrong; lines found so far stay
            finally:
                loader.dispose()
        return self._lines

    def layout_problems(self) -> list[Problem]:
        """Problems only a located parse sees: duplicate keys, non-text keys."""
        _ = self.lines
        return list(self._problems)

    def line(self, *path: Any) -> int | None:
        """The line of the deepest known element along ``path``."""
        lines = self.lines
        while path:
            if path in lines:
                return lines[path]
            path = path[:-1]
        return lines.get((), None)

    def node_line(self, node_id: str, *rest: Any) -> int | None:
        index = self.node_index.get(node_id)
        return None if index is None else self.line("nodes", index, *rest)

    def link_line(self, link: Link) -> int | None:
        index = self.link_index.get(link)
        return None if index is None else self.line("links", index)

    def problem(self, message: str, *path: Any, hint: str = "") -> Problem:
        return Problem(message, self.file, self.line(*path), hint=hint)


@dataclass
class ParsedPatch:
    """A patch read from text, where its parts were, and the structural problems found on the way."""

    patch: Patch
    source_map: SourceMap
    problems: list[Problem]
    #: Whether the text was read as a patch at all (YAML, a mapping, within the limits, a format this build
    #: reads); when it was, ``patch`` holds every node and link that could be read, problems or not.
    readable: bool = False


# -- reading --------------------------------------------------------------------------------------------------


_STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: Scalars built by their constructor straight away (the others go through PyYAML's own construction).
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null", "timestamp", "binary"))
#: Elements (scalars, lists, mappings) in a patch, aliases counted as often as they are used: about 100,000
#: nodes. Far beyond any real patch; stops alias bombs before the editor or a copy expands them.
MAX_ELEMENTS = 2_000_000
#: How deep lists and mappings may nest. A patch needs 6 or so; Python's copy, the YAML writer and the editor
#: recurse along the nesting, and run out of stack long before libyaml's own limit (1,000).
MAX_DEPTH = 64
#: The largest patch file read (a 40,000-node patch is about 3 MB).
MAX_BYTES = 64 * 1024 * 1024


_DEPTH_HINT = "a patch needs a few levels: nodes, their params, a table or list in a parameter"


class _LimitError(Exception):
    """The composed YAML passes a limit; ``mark`` is where."""

    def __init__(self, message: str, mark: yaml.Mark, hint: str = "") -> None:
        super().__init__(message)
        self.mark = mark
        self.hint = hint


def _construct(loader: _SafeLoader, root: yaml.Node) -> Any:
    """The Python value of the composed ``root``, as PyYAML's safe loader builds it, within the limits.

    Raises :class:`_LimitError` at the first element nested deeper than :data:`MAX_DEPTH`, past
    :data:`MAX_ELEMENTS` or held by an alias inside itself. Plain lists, mappings and scalars are built here,
    a third of the time PyYAML's general construction takes; other tags and merge keys (``<<``) are left to
    PyYAML once their subtree is known to be within the limits. Repeated keys set ``has_duplicate_keys``.
    """
    constructors = loader.yaml_constructors
    # Containers by id: (value, elements below it, height); an alias reuses the value, as PyYAML does.
    built: dict[int, tuple[Any, int, int]] = {}
    active: set[int] = set()
    count = 0

    def build(node: yaml.Node, depth: int, parent: yaml.Node) -> tuple[Any, int]:
        """(value, height) of ``node`` at ``depth`` in ``parent``; adds its elements to ``count``."""
        nonlocal count
        tag = node.tag
        if node.__class__ is yaml.ScalarNode:
            if tag == _STR_TAG:
                return node.value, 1
            if tag in _SCALAR_TAGS:
                return constructors[tag](loader, node), 1
            return loader.construct_object(node, deep=True), 1
        key = id(node)
        done = built.get(key)
        if done is not None:  # an alias (located by its parent): counted and checked as if written out
            count += done[1]
            if count > MAX_ELEMENTS:
                raise _LimitError(f"the patch has more than {MAX_ELEMENTS:,} elements", parent.start_mark,
                                  hint="aliases expand here: write out what they repeat")
            if depth + done[2] - 1 > MAX_DEPTH:
                raise _LimitError(f"lists and mappings nest more than {MAX_DEPTH} deep here", parent.start_mark,
                                  hint=_DEPTH_HINT)
            return done[0], done[2]
        if depth > MAX_DEPTH:
            raise _LimitError(f"lists and mappings nest more than {MAX_DEPTH} deep here", node.start_mark,
                              hint=_DEPTH_HINT)
        if key in active:
            raise _LimitError("an alias refers to the element that holds it", parent.start_mark,
                              hint="it would hold itself for ever; write the value out")
        active.add(key)
        before = count
        items = node.value
        count += len(items) * 2 if node.__class__ is yaml.MappingNode else len(items)
        if count > MAX_ELEMENTS:
            raise _LimitError(f"the patch has more than {MAX_ELEMENTS:,} elements", node.start_mark,
                              hint="split it into smaller patches")
        height = 0
        value: Any
        if node.__class__ is yaml.SequenceNode:
            value = []
            for item in items:
                child, child_height = build(item, depth + 1, node)
                value.append(child)
                height = max(height, child_height)
            if tag != _SEQ_TAG:
                value = loader.construct_object(node, deep=True)
        else:
            value = {}
            plain = tag == _MAP_TAG
            for key_node, value_node in items:
                if key_node.__class__ is not yaml.ScalarNode:
                    raise _LimitError("keys must be plain text", key_node.start_mark,
                                      hint="a list or a mapping cannot name a key")
                child, child_height = build(value_node, depth + 1, node)
                height = max(height, child_height)
                if key_node.tag == _MERGE_TAG:
                    plain = False  # PyYAML merges; the values were built above only to check the limits
                    continue
                name, _ = build(key_node, depth + 1, node)
                value[name] = child
            if plain and len(value) != len(items):
                loader.has_duplicate_keys = True
            if not plain:
                value = loader.construct_object(node, deep=True)
        active.discard(key)
        built[key] = (value, count - before, height + 1)
        return value, height + 1

    count = 1
    return build(root, 1, root)[0]


class _Builder:
    """Turns the composed YAML node tree into Python values in one pass, noting the line of every element."""

    def __init__(self, loader: yaml.SafeLoader, source: SourceMap, problems: list[Problem]) -> None:
        self.loader = loader
        self.lines = source._lines if source._lines is not None else {}
        self.file = source.file
        self.problems = problems
        self.count = 0
        self.active: set[int] = set()

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.count += 1
        if self.count > MAX_ELEMENTS or len(path) > MAX_DEPTH * 2:  # paths hold a '<key>' step per mapping
            raise ValueError("past the limits (the fast load has reported it)")
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR_TAG else self.loader.construct_object(node)
        if id(node) in self.active:
            raise ValueError(f"line {node.start_mark.line + 1}: an alias refers to the element that holds it")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            mapping: dict[Any, Any] = {}
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                key = self.build(key_node, (*path, "<key>")) if isinstance(key_node, yaml.ScalarNode) else None
                line = key_node.start_mark.line + 1
                if key is None or isinstance(key, list | dict):
                    self.problems.append(Problem("keys must be plain text", self.file, line))
                    continue
                if key in seen:
                    self.problems.append(Problem(
                        f"key '{key}' appears twice (first on line {seen[key]})", self.file, line,
                        key_node.start_mark.column + 1, hint="remove one of them"))
                seen[key] = line
                mapping[key] = self.build(value_node, (*path, key))
                self.lines[(*path, key)] = line
            return mapping
        finally:
            self.active.discard(id(node))


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for a block that makes many objects and no garbage cycles.

    Loading, checking and starting a big patch make hundreds of thousands of small objects that live on;
    while they are made, the collector's passes go over them again and again (and over everything else the
    process holds: a full pass runs each time they grow by a quarter), for nothing: in a big patch's load,
    more time than the load itself. Reference counting still frees what is dropped.
    """
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def loads_patch(text: str, file: str = "<patch>") -> ParsedPatch:
    """Parse patch text; structural problems are returned, not raised (see :func:`load_patch`)."""
    with collector_paused():
        return _loads_patch(text, file)


def _loads_patch(text: str, file: str) -> ParsedPatch:
    source = SourceMap(file, text)
    problems: list[Problem] = []
    patch = Patch()
    loader = _SafeLoader(text)
    try:
        root = loader.get_single_node()
        data = None if root is None else _construct(loader, root)
        if loader.has_duplicate_keys:
            problems.extend(source.layout_problems())
    except _LimitError as error:
        return ParsedPatch(patch, source, [Problem(str(error), file, error.mark.line + 1, error.mark.column + 1,
                                                   hint=error.hint)])
    except yaml.MarkedYAMLError as error:
        return ParsedPatch(patch, source, [syntax_problem(error, file)])
    except yaml.YAMLError as error:
        return ParsedPatch(patch, source, [Problem(f"YAML error: {error}", file, 1)])
    finally:
        loader.dispose()
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
    return ParsedPatch(patch, source, problems, readable=True)


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
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in position)
        ):
            problems.append(source.problem(f"node '{node_id}': 'position' must be [x, y], two finite numbers",
                                           *where, "position"))
            position = None
        source.node_index[node_id] = index
        patch.nodes[node_id] = NodeSpec(node_id, type_name, dict(params),
                                        (position[0], position[1]) if position else None)


def _read_links(links: Any, patch: Patch, source: SourceMap, problems: list[Problem]) -> None:
    if not isinstance(links, list):
        problems.append(source.problem("'links' must be a list", "links",
                                       hint=f"write each link as '- node.output{LINK_ARROW}node.input'"))
        return
    seen: set[Link] = set()
    for index, item in enumerate(links):
        where = ("links", index)
        if isinstance(item, str) and item.count(LINK_ARROW.strip()) == 1:
            ends = [end.strip() for end in item.split(LINK_ARROW.strip())]
        elif isinstance(item, dict) and set(item) == set(_LINK_KEYS):
            ends = [item["from"], item["to"]]
        else:
            problems.append(source.problem(f"a link must be 'node.output{LINK_ARROW}node.input'", *where,
                                           hint="or '{from: node.output, to: node.input}'"))
            continue
        try:
            link = Link(PortRef.parse(ends[0]), PortRef.parse(ends[1]))
        except ValueError as error:
            problems.append(source.problem(f"bad link: {error}", *where))
            continue
        if link in seen:
            problems.append(source.problem(f"link {link} appears twice", *where, hint="remove one"))
            continue
        seen.add(link)
        source.link_index[link] = index
        patch.links.append(link)


def read_patch(path: str | os.PathLike[str]) -> ParsedPatch:
    """Read a patch file; a file that cannot be read is reported as a problem, not raised."""
    file = str(path)
    try:
        size = os.stat(path).st_size
        if size > MAX_BYTES:
            return ParsedPatch(Patch(), SourceMap(file), [Problem(
                f"the patch file is {size / 2**20:.0f} MB, more than the {MAX_BYTES // 2**20} MB a patch may be",
                file, hint="is this the right file?")])
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return ParsedPatch(Patch(), SourceMap(file), [Problem(f"cannot read the patch: {error}", file)])
    return loads_patch(text, file)


# -- writing --------------------------------------------------------------------------------------------------


class _Flow(list[Any]):
    """A list written on one line: positions."""


class _PatchDumper(yaml.SafeDumper):
    pass


_PatchDumper.add_representer(
    _Flow, lambda d, v: d.represent_sequence("tag:yaml.org,2002:seq", v, flow_style=True)
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
    data["links"] = [f"{ln.source}{LINK_ARROW}{ln.target}" for ln in patch.links]
    return data


def dumps_patch(patch: Patch) -> str:
    """The patch as YAML text (deterministic)."""
    return yaml.dump(
        patch_to_data(patch), Dumper=_PatchDumper, sort_keys=False, default_flow_style=False,
        allow_unicode=True, width=10_000,
    )


def save_patch(patch: Patch, path: str | os.PathLike[str]) -> None:
    """Write the patch atomically: a crash mid-save never leaves a half-written patch behind.

    The file gets the permissions a plain write gives: an existing file keeps its mode, a new one is made
    with 0666 less the umask (0644 under the usual 022), not the 0600 of a private temporary file.
    """
    target = Path(path)
    text = dumps_patch(patch)
    fd, tmp = _create_beside(target)
    try:
        with contextlib.suppress(FileNotFoundError):
            os.chmod(tmp, stat.S_IMODE(os.stat(target).st_mode))
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _create_beside(target: Path) -> tuple[int, str]:
    """A new, empty file next to ``target`` (same file system, for the atomic rename), made as ``open`` makes
    files: mode 0666 less the umask. (``tempfile.mkstemp`` makes it 0600 whatever the umask.)"""
    folder = target.parent or Path(".")
    for _ in range(100):
        tmp = folder / f".{target.name}.{secrets.token_hex(4)}.tmp"
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666), str(tmp)
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name next to {target}")
