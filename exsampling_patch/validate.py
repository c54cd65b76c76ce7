"""Checks a patch against the node registry: types, ports, parameters, links and cycles.

This is the single place that decides whether a patch is sound (with the checks it calls: link_checks,
note_checks, path_checks). The loader reports its problems with file and line, the runtime refuses a patch
that has any, and the editor shows them on the nodes.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from exsampling_patch.collector import collector_paused
from exsampling_patch.context import patch_path
from exsampling_patch.errors import PatchError, Problem
from exsampling_patch.link_checks import bare_end_hint
from exsampling_patch.link_checks import check_link as check_link  # the one rule for a link; the editor's too
from exsampling_patch.node import ParamError
from exsampling_patch.note_checks import note_problems
from exsampling_patch.param_checks import node_type_problems, patch_warnings
from exsampling_patch.param_values import value_in_effect
from exsampling_patch.patch import NODE_KEYS, Link, NodeSpec, Patch, PortRef, fixed_id, id_problems
from exsampling_patch.patch_hints import invisible_character, visible
from exsampling_patch.patchfile import ParsedPatch, SourceMap, read_patch
from exsampling_patch.path_checks import path_problem, read_path_problems
from exsampling_patch.registry import PluginProblem, Registry
from exsampling_patch.slot_takers import SLOT_TAKERS, slot_takers_fed, slots_of
from exsampling_patch.yaml_syntax import quoting_hint

if TYPE_CHECKING:  # networkx is imported only for a patch with a cycle: 0.1-0.3 s of every run's and check's start
    import networkx as nx


def patch_graph(patch: Patch) -> nx.DiGraph:
    """The patch as a networkx graph of node ids, nodes in file order, one edge per linked pair."""
    import networkx as nx

    graph = nx.DiGraph()
    graph.add_nodes_from(patch.nodes)
    graph.add_edges_from((ln.source.node, ln.target.node) for ln in patch.links)
    return graph


def topological_order(patch: Patch) -> list[str] | None:
    """The node ids in an order where every link goes forward, or None if the links form a cycle.

    The order is networkx's ``topological_sort`` of :func:`patch_graph` (nodes in file order, generation by
    generation), found here without building the graph, which cost more than the sort itself.
    """
    successors: dict[str, dict[str, None]] = {node_id: {} for node_id in patch.nodes}
    for link in patch.links:
        source, target = link.source.node, link.target.node
        if source not in successors:
            successors[source] = {}
        if target not in successors:
            successors[target] = {}
        successors[source][target] = None
    waiting = dict.fromkeys(successors, 0)
    for targets in successors.values():
        for target in targets:
            waiting[target] += 1
    order = [node_id for node_id, count in waiting.items() if count == 0]
    index = 0
    while index < len(order):
        for target in successors[order[index]]:
            waiting[target] -= 1
            if not waiting[target]:
                order.append(target)
        index += 1
    return order if len(order) == len(successors) else None


def find_cycle(patch: Patch) -> list[str] | None:
    """The node ids on one cycle of the patch's links, or None if it has none."""
    if topological_order(patch) is not None:  # far faster than find_cycle's search when acyclic
        return None
    import networkx as nx

    try:
        edges = nx.find_cycle(patch_graph(patch))
    except nx.NetworkXNoCycle:
        return None
    return [u for u, _ in edges]


def check_patch(
    patch: Patch, registry: Registry, source: SourceMap | None = None, base_dir: Path | None = None,
    typeless: Collection[str] = (),
) -> list[Problem]:
    """Every problem in ``patch``; lines come from ``source`` when the patch was read from a file.

    With ``base_dir`` (the patch file's folder, from which relative paths are taken) the ``path``
    parameters are also checked on disk: see :func:`path_problem`. ``typeless``: ids of nodes the file holds with
    no type (``ParsedPatch.typeless``), whose links are checked at their other end alone.
    """
    source = source or SourceMap()
    problems: list[Problem] = []

    for node_id, spec in patch.nodes.items():
        for why in id_problems(node_id):
            # Read, not dropped (the next save lost the node and its links): the editor shows it, to rename. A
            # character that cannot be seen (named by the reason) is told at its column.
            line = source.node_line(node_id, "id")
            unseen = invisible_character(node_id, source.line_text(line))
            problems.append(Problem(f"node '{node_id}': {why}", source.file, line, unseen and unseen[1],
                                    hint=f"rename it, say '{patch.unique_id(fixed_id(node_id))}'"))
        if spec.type not in registry:
            line = source.node_line(node_id, "type")
            unseen = invisible_character(spec.type, source.line_text(line))  # 'log ' with a no-break space
            problems.append(Problem(
                f"node '{node_id}': unknown node type '{spec.type}'", source.file, line, unseen and unseen[1],
                hint=unseen[0] if unseen else registry.unknown_hint(spec.type),
            ))
            continue
        node_type = registry.get(spec.type)
        meant: set[str] = set()  # parameters a misspelling was told to mean: not told missing too
        for name, value in spec.params.items():
            param = node_type.param_specs.get(name)
            if param is None:
                close = difflib.get_close_matches(name, list(node_type.param_specs), n=1)
                meant.update(close if name not in NODE_KEYS else ())
                problems.append(Problem(
                    f"node '{node_id}': {spec.type} has no parameter '{name}'", source.file,
                    source.node_line(node_id, "params", name),
                    hint=f"'{name}' is the node's own, not a parameter: write it as far in as 'type:', above "
                    "'params:'" if name in NODE_KEYS
                    else "; ".join(filter(None, (f"did you mean '{close[0]}'?" if close else
                                                 f"its parameters: {', '.join(node_type.param_specs) or 'none'}",
                                                 registry.shadow_hint(spec.type)))),
                ))
                continue
            try:
                param.validate(value)
            except ParamError as error:
                line = source.node_line(node_id, "params", name)
                unseen = invisible_character(value, source.line_text(line))  # 'round_robin\xa0' is no choice
                problems.append(Problem(f"node '{node_id}': {error}", source.file, line, unseen and unseen[1],
                                        hint=unseen[0] if unseen else quoting_hint(param.kind_name, value, param.unit)))
                continue
            if base_dir is not None and param.kind_name == "path" and value:
                reason = path_problem(str(value), param.path_kind, base_dir)
                if reason:
                    problems.append(Problem(
                        f"node '{node_id}': parameter '{name}': '{value}' {reason}", source.file,
                        source.node_line(node_id, "params", name),
                        hint=f"'{name}' names a {param.path_kind or 'path'}: {param.doc}",
                    ))
        for name, param in node_type.param_specs.items():
            if param.required and spec.params.get(name) is None and name not in meant:
                problems.append(Problem(
                    f"node '{node_id}': required parameter '{name}' is missing", source.file,
                    source.node_line(node_id), hint=f"add '{name}: ...' under params ({param.doc})",
                ))
        problems += node_type_problems(patch, registry, source, node_id)

    # A node written with 'tipe:' is there, of no type: "no node with id 'inbox'" sent the performer looking for it.
    linked = Patch({**patch.nodes, **{node_id: NodeSpec(node_id, "") for node_id in typeless
                                      if node_id not in patch.nodes}}, patch.links) if typeless else patch
    first_into: dict[PortRef, Link] = {}
    sound = patch.copy()  # its links without the ones reported: a link that cannot be made closes no cycle
    for link in patch.links:
        # Only a later link into a single input is wrong: the first one holds the input.
        earlier = first_into.setdefault(link.target, link)
        reason = check_link(linked, registry, link, others=[] if earlier is link else [earlier])
        if reason:
            problems.append(Problem(reason, source.file, source.link_line(link)))
            if not reason.endswith(f"already has {earlier.source}"):
                sound.links.remove(link)

    problems += slot_problems(patch, registry, source)
    problems += note_problems(patch, registry, source)  # what a pattern plays against a sampler's note ranges
    if base_dir is not None:
        problems += read_path_problems(patch, registry, source, base_dir)

    cycle = find_cycle(sound)
    if cycle:
        loop = " -> ".join([*cycle, cycle[0]])
        problems.append(Problem(
            f"the links form a cycle: {loop}", source.file, source.node_line(cycle[0]),
            hint="messages would go round for ever; remove one link of the cycle",
        ))
    return problems


# -- checks across nodes --------------------------------------------------------------------------------------

#: Slots a node sends on its ``slot`` messages, by node type: ``param -> how its value names slots``.
#: ``values``: a table's values; ``one``: the text itself; ``list``: each item. ``fixed_slot`` sends ``slot``
#: in mode fixed and ``slots`` in mode round_robin; the gate's ``fallback_slot`` travels through the slot map.
SLOT_SENDERS: dict[str, dict[str, str]] = {
    "slot_map": {"table": "values", "fallback": "one"},
    "fixed_slot": {"slot": "one", "slots": "list"},
    "confidence_gate": {"fallback_slot": "one"},
}


def slots_sent(patch: Patch, registry: Registry, node_id: str) -> dict[str, list[str]]:
    """The slot names ``node_id`` sends, each with what sends it (``table: dog``, ``slot``), in file order."""
    spec = patch.nodes[node_id]
    sent: dict[str, list[str]] = {}
    round_robin = spec.type == "fixed_slot" and value_in_effect(patch, registry, node_id, "mode") == "round_robin"
    for name, how in SLOT_SENDERS.get(spec.type, {}).items():
        if spec.type == "fixed_slot" and (name == "slots") != round_robin:
            continue
        value = value_in_effect(patch, registry, node_id, name)
        if how == "values" and isinstance(value, dict):
            for key, slot in value.items():
                if slot not in ("", None):  # a row without a slot sends none
                    sent.setdefault(str(slot), []).append(f"{name}: {key}")
        elif how == "list" and isinstance(value, list):
            for slot in value:
                sent.setdefault(str(slot), []).append(name)
        elif how == "one" and isinstance(value, str) and value:
            sent.setdefault(value, []).append(name)
    return sent


def slot_problems(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """Slot names a node sends that a slot-taking node it feeds does not have (the sampler would refuse
    them at run time: "no slot named 'Bas'"). Names are compared as the sampler does, case aside."""
    problems: list[Problem] = []
    for node_id, spec in patch.nodes.items():
        if spec.type not in SLOT_SENDERS or spec.type not in registry:
            continue
        sent = slots_sent(patch, registry, node_id)
        if not sent:
            continue
        for taker in slot_takers_fed(patch, registry, node_id):
            names = slots_of(patch, registry, taker) or []
            known = {n.lower() for n in names}
            for slot, senders in sent.items():
                if slot.lower() in known:
                    continue
                param, _, key = senders[0].partition(": ")
                close = difflib.get_close_matches(slot, names, n=1)
                what = ", ".join(senders[:4]) + (f" and {len(senders) - 4} more" if len(senders) > 4 else "")
                items = spec.params.get(param)  # a list's item on its own line: there, where its character is
                index = [str(i) for i in items].index(slot) if isinstance(items, list) and slot in map(str, items) \
                    else None
                line = source.node_line(node_id, "params", param, *([key] if key else [] if index is None else [index]))
                line = line or source.node_line(node_id)
                hint = (f"did you mean '{close[0]}'? " if close else "") \
                    + f"its slots: {', '.join(names) or 'none'} ('{SLOT_TAKERS[patch.nodes[taker].type]}')"
                # 'Kick' with a no-break space after it was "did you mean 'Kick'?", nothing said what differed.
                unseen = invisible_character(slot, source.line_text(line))
                if unseen:  # and what it says of the slots where the slot is none of them without the character
                    hint = unseen[0] + ("" if visible(slot).lower() in known else f"; {hint}")
                problems.append(Problem(
                    f"node '{node_id}': slot '{slot}' ({what}) is not a slot of '{taker}' "
                    f"({patch.nodes[taker].type}), which it feeds",
                    source.file, line, unseen and unseen[1], hint=hint,
                ))
    return problems


def read_problems(parsed: ParsedPatch, registry: Registry) -> list[Problem]:
    """``parsed``'s problems, a link with a bare node id for an end (``from: rec``) with the port it may mean: its
    reading knows no node types, and said only "not of the form node_id.port"."""
    hints = {id(problem): bare_end_hint(parsed.patch, registry, source, target, parsed.typeless)
             for problem, source, target in parsed.bare_ends}
    for problem, type_name, key in parsed.stray_keys:
        if type_name in registry and key in registry.get(type_name).param_specs:
            # "unknown node key 'top_db' (a node has id, type, position, params)" did not say what was wrong.
            hints[id(problem)] = f"'{key}' is a parameter of {type_name}: put it under 'params:', indented"
    return [replace(problem, hint=hints[id(problem)]) if hints.get(id(problem)) else problem
            for problem in parsed.problems]


def node_dirs_of(patch: Patch, patch_file: str | os.PathLike[str] | None) -> list[Path]:
    """The patch's ``node_dirs``, relative ones taken from the patch file's folder."""
    base = Path(patch_file).parent if patch_file else Path.cwd()
    return [patch_path(d, base) for d in patch.node_dirs]


def load_patch(
    path: str | os.PathLike[str], registry: Registry | None = None, extra_node_dirs: list[str] | None = None
) -> tuple[Patch, Registry]:
    """Read and check a patch file; raises :class:`PatchError` listing every problem.

    Without a ``registry``, the default one is built with the patch's own ``node_dirs``.
    """
    with collector_paused():
        patch, registry, _, _ = _load_patch(path, registry, extra_node_dirs, warnings=False)
    return patch, registry


def load_patch_with_warnings(
    path: str | os.PathLike[str], registry: Registry | None = None, extra_node_dirs: list[str] | None = None
) -> tuple[Patch, Registry, list[Problem], list[PluginProblem]]:
    """:func:`load_patch`, with what ``run`` tells at start-up as ``check`` tells it: the patch's warnings
    (:func:`~exsampling_patch.param_checks.patch_warnings`) and the plugins that did not load, a folder of the
    patch's ``node_dirs`` at its line (:func:`at_node_dirs_lines`). A :class:`PatchError`'s plugins are located so
    too."""
    with collector_paused():
        return _load_patch(path, registry, extra_node_dirs, warnings=True)


def _load_patch(
    path: str | os.PathLike[str], registry: Registry | None, extra_node_dirs: list[str] | None, warnings: bool
) -> tuple[Patch, Registry, list[Problem], list[PluginProblem]]:
    parsed = read_patch(path)
    if parsed.problems and not parsed.patch.nodes:
        raise PatchError(in_file_order(parsed.problems))
    registry = _registry_for(parsed.patch, path, registry, extra_node_dirs)
    # Every problem check tells, not the reading's alone: `run` stopped at a misspelt 'tipe:' and the link to a
    # misspelt node came out only after that was fixed. A plugin that failed to import may be why a patch fails:
    # the error carries those no problem names, for the run to warn of as check does.
    problems = patch_problems(parsed, registry, path)
    if problems:
        # With check's warnings too: a performer reading run's refusal missed what check told beside the problems.
        raise PatchError(problems, at_node_dirs_lines(unnamed_plugins(parsed.patch, registry, problems), parsed, path),
                         patch_warnings(parsed.patch, registry, parsed.source_map) if warnings else ())
    if not warnings:  # load_patch's callers (classify, replay) tell none: no node type's check_warnings is run
        return parsed.patch, registry, [], []
    told = [*no_nodes_warning(parsed), *patch_warnings(parsed.patch, registry, parsed.source_map)]
    return parsed.patch, registry, told, at_node_dirs_lines(list(registry.problems), parsed, path)


def no_nodes_warning(parsed: ParsedPatch) -> list[Problem]:
    """A warning for a patch read with no nodes (``nodes: []``, or the version line alone), at its ``nodes`` line:
    it checked "ok" and ran "0 nodes" until Ctrl+C without a word. Only a warning: a patch begun by hand or saved
    empty from the editor is sound, and the editor, which starts from an empty patch, does not list it."""
    if parsed.patch.nodes:
        return []
    return [parsed.source_map.problem(
        "the patch has no nodes: it runs nothing", "nodes",
        hint="add them under 'nodes:', of the types '.venv/bin/exsampling nodes' lists, or in the editor: "
        f".venv/bin/exsampling edit {parsed.source_map.file}")]


def unnamed_plugins(patch: Patch, registry: Registry, problems: list[Problem]) -> list[PluginProblem]:
    """The plugins that failed to load which none of ``problems`` names: a type refused at load that ``patch``
    uses is unknown there, and that problem's hint names why. A problem refusing several types (their base's mistake)
    is named so by any of them: a patch of its second type was told it twice, on the node and as a plugin warning."""
    hints = " ".join(problem.hint for problem in problems)
    unknown = {spec.type for spec in patch.nodes.values() if spec.type and spec.type not in registry}
    return [plugin for plugin in registry.problems
            if str(plugin) not in hints and not unknown & {plugin.type_name, *plugin.others}]


def _registry_for(patch: Patch, path: str | os.PathLike[str], registry: Registry | None,
                  extra_node_dirs: list[str] | None) -> Registry:
    if registry is None:
        return Registry.default([*(extra_node_dirs or []), *node_dirs_of(patch, path)])
    for folder in node_dirs_of(patch, path):
        registry.load_folder(folder)
    return registry


def open_patch(
    path: str | os.PathLike[str], registry: Registry | None = None, extra_node_dirs: list[str] | None = None
) -> tuple[Patch, Registry, list[Problem]]:
    """Read a patch file to edit it, problems and all: the editor opens what :func:`load_patch` refuses.

    Returns the patch (every node and link that could be read: unknown types, unknown or bad parameters and
    links that do not fit are kept as written), the registry and every problem, located, as
    :func:`check_file` finds them. Raises :class:`PatchError` only when the file cannot be read as a patch
    at all: not YAML, not a mapping, past the size limits, or a newer format.
    """
    with collector_paused():
        parsed = read_patch(path)
        if not parsed.readable:
            raise PatchError(parsed.problems)
        registry = _registry_for(parsed.patch, path, registry, extra_node_dirs)
        problems = patch_problems(parsed, registry, path)
    return parsed.patch, registry, problems


def patch_problems(parsed: ParsedPatch, registry: Registry, path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem of the patch read from ``path``, its reading's and its checks', in file order: the one list
    ``check`` prints and ``run`` refuses to start with."""
    return in_file_order([*read_problems(parsed, registry),
                          *check_patch(parsed.patch, registry, parsed.source_map, _base_dir(path), parsed.typeless)])


def in_file_order(problems: list[Problem]) -> list[Problem]:
    """``problems`` by line and column, those of no line first."""
    return sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def check_file(path: str | os.PathLike[str], extra_node_dirs: list[str] | None = None) -> list[Problem]:
    """Every problem in the patch file at ``path`` (structure first; semantics if the structure is sound)."""
    return check_file_and_plugins(path, extra_node_dirs)[0]


def check_file_and_plugins(
    path: str | os.PathLike[str], extra_node_dirs: list[str] | None = None
) -> tuple[list[Problem], list[PluginProblem]]:
    """:func:`check_file`'s problems, and the plugins that did not load for it (its ``node_dirs``, the extra
    folders, entry points) that no problem names already: a broken plugin the patch does not use let
    ``exsampling check`` say "ok" without a word, and ``run`` then warned of it."""
    return check_file_with_warnings(path, extra_node_dirs)[:2]


def check_file_with_warnings(
    path: str | os.PathLike[str], extra_node_dirs: list[str] | None = None
) -> tuple[list[Problem], list[PluginProblem], list[Problem]]:
    """:func:`check_file_and_plugins`, and what is likely a mistake but loads (``param_checks.patch_warnings``)."""
    with collector_paused():
        parsed = read_patch(path)
        if parsed.problems and not parsed.patch.nodes:
            return in_file_order(parsed.problems), [], []
        registry = Registry.default([*(extra_node_dirs or []), *node_dirs_of(parsed.patch, path)])
        problems = patch_problems(parsed, registry, path)
        warnings = [*([] if problems else no_nodes_warning(parsed)),
                    *patch_warnings(parsed.patch, registry, parsed.source_map)]
    plugins = at_node_dirs_lines(unnamed_plugins(parsed.patch, registry, problems), parsed, path)
    return problems, plugins, warnings


def at_node_dirs_lines(plugins: list[PluginProblem], parsed: ParsedPatch,
                        path: str | os.PathLike[str]) -> list[PluginProblem]:
    """``plugins``, those about a folder of the patch's ``node_dirs`` itself (not there, a file) told at its line:
    "node folder does not exist" named the folder resolved, and a patch of several node_dirs did not say which."""
    lines: dict[str, int | None] = {}
    for index, folder in enumerate(node_dirs_of(parsed.patch, path)):
        line = parsed.source_map.line("node_dirs", index)
        lines.setdefault(str(folder.expanduser().resolve()), line)
    located = []
    for plugin in plugins:
        line = lines.get(plugin.origin)
        if line is None:
            located.append(plugin)
            continue
        error = (plugin.error.replace("node folder", f"node folder {plugin.origin}", 1)
                 if plugin.error.startswith("node folder") else f"{plugin.origin} {plugin.error}")
        located.append(replace(plugin, origin=f"{parsed.source_map.file}:{line}", error=error))
    return located


def _base_dir(patch_file: str | os.PathLike[str]) -> Path:
    """The folder relative paths of a patch are taken from, as the runtime takes them."""
    return Path(patch_file).resolve().parent
