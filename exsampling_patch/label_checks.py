"""A warning of ``exsampling check`` (and of ``run`` at its start): a classifier's own model (``exsampling train``)
with labels that the slot map it feeds has no slot for, and no fallback.

``exsampling train`` names such labels before it trains, but the patch is written later: check said "ok", and
each take heard as one of them went to the map's 'unmapped' output, in no slot, told only take by take. A
warning, not a problem: a label left out of the table on purpose (a "noise" class that should load nothing) is
a patch that runs as meant.
"""

from __future__ import annotations

import functools
from pathlib import Path

from exsampling_patch.context import patch_path
from exsampling_patch.errors import Problem
from exsampling_patch.patch import Patch
from exsampling_patch.patchfile import SourceMap
from exsampling_patch.ports import PREDICTION
from exsampling_patch.registry import Registry


def unmapped_label_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """Per classifier with a ``model`` of its own, the slot maps its predictions reach (through a gate) whose table
    has no slot for some of the model's labels and that have no ``fallback``; on the ``model`` line."""
    warnings: list[Problem] = []
    # A patch not read from a file (the editor's SourceMap()) has no folder to take a relative model path from.
    base_dir = Path(source.file).resolve().parent if Path(source.file).is_file() else None
    for node_id, spec in patch.nodes.items():
        model = spec.params.get("model")
        if spec.type != "classifier" or not isinstance(model, str) or not model:
            continue
        if base_dir is None and not Path(model).expanduser().is_absolute():
            continue
        labels = _labels_of(patch_path(model, base_dir or Path.cwd()))
        if not labels:
            continue  # not there, or no model file: read_path_problems tells it
        for map_id in _maps_fed(patch, registry, node_id):
            missing = _without_slot(patch, registry, map_id, labels)
            if not missing:
                continue
            named = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
            warnings.append(Problem(
                f"node '{node_id}': {len(missing)} of the {len(labels)} labels of its model have no slot in the "
                f"table of '{map_id}', which has no fallback: {named}",
                source.file, source.node_line(node_id, "params", "model") or source.node_line(node_id),
                hint=f"takes heard as them go to its 'unmapped' output, in no slot: give them rows in its table "
                f"({missing[0]}: Snare, ...) or set its fallback",
            ))
    return warnings


def _maps_fed(patch: Patch, registry: Registry, node_id: str) -> list[str]:
    """The slot maps whose 'prediction' input ``node_id``'s predictions reach, along prediction links (a gate's
    'passed'; its 'rejected' goes to a map's 'rejected', which picks no slot)."""
    seen, todo, maps = {node_id}, [node_id], []
    while todo:
        at = todo.pop()
        for link in patch.links:
            target = patch.nodes.get(link.target.node)
            source = patch.nodes.get(link.source.node)
            if link.source.node != at or target is None or source is None or source.type not in registry:
                continue
            port = registry.get(source.type).outputs.get(link.source.port)
            if port is None or port.type != PREDICTION:
                continue
            if target.type == "slot_map":
                if link.target.port == "prediction" and link.target.node not in maps:
                    maps.append(link.target.node)
            elif link.target.node not in seen:
                seen.add(link.target.node)
                todo.append(link.target.node)
    return maps


def _without_slot(patch: Patch, registry: Registry, map_id: str, labels: list[str]) -> list[str]:
    """``labels`` that ``map_id``'s table in effect sends nowhere, as the map itself looks them up; none where it
    has a fallback, or where it cannot be built (its parameters' problems are told on them)."""
    spec = patch.nodes[map_id]
    if spec.type not in registry:
        return []
    try:
        node = registry.get(spec.type)(map_id, spec.params)
    except Exception:
        return []
    slot_for = getattr(node, "slot_for", None)
    if getattr(node, "fallback", "") or slot_for is None:
        return []
    return [label for label in labels if slot_for(label) is None]


def _labels_of(path: Path) -> list[str]:
    try:
        stat = path.stat()
    except OSError:
        return []
    return list(_header_labels(str(path), stat.st_mtime_ns, stat.st_size))


@functools.lru_cache(maxsize=32)
def _header_labels(path: str, mtime_ns: int, size: int) -> tuple[str, ...]:
    # Cached by the file's time and size: the editor checks its patch after every edit. The header is read
    # without torch (the check never loads the network).
    from exsampling_patch.models.model_header import MODEL_FORMAT, MODEL_VERSION, ModelFileError, read_header

    try:
        blob = read_header(Path(path), "model", MODEL_FORMAT, MODEL_VERSION) if Path(path).is_file() else None
    except ModelFileError:
        return ()
    labels = blob.get("labels") if blob is not None else None
    return tuple(str(label) for label in labels) if isinstance(labels, list) else ()
