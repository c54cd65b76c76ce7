"""Compiling a patch into an immutable plan: checked, topologically ordered, with routes by port."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from exsampling_patch.errors import PatchError, Problem
from exsampling_patch.node import Node
from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry
from exsampling_patch.validate import check_patch, topological_order

Route = tuple[str, str]  # (node id, port)


@dataclass(frozen=True)
class Plan:
    """What the engine runs: node types and parameters, an order, and where each output goes."""

    version: int
    order: tuple[str, ...]
    node_types: Mapping[str, type[Node]]
    params: Mapping[str, Mapping[str, Any]]
    routes: Mapping[Route, tuple[Route, ...]]
    inbound: frozenset[Route] = frozenset()  # every (node, input) at least one link reaches

    def sources(self) -> tuple[str, ...]:
        """Nodes without inputs, in order: they produce messages from their own threads."""
        return tuple(n for n in self.order if not self.node_types[n].inputs)


def compile_plan(patch: Patch, registry: Registry, version: int = 0, *, checked: bool = False) -> Plan:
    """Check ``patch`` and compile it; raises :class:`PatchError` if it has any problem.

    ``checked=True`` skips the check for a patch that :func:`~exsampling_patch.validate.load_patch` has just
    checked and nothing has changed since.
    """
    problems = [] if checked else check_patch(patch, registry)
    if problems:
        raise PatchError(problems)
    # Generation by generation, in file order: the same patch always gets the same order.
    order = topological_order(patch)
    if order is None:
        raise PatchError([Problem("the links form a cycle", hint="`.venv/bin/exsampling check` names its nodes")])
    routes: dict[Route, list[Route]] = {}
    for link in patch.links:
        routes.setdefault((link.source.node, link.source.port), []).append((link.target.node, link.target.port))
    return Plan(
        version=version,
        order=tuple(order),
        node_types=MappingProxyType({n: registry.get(s.type) for n, s in patch.nodes.items()}),
        params=MappingProxyType({n: MappingProxyType(dict(s.params)) for n, s in patch.nodes.items()}),
        routes=MappingProxyType({k: tuple(v) for k, v in routes.items()}),
        inbound=frozenset(target for targets in routes.values() for target in targets),
    )
