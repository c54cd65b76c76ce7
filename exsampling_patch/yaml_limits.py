"""YAML read within limits: the composed document turned into Python values, refused past a size or a depth.

A patch file is read by PyYAML's safe loader on libyaml's parser; an alias bomb or a thousand-deep nesting is
refused here, at its line, before the editor, a copy or the YAML writer expand or recurse through it. What the
values mean as a patch is :mod:`exsampling_patch.patchfile`'s business.
"""

from __future__ import annotations

from typing import Any

import yaml


class PatchLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader on libyaml's parser (several times faster than PyYAML's own, same line marks).

    It also notes whether any mapping repeats a key (PyYAML keeps the last silently), so that the loader
    can report it with its line.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = [key.value for key, _ in node.value if isinstance(key, yaml.ScalarNode)]
        if len(set(keys)) != len(keys):
            self.has_duplicate_keys = True
        return super().construct_mapping(node, deep=deep)

    has_duplicate_keys = False


STR_TAG = "tag:yaml.org,2002:str"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MAP_TAG = "tag:yaml.org,2002:map"
_MERGE_TAG = "tag:yaml.org,2002:merge"
#: Scalars built by their constructor straight away (the others go through PyYAML's own construction).
_SCALAR_TAGS = frozenset(f"tag:yaml.org,2002:{t}" for t in ("int", "float", "bool", "null", "timestamp", "binary"))
#: Elements (scalars, lists, mappings) in a patch, aliases counted as often as they are used: about 100,000
#: nodes. Far beyond any real patch; stops alias bombs before the editor or a copy expands them.
MAX_ELEMENTS = 2_000_000
#: How deep lists and mappings may nest. A patch needs 6 or so; Python's copy, the YAML writer and the editor
#: recurse along the nesting, and run out of stack long before libyaml's own limit (1,000).
MAX_DEPTH = 64


_DEPTH_HINT = "a patch needs a few levels: nodes, their params, a table or list in a parameter"


class LimitError(Exception):
    """The composed YAML passes a limit; ``mark`` is where."""

    def __init__(self, message: str, mark: yaml.Mark, hint: str = "") -> None:
        super().__init__(message)
        self.mark = mark
        self.hint = hint


def construct_within_limits(loader: PatchLoader, root: yaml.Node) -> Any:
    """The Python value of the composed ``root``, as PyYAML's safe loader builds it, within the limits.

    Raises :class:`LimitError` at the first element nested deeper than :data:`MAX_DEPTH`, past
    :data:`MAX_ELEMENTS` or held by an alias inside itself. Plain lists, mappings and scalars are built here,
    a third of the time PyYAML's general construction takes; other tags and merge keys (``<<``) are left to
    PyYAML once their subtree is known to be within the limits. Repeated keys set ``has_duplicate_keys``.
    """
    constructors = loader.yaml_constructors
    # Containers by id: (value, elements below it, height); an alias reuses the value, as PyYAML does.
    built: dict[int, tuple[Any, int, int]] = {}
    active: set[int] = set()
    count = 0

    def build(node: yaml.Node, depth: int, parent: yaml.Node) -> tuple[Any, int]:
        """(value, height) of ``node`` at ``depth`` in ``parent``; adds its elements to ``count``."""
        nonlocal count
        tag = node.tag
        if node.__class__ is yaml.ScalarNode:
            if tag == STR_TAG:
                return node.value, 1
            if tag in _SCALAR_TAGS:
                return constructors[tag](loader, node), 1
            return loader.construct_object(node, deep=True), 1
        key = id(node)
        done = built.get(key)
        if done is not None:  # an alias (located by its parent): counted and checked as if written out
            count += done[1]
            if count > MAX_ELEMENTS:
                raise LimitError(f"the patch has more than {MAX_ELEMENTS:,} elements", parent.start_mark,
                                  hint="aliases expand here: write out what they repeat")
            if depth + done[2] - 1 > MAX_DEPTH:
                raise LimitError(f"lists and mappings nest more than {MAX_DEPTH} deep here", parent.start_mark,
                                  hint=_DEPTH_HINT)
            return done[0], done[2]
        if depth > MAX_DEPTH:
            raise LimitError(f"lists and mappings nest more than {MAX_DEPTH} deep here", node.start_mark,
                              hint=_DEPTH_HINT)
        if key in active:
            raise LimitError("an alias refers to the element that holds it", parent.start_mark,
                              hint="it would hold itself for ever; write the value out")
        active.add(key)
        before = count
        items = node.value
        count += len(items) * 2 if node.__class__ is yaml.MappingNode else len(items)
        if count > MAX_ELEMENTS:
            raise LimitError(f"the patch has more than {MAX_ELEMENTS:,} elements", node.start_mark,
                              hint="split it into smaller patches")
        height = 0
        value: Any
        if node.__class__ is yaml.SequenceNode:
            value = []
            for item in items:
                child, child_height = build(item, depth + 1, node)
                value.append(child)
                height = max(height, child_height)
            if tag != _SEQ_TAG:
                value = loader.construct_object(node, deep=True)
        else:
            value = {}
            plain = tag == _MAP_TAG
            for key_node, value_node in items:
                if key_node.__class__ is not yaml.ScalarNode:
                    raise LimitError("keys must be plain text", key_node.start_mark,
                                      hint="a list or a mapping cannot name a key")
                child, child_height = build(value_node, depth + 1, node)
                height = max(height, child_height)
                if key_node.tag == _MERGE_TAG:
                    plain = False  # PyYAML merges; the values were built above only to check the limits
                    continue
                name, _ = build(key_node, depth + 1, node)
                value[name] = child
            if plain and len(value) != len(items):
                loader.has_duplicate_keys = True
            if not plain:
                value = loader.construct_object(node, deep=True)
        active.discard(key)
        built[key] = (value, count - before, height + 1)
        return value, height + 1

    count = 1
    return build(root, 1, root)[0]
