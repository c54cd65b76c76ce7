"""A node's parameter values as a patch gives them, in effect: the one reading that ``check``'s passes share."""

from __future__ import annotations

from typing import Any

from exsampling_patch.node import ParamError
from exsampling_patch.patch import Patch
from exsampling_patch.registry import Registry


def value_in_effect(patch: Patch, registry: Registry, node_id: str, name: str) -> Any:
    """The value of ``node_id``'s parameter ``name`` in effect (its default where not given; a merged table as
    merged), or None where the value given is refused (that is told on the parameter itself)."""
    spec = patch.nodes[node_id]
    param = registry.get(spec.type).param_specs.get(name)
    value = spec.params.get(name, param.default if param is not None else None)
    if param is not None:
        try:
            value = param.validate(value)
        except ParamError:
            return None  # reported on the parameter itself
        if param.merge:  # a table that lists changes to its base (the default, or empty): the table in effect
            base = {param.base: value_in_effect(patch, registry, node_id, param.base)} if param.base else {}
            return param.in_effect(value if name in spec.params else None, base)
    return value
