"""Checks a patch against the node registry: types, ports, parameters, links and cycles.

This is the single place that decides whether a patch is sound. The loader reports its problems with
file and line, the runtime refuses a patch that has any, and the editor shows them on the nodes.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import networkx as nx

from exsampling_patch.errors import PatchError, Problem
from exsampling_patch.node import ParamError
from exsampling_patch.patch import Link, Patch, PortRef
from exsampling_patch.patchfile import SourceMap, collector_paused, read_patch
from exsampling_patch.ports import link_problem
from exsampling_patch.registry import Registry


def check_link(patch: Patch, registry: Registry, link: Link, others: list[Link] | None = None) -> str | None:
    """Why ``link`` cannot be added to ``patch`` (or stay in it), or None if it fits.

    ``others`` are the links it must share inputs with (default: every other link of the patch). The
    editor calls this before drawing a link; :func:`check_patch` calls it for every link.
    """
    ends = []
    for ref, kind in ((link.source, "output"), (link.target, "input")):
        spec = patch.nodes.get(ref.node)
        if spec is None:
            close = difflib.get_close_matches(ref.node, list(patch.nodes), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            return f"link {link}: no node with id '{ref.node}'{hint}"
        if spec.type not in registry:
            return None  # the unknown type is reported on the node itself
        ports = registry.get(spec.type).outputs if kind == "output" else registry.get(spec.type).inputs
        if ref.port not in ports:
            close = difflib.get_close_matches(ref.port, list(ports), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; its {kind}s: {', '.join(ports) or 'none'}"
            return f"link {link}: '{ref.node}' ({spec.type}) has no {kind} '{ref.port}'{hint}"
        ends.append(ports[ref.port])
    source, target = ends
    reason = link_problem(source.type, target.type)
    if reason:
        return f"link {link}: {reason}"
    if not target.multiple:
        taken = [ln for ln in (patch.links if others is None else others) if ln.target == link.target and ln != link]
        if taken:
            return f"link {link}: input {link.target} takes one link and already has {taken[0].source}"
    return None


def patch_graph(patch: Patch) -> nx.DiGraph:
    """The patch as a networkx graph of node ids, nodes in file order, one edge per linked pair."""
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
    try:
        edges = nx.find_cycle(patch_graph(patch))
    except nx.NetworkXNoCycle:
        return None
    return [u for u, _ in edges]


def path_problem(value: str, path_kind: str, base_dir: Path) -> str | None:
    """Why the path ``value`` (relative ones from ``base_dir``) cannot work, or None if it may.

    It cannot when it is a file where a folder should be (or the other way round), or when a folder above
    it is a file, so that nothing can be made there. A path that does not exist yet may: nodes make it.
    """
    try:
        path = Path(value).expanduser()
        path = path if path.is_absolute() else base_dir / path
        if path.exists():
            if path_kind == "folder" and not path.is_dir():
                return "is a file, not a folder"
            if path_kind == "file" and path.is_dir():
                return "is a folder, not a file"
            return None
        for parent in path.parents:
            if parent.exists():
                return None if parent.is_dir() else f"cannot be made: {parent} is a file, not a folder"
    except (OSError, ValueError, RuntimeError) as error:
        return f"cannot be used: {error}"
    return None


def check_patch(
    patch: Patch, registry: Registry, source: SourceMap | None = None, base_dir: Path | None = None
) -> list[Problem]:
    """Every problem in ``patch``; lines come from ``source`` when the patch was read from a file.

    With ``base_dir`` (the patch file's folder, from which relative paths are taken) the ``path``
    parameters are also checked on disk: see :func:`path_problem`.
    """
    source = source or SourceMap()
    problems: list[Problem] = []

    for node_id, spec in patch.nodes.items():
        if spec.type not in registry:
            close = registry.closest(spec.type)
            problems.append(Problem(
                f"node '{node_id}': unknown node type '{spec.type}'", source.file, source.node_line(node_id, "type"),
                hint=f"did you mean {', '.join(repr(c) for c in close)}?" if close
                else "`exsampling nodes` lists the known types",
            ))
            continue
        node_type = registry.get(spec.type)
        for name, value in spec.params.items():
            param = node_type.param_specs.get(name)
            if param is None:
                close = difflib.get_close_matches(name, list(node_type.param_specs), n=1)
                problems.append(Problem(
                    f"node '{node_id}': {spec.type} has no parameter '{name}'", source.file,
                    source.node_line(node_id, "params", name),
                    hint=f"did you mean '{close[0]}'?" if close
                    else f"its parameters: {', '.join(node_type.param_specs) or 'none'}",
                ))
                continue
            try:
                param.validate(value)
            except ParamError as error:
                problems.append(Problem(f"node '{node_id}': {error}", source.file,
                                        source.node_line(node_id, "params", name)))
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
            if param.required and spec.params.get(name) is None:
                problems.append(Problem(
                    f"node '{node_id}': required parameter '{name}' is missing", source.file,
                    source.node_line(node_id), hint=f"add '{name}: ...' under params ({param.doc})",
                ))

    first_into: dict[PortRef, Link] = {}
    for link in patch.links:
        # Only a later link into a single input is wrong: the first one holds the input.
        earlier = first_into.setdefault(link.target, link)
        reason = check_link(patch, registry, link, others=[] if earlier is link else [earlier])
        if reason:
            problems.append(Problem(reason, source.file, source.link_line(link)))

    cycle = find_cycle(patch)
    if cycle:
        loop = " -> ".join([*cycle, cycle[0]])
        problems.append(Problem(
            f"the links form a cycle: {loop}", source.file, source.node_line(cycle[0]),
            hint="messages would go round for ever; remove one link of the cycle",
        ))
    return problems


def node_dirs_of(patch: Patch, patch_file: str | os.PathLike[str] | None) -> list[Path]:
    """The patch's ``node_dirs``, relative ones taken from the patch file's folder."""
    base = Path(patch_file).parent if patch_file else Path.cwd()
    return [(base / d).resolve() for d in patch.node_dirs]


def load_patch(
    path: str | os.PathLike[str], registry: Registry | None = None, extra_node_dirs: list[str] | None = None
) -> tuple[Patch, Registry]:
    """Read and check a patch file; raises :class:`PatchError` listing every problem.

    Without a ``registry``, the default one is built with the patch's own ``node_dirs``.
    """
    with collector_paused():
        return _load_patch(path, registry, extra_node_dirs)


def _load_patch(
    path: str | os.PathLike[str], registry: Registry | None, extra_node_dirs: list[str] | None
) -> tuple[Patch, Registry]:
    parsed = read_patch(path)
    if parsed.problems:
        raise PatchError(parsed.problems)
    registry = _registry_for(parsed.patch, path, registry, extra_node_dirs)
    problems = check_patch(parsed.patch, registry, parsed.source_map, _base_dir(path))
    if problems:
        raise PatchError(problems)
    return parsed.patch, registry


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
        problems = [*parsed.problems, *check_patch(parsed.patch, registry, parsed.source_map, _base_dir(path))]
    return parsed.patch, registry, sorted(problems, key=lambda p: (p.line or 0, p.column or 0))


def check_file(path: str | os.PathLike[str], extra_node_dirs: list[str] | None = None) -> list[Problem]:
    """Every problem in the patch file at ``path`` (structure first; semantics if the structure is sound)."""
    with collector_paused():
        return _check_file(path, extra_node_dirs)


def _check_file(path: str | os.PathLike[str], extra_node_dirs: list[str] | None) -> list[Problem]:
    parsed = read_patch(path)
    if parsed.problems and not parsed.patch.nodes:
        return parsed.problems
    registry = Registry.default([*(extra_node_dirs or []), *node_dirs_of(parsed.patch, path)])
    return sorted([*parsed.problems, *check_patch(parsed.patch, registry, parsed.source_map, _base_dir(path))],
                  key=lambda p: (p.line or 0, p.column or 0))


def _base_dir(patch_file: str | os.PathLike[str]) -> Path:
    """The folder relative paths of a patch are taken from, as the runtime takes them."""
    return Path(patch_file).resolve().parent
