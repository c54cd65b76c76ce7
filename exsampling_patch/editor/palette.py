"""The node palette: registered node types grouped by family, filtered by a search text."""

from __future__ import annotations

from dataclasses import dataclass

from exsampling_patch.patch import Link, Patch
from exsampling_patch.ports import ANY, PortType, link_problem
from exsampling_patch.registry import Registry

#: Families in the order data flows; others follow alphabetically.
FAMILY_ORDER = ("sources", "storage", "processing", "classify", "routing", "outputs", "utility")


@dataclass(frozen=True)
class PaletteEntry:
    type_name: str
    family: str
    doc: str
    ports: str  # "in: take (take) | out: written (take)", for the tooltip

    def matches(self, words: list[str]) -> bool:
        text = f"{self.type_name} {self.family} {self.doc}".lower()
        return all(word in text for word in words)


def palette_entries(registry: Registry) -> list[PaletteEntry]:
    entries = []
    for node_type in registry:
        ins = ", ".join(f"{n} ({p.type})" for n, p in node_type.inputs.items()) or "none"
        outs = ", ".join(f"{n} ({p.type})" for n, p in node_type.outputs.items()) or "none"
        entries.append(PaletteEntry(node_type.type_name, node_type.family, node_type.doc(),
                                    f"in: {ins} | out: {outs}"))
    return entries


def family_rank(family: str) -> tuple[int, str]:
    return (FAMILY_ORDER.index(family) if family in FAMILY_ORDER else len(FAMILY_ORDER), family)


def name_rank(entry: PaletteEntry, words: list[str]) -> int:
    """0 where ``words`` are the type's name ("slot map", "slot_map"), 1 where its name holds every one, else 2."""
    name = entry.type_name.lower()
    if not words or "_".join(words) == name:
        return 0
    return 1 if all(word in name for word in words) else 2


def grouped(entries: list[PaletteEntry], search: str = "") -> dict[str, list[PaletteEntry]]:
    """Entries that match every word of ``search`` (in name, family or doc), by family in flow order; the types
    whose name is or holds the search first, with their family (Enter adds the first listed: "sampler" typed added a
    pattern, a processing node whose doc names the sampler)."""
    words = search.lower().split()
    groups: dict[str, list[PaletteEntry]] = {}
    for entry in sorted(entries, key=lambda e: (name_rank(e, words), family_rank(e.family), e.type_name)):
        if entry.matches(words):
            groups.setdefault(entry.family, []).append(entry)
    return groups


def bridges(registry: Registry, source: PortType, target: PortType) -> list[str]:
    """Node types that turn a ``source`` message into a ``target`` one: their first input (what they work on) takes
    the one type, their first output sends the other (a sampler's side input of takes to come and its output of
    slots loaded is no such turn); pass-throughs of ``any`` left out. What goes between two ports that do not fit."""
    if ANY in (source, target):
        return []
    return sorted(t.type_name for t in registry
                  if [p.type for p in t.inputs.values()][:1] == [source]
                  and [p.type for p in t.outputs.values()][:1] == [target])


def bridge_hint(patch: Patch, registry: Registry, link: Link) -> str:
    """For a link refused because its ports' types differ, what to put between them ("; put a slot_map between
    them"); else "". A composer told only that a prediction cannot feed a slot input is left to guess which node
    type turns one into the other."""
    source_node, target_node = patch.nodes.get(link.source.node), patch.nodes.get(link.target.node)
    if source_node is None or target_node is None or not {source_node.type, target_node.type} <= set(registry.types):
        return ""
    source = registry.get(source_node.type).outputs.get(link.source.port)
    target = registry.get(target_node.type).inputs.get(link.target.port)
    if source is None or target is None or link_problem(source.type, target.type) is None:
        return ""
    names = bridges(registry, source.type, target.type)
    return f"; put {' or '.join(f'a {n}' for n in names)} between them" if names else ""
