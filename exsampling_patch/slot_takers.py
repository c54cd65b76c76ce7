"""The nodes that take ``slot`` messages (a sampler, an ableton_osc) and their slots, as a patch names them: which
of them a node's slots reach, and what each calls its slots. Read by ``exsampling check`` (a slot that the node fed
does not have, :mod:`.validate`; the slots a label could be given, :mod:`.label_checks`) and by the editor."""

from __future__ import annotations

from exsampling_patch.param_values import value_in_effect
from exsampling_patch.patch import Link, Patch
from exsampling_patch.ports import PREDICTION, SLOT
from exsampling_patch.registry import Registry

#: The slots a node that takes ``slot`` messages has, by node type: the parameter that names them.
SLOT_TAKERS: dict[str, str] = {"sampler": "slot_names", "ableton_osc": "slots"}


def slots_of(patch: Patch, registry: Registry, node_id: str) -> list[str] | None:
    """The slot names of a node that takes slot messages (a sampler, an ableton_osc), or None for others."""
    spec = patch.nodes[node_id]
    name = SLOT_TAKERS.get(spec.type)
    if name is None or spec.type not in registry:
        return None
    value = value_in_effect(patch, registry, node_id, name)
    given = [n.strip() for n in (value.split(",") if isinstance(value, str) else value or []) if str(n).strip()]
    names = [str(n) for n in given]
    if spec.type == "sampler":  # as the sampler names them: those given, then Slot<N> up to its count
        count = value_in_effect(patch, registry, node_id, "slots")
        count = count if isinstance(count, int) else len(names)
        names = names[:count] + [f"Slot{i + 1}" for i in range(len(names), count)]
    return names


def default_slots(registry: Registry) -> list[str]:
    """The slots a sampler has where a patch names none: its ``slot_names`` default (none without a sampler type)."""
    if "sampler" not in registry:
        return []
    param = registry.get("sampler").param_specs.get(SLOT_TAKERS["sampler"])
    return [str(name) for name in param.default] if param is not None and isinstance(param.default, list) else []


def slot_takers_fed(patch: Patch, registry: Registry, node_id: str) -> list[str]:
    """The slot-taking nodes that slot names sent by ``node_id`` reach: along its slot and prediction links
    (a gate's fallback slot goes through the slot map), through any nodes that pass them on."""
    out: dict[str, list[Link]] = {}
    for link in patch.links:
        out.setdefault(link.source.node, []).append(link)
    seen, todo, fed = {node_id}, [node_id], []
    while todo:
        for link in out.get(todo.pop(), []):
            source, target = patch.nodes.get(link.source.node), patch.nodes.get(link.target.node)
            if source is None or target is None or source.type not in registry or target.type not in registry:
                continue
            port = registry.get(source.type).outputs.get(link.source.port)
            into = registry.get(target.type).inputs.get(link.target.port)
            if port is None or into is None or port.type not in (SLOT, PREDICTION):
                continue
            if into.type == SLOT and target.type in SLOT_TAKERS and link.target.node not in fed:
                fed.append(link.target.node)
            if link.target.node not in seen:
                seen.add(link.target.node)
                todo.append(link.target.node)
    return fed
