"""The editor's clipboard: nodes copied with the links among them, and the new nodes a paste makes of them.

Plain Python (no widgets, no model): :class:`~exsampling_patch.editor.model.EditorModel` keeps a :class:`Clipboard`
and runs what :func:`pasted` returns as one command, so that a paste is one undo step.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from exsampling_patch.editor.rebase import rebased_paths
from exsampling_patch.patch import Link, NodeSpec, Patch, PortRef
from exsampling_patch.registry import Registry

Position = tuple[float, float]


@dataclass
class Clipboard:
    """Copied nodes and the links among them (links to nodes outside the selection are left behind)."""

    specs: list[NodeSpec] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    base: Path | None = None  # the folder their relative paths were taken from (the patch copied from's, if saved)


def copied(patch: Patch, node_ids: Iterable[str], base: Path | None) -> Clipboard:
    """The nodes of ``patch`` named (unknown ids left out, each once) and the links among them; ``base`` is the
    folder their relative paths are taken from, None for a patch with no file yet (meant from where it is saved)."""
    ids = [n for n in dict.fromkeys(node_ids) if n in patch.nodes]
    chosen = set(ids)
    return Clipboard(
        [patch.nodes[n].copy() for n in ids],
        [ln for ln in patch.links if ln.source.node in chosen and ln.target.node in chosen],
        base,
    )


def pasted(clipboard: Clipboard, patch: Patch, registry: Registry, offset: Position,
           here: Path | None) -> tuple[list[NodeSpec], list[Link]]:
    """New nodes for ``patch`` made of the clipboard's (fresh ids, moved by ``offset``) and their inner links.

    ``here`` is the folder of the patch pasted into (None if it has no file yet): relative paths copied from another
    folder are rewritten to name the same files from it (made absolute if it has none).
    """
    renamed: dict[str, str] = {}
    taken = set(patch.nodes)
    specs = []
    for spec in clipboard.specs:
        # Only a copy's own "_N" goes: digits of the id itself stayed behind, so that "tr808" pasted as "tr", and
        # "mic 2" as "mic ", an id the loader refuses (it may not end with a space).
        base = re.sub(r"_\d+$", "", spec.id) or spec.type
        new_id, n = base, 2
        while new_id in taken:
            new_id, n = f"{base}_{n}", n + 1
        taken.add(new_id)
        renamed[spec.id] = new_id
        pos = spec.position
        specs.append(NodeSpec(new_id, spec.type, copy.deepcopy(spec.params),
                              (round(pos[0] + offset[0]), round(pos[1] + offset[1])) if pos else None))
    links = [Link(PortRef(renamed[ln.source.node], ln.source.port),
                  PortRef(renamed[ln.target.node], ln.target.port)) for ln in clipboard.links]
    if clipboard.base is not None and clipboard.base != here:
        pasting = Patch(nodes={spec.id: spec for spec in specs})
        for (node_id, name), value in rebased_paths(pasting, registry, clipboard.base, here).items():
            pasting.nodes[node_id].params[name] = value
    return specs, links
