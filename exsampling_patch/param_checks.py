"""What a node type's own checks find in the parameters in effect of a node: problems
(:meth:`~exsampling_patch.node.Node.check_params`) and warnings (:meth:`~exsampling_patch.node.Node.check_warnings`),
each on the line of the value it names; and every warning ``exsampling check`` gives of a patch
(:func:`patch_warnings`).

Apart from ``validate.py`` so that it stays short; ``validate.check_patch`` calls :func:`node_type_problems`.
"""

from __future__ import annotations

from collections.abc import Mapping

from exsampling_patch.errors import Problem
from exsampling_patch.flow_checks import bypass_warnings, clock_warnings, switched_warnings, unfed_warnings
from exsampling_patch.label_checks import (
    gate_calibration_warnings,
    gate_table_warnings,
    label_warnings,
    same_label_warnings,
    span_warnings,
)
from exsampling_patch.live_track_checks import renamed_track_warnings
from exsampling_patch.node import a_kind
from exsampling_patch.node_checks import hook_where
from exsampling_patch.note_checks import slot_order_warnings
from exsampling_patch.param_values import value_in_effect
from exsampling_patch.patch import Patch
from exsampling_patch.patchfile import SourceMap
from exsampling_patch.registry import Registry


def node_type_problems(patch: Patch, registry: Registry, source: SourceMap, node_id: str) -> list[Problem]:
    """What the node type's :meth:`~exsampling_patch.node.Node.check_params` finds in the parameters in effect,
    each on the line of the value it names (the node's line for a default)."""
    return _found(patch, registry, source, node_id, "check_params")


def node_type_warnings(patch: Patch, registry: Registry, source: SourceMap, node_id: str) -> list[Problem]:
    """What the node type's :meth:`~exsampling_patch.node.Node.check_warnings` finds, located as
    :func:`node_type_problems` locates problems."""
    return _found(patch, registry, source, node_id, "check_warnings")


def patch_warnings(patch: Patch, registry: Registry, source: SourceMap) -> list[Problem]:
    """What is likely a mistake in ``patch`` but runs: a pattern's slots out of its sampler's order
    (:func:`~exsampling_patch.note_checks.slot_order_warnings`), a model's labels its slot map has no slot for and
    table rows no model label meets (:func:`~exsampling_patch.label_checks.label_warnings`), two rows of a table for
    one label spelt differently (:func:`~exsampling_patch.label_checks.same_label_warnings`), a gate judging slots by
    another table than its slot map's (:func:`~exsampling_patch.label_checks.gate_table_warnings`) or with its model's
    calibrated threshold by another table than the calibration's
    (:func:`~exsampling_patch.label_checks.gate_calibration_warnings`), a classifier scoring another span than its
    model was trained on (:func:`~exsampling_patch.label_checks.span_warnings`), an input a node
    needs that gets nothing (:func:`~exsampling_patch.flow_checks.unfed_warnings`), an input a switch parameter makes
    a node go by that gets nothing (:func:`~exsampling_patch.flow_checks.switched_warnings`), a ``clock`` naming no
    pattern node (:func:`~exsampling_patch.flow_checks.clock_warnings`), an input fed both what a gate passed and
    what it rejected (:func:`~exsampling_patch.flow_checks.bypass_warnings`), an ``ableton_osc`` renaming the tracks an
    ``ableton_live`` finds by name (:func:`~exsampling_patch.live_track_checks.renamed_track_warnings`) and what each
    node type warns of, in line order.
    ``check`` prints them, ``run`` at start-up and the editor's problems panel list them."""
    warnings = (slot_order_warnings(patch, registry, source) + label_warnings(patch, registry, source)
                + same_label_warnings(patch, registry, source)
                + gate_table_warnings(patch, registry, source) + gate_calibration_warnings(patch, registry, source)
                + span_warnings(patch, registry, source)
                + unfed_warnings(patch, registry, source)
                + switched_warnings(patch, registry, source) + clock_warnings(patch, registry, source)
                + bypass_warnings(patch, registry, source) + renamed_track_warnings(patch, registry, source))
    for node_id, spec in patch.nodes.items():
        if spec.type in registry:
            warnings += node_type_warnings(patch, registry, source, node_id)
    return sorted(warnings, key=lambda p: (p.line or 0, p.column or 0))


def _found(patch: Patch, registry: Registry, source: SourceMap, node_id: str, hook: str) -> list[Problem]:
    spec = patch.nodes[node_id]
    node_type = registry.get(spec.type)
    params = {name: value_in_effect(patch, registry, node_id, name) for name in node_type.param_specs}
    for name, param in node_type.param_specs.items():
        if params[name] is None and spec.params.get(name) is not None:
            # Its value is refused (and told on its line): the check sees the default, not a None it never
            # expects ("check_params raised TypeError" on top of the real problem).
            params[name] = param.in_effect(None) if param.merge else param.default
    method = getattr(node_type, hook)
    try:
        found = method(params)
    except Exception as error:  # a plugin's own check must not stop the others
        return [Problem(f"node '{node_id}': {spec.type}.{hook} raised {type(error).__name__}: {error}"
                        + hook_where(method, error), source.file, source.node_line(node_id))]
    if found is None:  # a check that fell off its end (no `return {}`) found nothing
        return []
    if not isinstance(found, Mapping):  # its .items() ended check, run and the editor in a traceback
        return [Problem(f"node '{node_id}': {spec.type}.{hook} returned {a_kind(found)}, not a dict of "
                        "{parameter: problem}" + hook_where(method), source.file, source.node_line(node_id))]
    problems = []
    for key, message in found.items():
        # A bare name ({"formula": ...}) is read as (name,): as a tuple it gave the parameter 'f', on the node's line.
        path = (key,) if isinstance(key, str) else tuple(key) if isinstance(key, tuple) and key else (str(key),)
        line = None
        for depth in range(len(path), 0, -1) if path[0] in spec.params else ():  # the deepest line the file has
            line = source.node_line(node_id, "params", *path[:depth])
            if line is not None:
                break
        problems.append(Problem(f"node '{node_id}': parameter '{path[0]}': {message}", source.file,
                                line if line is not None else source.node_line(node_id)))
    return problems

