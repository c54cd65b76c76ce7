"""Undo and redo: every edit of the patch is a :class:`Command` that knows how to apply and revert itself.

Commands change an :class:`Editable` (the protocol below; :class:`exsampling_patch.editor.model.EditorModel`
is the one) through its primitive operations only: this module does not import the model, which imports it.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from exsampling_patch.patch import Link, NodeSpec, Patch


class Editable(Protocol):
    """What commands need of the editor model: its patch and its primitive operations."""

    patch: Patch

    def _insert_node(self, spec: NodeSpec, index: int | None = None) -> None: ...
    def _delete_node(self, node_id: str) -> None: ...
    def _set_position(self, node_id: str, position: tuple[float, float] | None) -> None: ...
    def _insert_link(self, link: Link, index: int | None = None) -> None: ...
    def _delete_link(self, link: Link) -> None: ...
    def _set_type(self, node_id: str, type_name: str) -> None: ...
    def _rename_node(self, old: str, new: str) -> None: ...
    def _set_info(self, field_name: str, value: str) -> None: ...
    def _set_param(self, node_id: str, name: str, value: Any) -> None: ...

class _Unset:
    """A parameter that is not set in the patch; copies are the same object, so ``is UNSET`` holds."""

    def __repr__(self) -> str:
        return "UNSET"

    def __copy__(self) -> _Unset:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unset:
        return self


#: Marks a parameter that is not set in the patch (the node type's default applies).
UNSET: Any = _Unset()


#: Rewrites one parameter value held by a command: ``(node type, parameter name, value) -> value``.
ParamMap = Callable[[str, str, Any], Any]


def _map_spec(spec: NodeSpec, fn: ParamMap) -> None:
    for name, value in spec.params.items():
        spec.params[name] = fn(spec.type, name, value)


class Command:
    """One undoable edit. ``apply`` and ``revert`` change the model only through its primitive operations."""

    label = "edit"

    def map_params(self, fn: ParamMap) -> None:
        """Rewrite the parameter values this command holds (what it sets and what it puts back) through ``fn``
        (a *Save as* into another folder rebases relative paths, in the history too)."""

    def apply(self, model: Editable) -> None:
        raise NotImplementedError

    def revert(self, model: Editable) -> None:
        raise NotImplementedError


@dataclass
class AddNodes(Command):
    """Add nodes and the links among them (add one node, paste, duplicate)."""

    specs: list[NodeSpec]
    links: list[Link] = field(default_factory=list)
    label: str = "add node"

    def apply(self, model: Editable) -> None:
        for spec in self.specs:
            model._insert_node(spec.copy())
        for link in self.links:
            model._insert_link(link)

    def revert(self, model: Editable) -> None:
        for link in reversed(self.links):
            model._delete_link(link)
        for spec in reversed(self.specs):
            model._delete_node(spec.id)

    def map_params(self, fn: ParamMap) -> None:
        for spec in self.specs:
            _map_spec(spec, fn)


@dataclass
class RemoveNodes(Command):
    """Remove nodes with every link that touches them; undo puts them back where they were in the file."""

    node_ids: list[str]
    label: str = "delete"
    _saved: list[tuple[int, NodeSpec]] = field(default_factory=list)
    _links: list[tuple[int, Link]] = field(default_factory=list)

    def apply(self, model: Editable) -> None:
        patch = model.patch
        ids = set(self.node_ids)
        order = list(patch.nodes)
        self._saved = [(order.index(n), patch.nodes[n].copy()) for n in self.node_ids]
        self._links = [(i, ln) for i, ln in enumerate(patch.links) if ln.source.node in ids or ln.target.node in ids]
        for _, link in reversed(self._links):
            model._delete_link(link)
        for node_id in self.node_ids:
            model._delete_node(node_id)

    def revert(self, model: Editable) -> None:
        for index, spec in sorted(self._saved, key=lambda s: s[0]):
            model._insert_node(spec.copy(), index)
        for index, link in self._links:
            model._insert_link(link, index)

    def map_params(self, fn: ParamMap) -> None:
        for _, spec in self._saved:
            _map_spec(spec, fn)


@dataclass
class MoveNodes(Command):
    """Move nodes: ``moves`` maps node id to (old position, new position)."""

    moves: dict[str, tuple[tuple[float, float] | None, tuple[float, float]]]
    label: str = "move"

    def apply(self, model: Editable) -> None:
        for node_id, (_, new) in self.moves.items():
            model._set_position(node_id, new)

    def revert(self, model: Editable) -> None:
        for node_id, (old, _) in self.moves.items():
            model._set_position(node_id, old)


@dataclass
class AddLink(Command):
    link: Link
    label: str = ""

    def __post_init__(self) -> None:
        # Named: a link refused, then Ctrl+Z to be rid of it, undid the last link made, and "undid link" hid which.
        self.label = self.label or f"link {self.link}"

    def apply(self, model: Editable) -> None:
        model._insert_link(self.link)

    def revert(self, model: Editable) -> None:
        model._delete_link(self.link)


@dataclass
class RemoveLinks(Command):
    links: list[Link]
    label: str = ""
    _indices: list[tuple[int, Link]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.label = self.label or (f"unlink {self.links[0]}" if len(self.links) == 1
                                    else f"unlink {len(self.links)} links")

    def apply(self, model: Editable) -> None:
        self._indices = sorted((model.patch.links.index(ln), ln) for ln in self.links)
        for _, link in reversed(self._indices):
            model._delete_link(link)

    def revert(self, model: Editable) -> None:
        for index, link in self._indices:
            model._insert_link(link, index)


@dataclass
class SetParam(Command):
    """Set (or with :data:`UNSET`, clear) one parameter of one node."""

    node_id: str
    name: str
    old: Any
    new: Any
    label: str = "change parameter"
    node_type: str = ""  # the node's type when it was set (which parameters are paths)

    def apply(self, model: Editable) -> None:
        model._set_param(self.node_id, self.name, copy.deepcopy(self.new))

    def revert(self, model: Editable) -> None:
        model._set_param(self.node_id, self.name, copy.deepcopy(self.old))

    def map_params(self, fn: ParamMap) -> None:
        self.old, self.new = (v if v is UNSET else fn(self.node_type, self.name, v) for v in (self.old, self.new))


@dataclass
class SetType(Command):
    """Change a node's type (a placeholder of an unknown type made a known one): id, parameters, position and
    links stay."""

    node_id: str
    old: str
    new: str
    label: str = "change type"

    def apply(self, model: Editable) -> None:
        model._set_type(self.node_id, self.new)

    def revert(self, model: Editable) -> None:
        model._set_type(self.node_id, self.old)


@dataclass
class RenameNode(Command):
    """Give a node another id; its links, and the problems and refusals about it, follow."""

    old: str
    new: str
    label: str = "rename node"

    def apply(self, model: Editable) -> None:
        model._rename_node(self.old, self.new)

    def revert(self, model: Editable) -> None:
        model._rename_node(self.new, self.old)


@dataclass
class SetInfo(Command):
    """Change the patch's name or description (``field`` is ``"name"`` or ``"description"``)."""

    field: str
    old: str
    new: str
    label: str = "change the patch's name"

    def apply(self, model: Editable) -> None:
        model._set_info(self.field, self.new)

    def revert(self, model: Editable) -> None:
        model._set_info(self.field, self.old)


@dataclass
class Together(Command):
    """Several commands done and undone as one step (Delete of selected links and nodes at once)."""

    commands: list[Command]
    label: str = "edit"

    def apply(self, model: Editable) -> None:
        for command in self.commands:
            command.apply(model)

    def revert(self, model: Editable) -> None:
        for command in reversed(self.commands):
            command.revert(model)

    def map_params(self, fn: ParamMap) -> None:
        for command in self.commands:
            command.map_params(fn)


class History:
    """The undo and redo stacks. ``revision`` identifies the current state (for the unsaved-changes mark)."""

    def __init__(self, limit: int = 500) -> None:
        self.limit = limit
        self._done: list[tuple[int, Command]] = []
        self._undone: list[tuple[int, Command]] = []
        self._serial = 0

    @property
    def revision(self) -> int:
        """The serial of the last applied command (0 when nothing is applied)."""
        return self._done[-1][0] if self._done else 0

    def push(self, command: Command, model: Editable) -> None:
        command.apply(model)
        self._serial += 1
        self._done.append((self._serial, command))
        del self._done[: -self.limit]
        self._undone.clear()

    def undo(self, model: Editable) -> Command | None:
        if not self._done:
            return None
        entry = self._done.pop()
        entry[1].revert(model)
        self._undone.append(entry)
        return entry[1]

    def redo(self, model: Editable) -> Command | None:
        if not self._undone:
            return None
        entry = self._undone.pop()
        entry[1].apply(model)
        self._done.append(entry)
        return entry[1]

    def commands(self) -> Iterator[Command]:
        """Every command held, done and undone."""
        for _, command in [*self._done, *self._undone]:
            yield command

    def can_undo(self) -> bool:
        return bool(self._done)

    def can_redo(self) -> bool:
        return bool(self._undone)

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
