"""The node palette: registered node types grouped by family, filtered by a search text."""

from __future__ import annotations

from dataclasses import dataclass

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


def grouped(entries: list[PaletteEntry], search: str = "") -> dict[str, list[PaletteEntry]]:
    """Entries that match every word of ``search`` (in name, family or doc), by family in flow order."""
    words = search.lower().split()
    groups: dict[str, list[PaletteEntry]] = {}
    for entry in sorted(entries, key=lambda e: (family_rank(e.family), e.type_name)):
        if entry.matches(words):
            groups.setdefault(entry.family, []).append(entry)
    return groups
