"""Reading patches from YAML.

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

Loading uses PyYAML's safe loader, within the limits of :mod:`exsampling_patch.yaml_limits`, and remembers the
line of every node, parameter and link, so that every problem names its file and line. Writing is
:mod:`exsampling_patch.patchwrite`'s; its functions are also importable from here, where callers found them. Why a
file cannot be read at all is :mod:`exsampling_patch.patch_unreadable`'s (its ``closest_existing`` too).
"""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from exsampling_patch.collector import collector_paused
from exsampling_patch.errors import Problem
from exsampling_patch.param_spec import value_words
from exsampling_patch.patch import (
    FORMAT_VERSION,
    LINK_ARROW,
    LINK_KEYS,
    NODE_KEYS,
    TOP_KEYS,
    VERSION_KEY,
    Link,
    NodeSpec,
    Patch,
    PortRef,
)
from exsampling_patch.patch_hints import arrow_meant, did_you_mean, params_hint, version_hint
from exsampling_patch.patch_unreadable import closest_existing as closest_existing
from exsampling_patch.patch_unreadable import not_a_patch, unacceptable_character, unreadable
from exsampling_patch.patchwrite import dumps_patch as dumps_patch
from exsampling_patch.patchwrite import patch_to_data as patch_to_data
from exsampling_patch.patchwrite import save_patch as save_patch
from exsampling_patch.yaml_limits import (
    MAX_DEPTH,
    MAX_ELEMENTS,
    STR_TAG,
    LimitError,
    PatchLoader,
    construct_within_limits,
)
from exsampling_patch.yaml_syntax import quoting_hint, syntax_problem

Path_ = tuple[Any, ...]


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
            loader = PatchLoader(self.text or "")
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

    def line_text(self, line: int | None) -> str:
        """The text of the file's ``line`` (1-based), or '' where it is not known."""
        lines = (self.text or "").split("\n")
        return lines[line - 1] if line is not None and 0 < line <= len(lines) else ""

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
    #: Links refused for an end that names a node and no port (``from: rec``): the problem, and the two ends as
    #: written. Which port was meant takes the node types (``validate`` suggests one; reading knows no types).
    bare_ends: list[tuple[Problem, str, str]] = field(default_factory=list)
    #: Unknown keys of a node, with its type as written: the problem, the type and the key. A parameter of that
    #: type is a line meant under ``params:`` and not indented (``validate`` says so; reading knows no types).
    stray_keys: list[tuple[Problem, str, str]] = field(default_factory=list)
    #: Ids of nodes left out for having no type (``tipe:``): a link to one is no link to a missing node.
    typeless: list[str] = field(default_factory=list)


#: The step of a SourceMap path to a scalar's own line where it is not on its key's (``params:`` above it).
VALUE_LINE = "<value>"

#: The largest patch file read (a 40,000-node patch is about 3 MB).
MAX_BYTES = 64 * 1024 * 1024


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
            return node.value if node.tag == STR_TAG else self.loader.construct_object(node)
        if id(node) in self.active:
            raise ValueError(f"line {node.start_mark.line + 1}: an alias refers to the element that holds it")
        self.active.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(item, (*path, index)) for index, item in enumerate(node.value)]
            mapping: dict[Any, Any] = {}
            seen: dict[Any, int] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if not isinstance(key_node, yaml.ScalarNode):
                    self.problems.append(Problem("keys must be plain text", self.file, line))
                    continue
                # `~:` is a key, null: its line is noted as any other's (the reader tells it, at its line)
                key = self.build(key_node, (*path, "<key>"))
                if key in seen:
                    # rows `yes: Bass` and `on: HH` of a table are both the key true to YAML: "remove one of them"
                    # left the composer with two labels of a model and no way to write both
                    self.problems.append(Problem(
                        f"key {_key_words(key)} appears twice (first on line {seen[key]})", self.file, line,
                        key_node.start_mark.column + 1, hint=quoting_hint("str", key) or "remove one of them"))
                seen[key] = line
                mapping[key] = self.build(value_node, (*path, key))
                self.lines[(*path, key)] = line
                if isinstance(value_node, yaml.ScalarNode) and value_node.start_mark.line + 1 != line:
                    # text under its key (``params:`` then ``top_db 60`` below it): the line to fix is the text's
                    self.lines[(*path, key, VALUE_LINE)] = value_node.start_mark.line + 1
            return mapping
        finally:
            self.active.discard(id(node))


def loads_patch(text: str, file: str = "<patch>") -> ParsedPatch:
    """Parse patch text; structural problems are returned, not raised (see :func:`load_patch`)."""
    with collector_paused():
        return _loads_patch(text, file)


def _loads_patch(text: str, file: str) -> ParsedPatch:
    source = SourceMap(file, text)
    problems: list[Problem] = []
    patch = Patch()
    if text.startswith('{"event": "show"'):  # a show log (JSON lines): "did not find expected <document start>"
        replay = f"replay it: .venv/bin/exsampling replay {file} --out show.wav"
        return ParsedPatch(patch, source, [Problem("a show log that 'exsampling run' wrote, not a patch", file,
                                                   hint=replay)])
    loader = PatchLoader(text)
    try:
        root = loader.get_single_node()
        data = None if root is None else construct_within_limits(loader, root)
        if loader.has_duplicate_keys:
            problems.extend(source.layout_problems())
    except LimitError as error:
        return ParsedPatch(patch, source, [Problem(str(error), file, error.mark.line + 1, error.mark.column + 1,
                                                   hint=error.hint)])
    except yaml.MarkedYAMLError as error:
        return ParsedPatch(patch, source, [not_a_patch(syntax_problem(error, file, text), text)])
    except yaml.reader.ReaderError as error:
        return ParsedPatch(patch, source, [unacceptable_character(error, file, text)])
    except yaml.YAMLError as error:
        return ParsedPatch(patch, source, [Problem(f"YAML error: {error}", file, 1)])
    finally:
        loader.dispose()
    if not any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines()):
        # A save cut short leaves an empty file: there is no YAML mistake to look for.
        empty = "is empty" if not text.strip() else "holds only comments"
        problems.append(Problem(f"the patch file {empty}", file, hint=f"start it with '{VERSION_KEY}: "
                                f"{FORMAT_VERSION}', then its nodes and links: docs/patch-format.md shows how"))
        return ParsedPatch(patch, source, problems)
    if not isinstance(data, dict):
        problems.append(source.problem("a patch file must be a YAML mapping with 'nodes' and 'links'",
                                       hint=f"start the file with '{VERSION_KEY}: {FORMAT_VERSION}'"))
        return ParsedPatch(patch, source, problems)

    for key in data:
        if key not in TOP_KEYS:
            problems.append(source.problem(f"unknown top-level key {_key_words(key)}", key, hint=quoting_hint(
                "str", key) if isinstance(key, bool) else did_you_mean(str(key), TOP_KEYS, "known keys:")))
    version = data.get(VERSION_KEY)
    if version is None:
        problems.append(source.problem(f"missing '{VERSION_KEY}: <format version>'",
                                       hint=f"add '{VERSION_KEY}: {FORMAT_VERSION}' as the first line"))
    elif not isinstance(version, int) or isinstance(version, bool) or version < 1:
        problems.append(source.problem(f"'{VERSION_KEY}' must be a positive whole number, got {value_words(version)}",
                                       VERSION_KEY, hint=version_hint(version)))
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
            # `name: 2024` is a number to YAML, `name: yes` true: say how to make it text
            problems.append(source.problem(f"'{key}' must be text", key, hint=quoting_hint("str", value)))
        else:
            setattr(patch, key, value)
    node_dirs = data.get("node_dirs", [])
    if not isinstance(node_dirs, list) or not all(isinstance(d, str) for d in node_dirs):
        problems.append(source.problem("'node_dirs' must be a list of folder paths", "node_dirs",
                                       hint=f"write it as a list: node_dirs: [{node_dirs}]"
                                       if isinstance(node_dirs, str) else ""))
    else:
        patch.node_dirs = list(node_dirs)

    parsed = ParsedPatch(patch, source, problems, readable=True)
    _read_nodes(data.get("nodes", []), parsed)
    _read_links(data.get("links", []), parsed)
    return parsed


def _read_nodes(nodes: Any, parsed: ParsedPatch) -> None:
    patch, source, problems = parsed.patch, parsed.source_map, parsed.problems
    if not isinstance(nodes, list):
        problems.append(source.problem("'nodes' must be a list of nodes", "nodes",
                                       hint="write each node as '- id: ...' under 'nodes:'"))
        return
    for index, item in enumerate(nodes):
        where = ("nodes", index)
        if not isinstance(item, dict):
            problems.append(source.problem(  # 'links:' indented: the links read as nodes
                "a node must be a mapping with 'id' and 'type'", *where,
                hint="a link among the nodes: links go under 'links:', written at the margin"
                if isinstance(item, str) and LINK_ARROW.strip() in item else ""))
            continue
        for key in item:
            if key not in NODE_KEYS:
                problems.append(source.problem(
                    f"unknown node key {_key_words(key)}", *where, key,
                    hint=f"'{key}' is a top-level key: write it at the margin, with no spaces before it"
                    if key in TOP_KEYS else quoting_hint("str", key) if isinstance(key, bool)
                    else did_you_mean(str(key), NODE_KEYS, "a node has")))
                if isinstance(item.get("type"), str):
                    parsed.stray_keys.append((problems[-1], item["type"], str(key)))
        node_id, type_name = item.get("id"), item.get("type")
        if not isinstance(node_id, str) or not node_id.strip():
            problems.append(source.problem("a node needs an 'id' (text)", *where, "id",
                                           hint=quoting_hint("str", node_id)))  # `id: 1` is a number to YAML
            continue
        # A dot, '->' or spaces around an id are kept (dropped, the next save lost the node and its links):
        # check_patch reports them, and renaming fixes them.
        if not isinstance(type_name, str) or not type_name:
            problems.append(source.problem(f"node '{node_id}' needs a 'type'", *where,
                                           hint="`.venv/bin/exsampling nodes` lists the types"))
            parsed.typeless.append(node_id)
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
            problems.append(source.problem(f"node '{node_id}': 'params' must be a mapping", *where, "params",
                                           VALUE_LINE, hint=params_hint(params)))
            params = {}
        for key in [key for key in params if not isinstance(key, str)]:
            # `on: 1` is the key true to YAML, `1: x` a number: check matched them against the names and crashed
            problems.append(source.problem(f"node '{node_id}': a parameter's name must be text, got "
                                           f"{value_words(key)}", *where, "params", key, hint=quoting_hint("str", key)
                                           or "YAML reads null and ~ unquoted as nothing: put the name in quotes"))
            params = {name: value for name, value in params.items() if name is not key}
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


def _key_words(key: Any) -> str:
    """A key as written, or as YAML reads ``on`` and ``~``: true, null (it said 'True', 'None', Python's words)."""
    return "null" if key is None else value_words(key) if isinstance(key, bool) else f"'{key}'"


def _read_links(links: Any, parsed: ParsedPatch) -> None:
    patch, source, problems = parsed.patch, parsed.source_map, parsed.problems
    if not isinstance(links, list):
        problems.append(source.problem("'links' must be a list", "links",
                                       hint=f"write each link as '- node.output{LINK_ARROW}node.input'"))
        return
    seen: set[Link] = set()
    for index, item in enumerate(links):
        where = ("links", index)
        written, meant = arrow_meant(item) if isinstance(item, str) else ("", "")
        if isinstance(item, str) and item.count(LINK_ARROW.strip()) == 1 and not meant:
            ends = [end.strip() for end in item.split(LINK_ARROW.strip())]
        elif isinstance(item, dict) and set(item) == set(LINK_KEYS):
            ends = [item["from"], item["to"]]
            wrong = next((key for key in LINK_KEYS if not isinstance(item[key], str)), None)
            if wrong is not None:  # `from: ~` was "'None' is not of the form node_id.port"
                problems.append(source.problem(f"bad link: '{wrong}' must be 'node.port', got "
                                               f"{value_words(item[wrong])}", *where, wrong,
                                               hint=quoting_hint("str", item[wrong])))
                continue
        else:
            unknown = [key for key in item if key not in LINK_KEYS] if isinstance(item, dict) else []
            close = [match for key in unknown for match in difflib.get_close_matches(str(key), LINK_KEYS, n=1)]
            colon = (f"{next(iter(item))}{LINK_ARROW}{next(iter(item.values()))}"  # '- a.out: b.take'
                     if isinstance(item, dict) and len(item) == 1 and not close and not set(item) & set(LINK_KEYS)
                     and all(isinstance(end, str) for end in (*item, *item.values())) else "")
            arrowed = [n for n in patch.nodes if LINK_ARROW.strip() in n and isinstance(item, str) and n in item]
            problems.append(source.problem(
                f"a link must be 'node.output{LINK_ARROW}node.input'", *where,
                hint=f"did you mean {' and '.join(repr(c) for c in close)}? a link is '{{from: node.output, to: "
                "node.input}'" if close
                else f"'{written}' is not the link arrow, '{LINK_ARROW.strip()}': did you mean '{meant}'?" if written
                else f"the link arrow '{LINK_ARROW.strip()}' is missing: did you mean '{meant}'?" if meant
                else f"a colon makes it a mapping, not a link: did you mean '{colon}'?" if colon
                else f"node '{arrowed[0]}' has '{LINK_ARROW.strip()}' in its id: rename it" if arrowed
                else "or '{from: node.output, to: node.input}'"))
            continue
        try:
            link = Link(PortRef.parse(ends[0]), PortRef.parse(ends[1]))
        except ValueError as error:
            problems.append(source.problem(f"bad link: {error}", *where))
            if any(isinstance(end, str) and end.strip(".") and "." not in end.strip(".") for end in ends):
                parsed.bare_ends.append((problems[-1], str(ends[0]), str(ends[1])))
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
        return ParsedPatch(Patch(), SourceMap(file), [unreadable(Path(path), error)])
    return loads_patch(text, file)
