"""The editor model: a patch being edited, its file (:mod:`.open_save`), its undo history, the clipboard and link
refusals.

The model is the editor's controller without widgets: the Dear PyGui views call its methods and redraw
what its change notifications name. Every change of the patch goes through a command
(:mod:`exsampling_patch.editor.history`), so every edit can be undone and redone.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from exsampling_patch.editor.clipboard import Clipboard, Position, copied, pasted
from exsampling_patch.editor.history import (
    UNSET,
    AddLink,
    AddNodes,
    Command,
    History,
    MoveNodes,
    RemoveLinks,
    RemoveNodes,
    RenameNode,
    SetInfo,
    SetParam,
    SetType,
)
from exsampling_patch.editor.open_save import OpenSave
from exsampling_patch.editor.palette import bridge_hint
from exsampling_patch.editor.problem_words import problem_text
from exsampling_patch.editor.rebase import unsaved_path_problems
from exsampling_patch.errors import PatchError, Problem
from exsampling_patch.node import ParamError
from exsampling_patch.patch import Link, NodeSpec, Patch, PortRef, fixed_id, id_problems
from exsampling_patch.registry import Registry
from exsampling_patch.validate import (
    check_link,
    check_patch,
    find_cycle,
    slot_takers_fed,
    slots_of,
    unnamed_plugins,
)
from exsampling_patch.wording import counted

#: A change notification: what changed (``"node_added"``, ``"node_removed"``, ``"node_moved"``,
#: ``"link_added"``, ``"link_removed"``, ``"param_changed"``, ``"node_retyped"``, ``"refused"``, ``"reset"``,
#: ``"saved"``, ``"problems"``, ``"node_renamed"`` with ``(old, new)``, ``"info_changed"`` with the field)
#: and its subject (a node id, a :class:`Link`, ``(node_id, param)`` or None).
Listener = Callable[[str, Any], None]


class EditorModel(OpenSave):
    """A patch open in the editor. Views subscribe with :meth:`listen`."""

    def __init__(self, registry: Registry | None = None, patch: Patch | None = None,
                 path: str | os.PathLike[str] | None = None) -> None:
        self.registry = registry or Registry.default()
        # No name of its own: "untitled" was saved with it, and the stage said "running untitled" for every patch
        # begun in the editor. Without one, the stage names the patch by its file.
        self.patch = patch or Patch()
        self.path: Path | None = Path(path) if path is not None else None
        self.history = History()
        self.clipboard = Clipboard()
        #: Refused links by target port: why the last attempt to link into that input failed.
        self.refusals: dict[PortRef, tuple[Link, str]] = {}
        #: Problems of the file as opened that no edit can fix (a node without an id, a malformed link, an unknown
        #: key): what they name was not read, and saving drops it. Cleared by saving, new or open.
        self.file_problems: list[Problem] = []
        self._saved_revision = 0
        self._listeners: list[Listener] = []
        self._pending: Callable[[], Any] | None = None
        self._pastes = 0  # pastes of the clipboard since it was copied

    # -- observing ------------------------------------------------------------------------------------------

    def listen(self, listener: Listener) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def _notify(self, what: str, subject: Any = None) -> None:
        for listener in list(self._listeners):
            listener(what, subject)

    # -- the unsaved-changes prompt --------------------------------------------------------------------------

    def guard(self, action: Callable[[], Any]) -> bool:
        """Run ``action`` now if nothing is unsaved (returns True); else keep it until :meth:`resolve`.

        The view shows the prompt while :attr:`pending` is set.
        """
        if not self.dirty:
            action()
            return True
        self._pending = action
        return False

    @property
    def pending(self) -> bool:
        return self._pending is not None

    def resolve(self, answer: str, path: str | os.PathLike[str] | None = None) -> bool:
        """Answer the prompt: ``"save"`` (to ``path`` or the current file), ``"discard"`` or ``"cancel"``.

        Returns True if the pending action ran. ``"save"`` without any file raises ValueError.
        """
        action, self._pending = self._pending, None
        if action is None or answer == "cancel":
            return False
        if answer == "save":
            try:
                self.save(path)
            except Exception:
                self._pending = action
                raise
        elif answer != "discard":
            raise ValueError(f"unknown answer {answer!r}; use save, discard or cancel")
        action()
        return True

    # -- edits (each one a command) ----------------------------------------------------------------------------

    # Every edit, undo and redo takes the refusals shown away: the composer has moved on from the link refused, and
    # its reason, left on the node (a node dragged, Ctrl+Z), read as said of what was done since.
    def execute(self, command: Command) -> None:
        self._clear_refusals()
        self.history.push(command, self)

    def undo(self) -> Command | None:
        self._clear_refusals()
        return self.history.undo(self)

    def redo(self) -> Command | None:
        self._clear_refusals()
        return self.history.redo(self)

    def add_node(self, type_name: str, position: Position | None = None,
                 params: dict[str, Any] | None = None, node_id: str | None = None) -> str:
        """Add a node of a registered type; returns its id (the type name made one, :func:`fixed_id`, and unique)."""
        node_type = self.registry.get(type_name)  # KeyError with a "did you mean" if unknown
        if params:
            node_type.resolve_params({k: v for k, v in params.items() if v is not None})
        new_id = node_id or self.patch.unique_id(fixed_id(type_name))  # "acme.gain" made an id no link can name
        refused = self.id_problem(new_id)
        if refused:
            raise ValueError(refused)
        position = position and (round(position[0]), round(position[1]))  # whole pixels, as the view moves nodes
        self.execute(AddNodes([NodeSpec(new_id, type_name, dict(params or {}), position)], label=f"add {type_name}"))
        return new_id

    def remove_nodes(self, node_ids: Iterable[str]) -> None:
        ids = [n for n in dict.fromkeys(node_ids) if n in self.patch.nodes]
        if ids:
            self.execute(RemoveNodes(ids))

    def move_nodes(self, positions: dict[str, Position]) -> None:
        """Record nodes' new positions (one undo step); unchanged ones are ignored."""
        moves: dict[str, tuple[Position | None, Position]] = {}
        for node_id, pos in positions.items():
            spec = self.patch.nodes.get(node_id)
            new = (round(pos[0]), round(pos[1]))  # ints: written [380, 120] as the shipped patches, not [380.0, 120.0]
            if spec is not None and spec.position != new:
                moves[node_id] = (spec.position, new)
        if moves:
            self.execute(MoveNodes(moves))

    def link_problem(self, link: Link) -> str | None:
        """Why ``link`` may not be added: the port-type rule of :func:`check_link`, a duplicate, or a cycle."""
        if link in self.patch.links:
            return f"link {link} is already in the patch"
        reason = check_link(self.patch, self.registry, link)
        if reason:
            return reason + bridge_hint(self.patch, self.registry, link)
        trial = Patch(nodes=self.patch.nodes, links=[*self.patch.links, link])
        cycle = find_cycle(trial)
        if cycle:
            return f"link {link} would close a cycle: {' -> '.join([*cycle, cycle[0]])}"
        return None

    def connect(self, source: str | PortRef, target: str | PortRef) -> Link | None:
        """Add a link if it fits; else record why in :attr:`refusals` (shown until the next edit, undo or redo, a
        click on empty canvas or Run), return None."""
        link = Link(source if isinstance(source, PortRef) else PortRef.parse(source),
                    target if isinstance(target, PortRef) else PortRef.parse(target))
        reason = self.link_problem(link)
        if reason:
            self.refusals[link.target] = (link, reason)
            self._notify("refused", link)
            return None
        self.execute(AddLink(link))  # every refusal shown goes with it (_insert_link)
        return link

    def clear_refusals(self) -> None:
        """Take every refusal shown away (the patch is run, a click on empty canvas: that wiring is over)."""
        self._clear_refusals()

    def _clear_refusals(self) -> None:
        """The links changed: every refusal shown goes (its reason may be gone: a cycle broken by an unlink)."""
        for target, (refused, _) in list(self.refusals.items()):
            del self.refusals[target]
            self._notify("refused", refused)

    def disconnect(self, links: Iterable[Link]) -> None:
        present = [ln for ln in dict.fromkeys(links) if ln in self.patch.links]
        if present:
            self.execute(RemoveLinks(present))

    def param_value(self, node_id: str, name: str) -> Any:
        """The value in effect: set in the patch, else the node type's default."""
        spec = self.patch.nodes[node_id]
        if name in spec.params:
            return spec.params[name]
        return self.registry.get(spec.type).param_specs[name].default

    def set_param(self, node_id: str, name: str, value: Any) -> str | None:
        """Set a parameter (``UNSET`` clears it); returns why a value is refused, or None if it was set."""
        spec = self.patch.nodes[node_id]
        param = self.registry.get(spec.type).param_specs.get(name)
        if param is None:
            return f"'{spec.type}' has no parameter '{name}'"
        if value is not UNSET:
            try:
                value = param.validate(value)
            except ParamError as error:
                return str(error)
        old = spec.params.get(name, UNSET)
        if old is not UNSET and value is not UNSET and old == value and type(old) is type(value):
            return None
        if old is UNSET and value is UNSET:
            return None
        self.execute(SetParam(node_id, name, copy.deepcopy(old), copy.deepcopy(value), label=f"set {node_id}.{name}",
                              node_type=spec.type))
        return None

    def remove_param(self, node_id: str, name: str) -> None:
        """Remove a parameter from the patch, also one its node's type does not have (a typo kept from the file)."""
        spec = self.patch.nodes[node_id]
        if name in spec.params:
            self.execute(SetParam(node_id, name, copy.deepcopy(spec.params[name]), UNSET,
                                  label=f"remove {node_id}.{name}", node_type=spec.type))

    def set_type(self, node_id: str, type_name: str) -> None:
        """Make a node one of another type, keeping its id, parameters, position and links (one undo step)."""
        self.registry.get(type_name)  # KeyError with a "did you mean" if unknown
        old = self.patch.nodes[node_id].type
        if old != type_name:
            self.execute(SetType(node_id, old, type_name, label=f"make {node_id} a {type_name}"))

    def rename_node(self, node_id: str, new_id: str) -> str | None:
        """Give a node another id (one undo step; its links follow); returns why ``new_id`` is refused, or None."""
        new_id = new_id.strip()
        if new_id == node_id:
            return None
        refused = self.id_problem(new_id)
        if refused:
            return refused
        self.execute(RenameNode(node_id, new_id, label=f"rename {node_id} to {new_id}"))
        return None

    def id_problem(self, new_id: str) -> str | None:
        """Why ``new_id`` may not name a node added or renamed (the loader's rule, :func:`id_problems`), or None."""
        reasons = id_problems(new_id)
        if reasons and not new_id.strip():
            return reasons[0]
        if reasons:
            return f"'{new_id}': {reasons[0]}; say '{self.patch.unique_id(fixed_id(new_id))}'"
        if new_id in self.patch.nodes:
            return f"'{new_id}' is the id of another node; say '{self.patch.unique_id(new_id)}'"
        return None

    def set_info(self, field_name: str, value: str) -> None:
        """Set the patch's ``name`` or ``description`` (one undo step, saved with the patch)."""
        old = str(getattr(self.patch, field_name))
        if value != old:
            self.execute(SetInfo(field_name, old, value, label=f"change the patch's {field_name}"))

    # -- clipboard --------------------------------------------------------------------------------------------

    def copy(self, node_ids: Iterable[str]) -> int:
        """Copy nodes and the links among them; returns how many nodes were copied."""
        # A new patch's relative paths are meant from where it is saved: no base folder.
        self.clipboard = copied(self.patch, node_ids, self.base_dir if self.path else None)
        self._pastes = 0
        return len(self.clipboard.specs)

    def paste(self, offset: Position | None = None, verb: str = "paste") -> list[str]:
        """Paste the clipboard as new nodes (fresh ids) with their inner links; ``verb`` names the edit in the
        undo history ("undid paste 2 nodes").

        Each paste of the same copy lands one step (40, 40) further than the last, so that repeated pastes do not
        cover each other; ``offset`` places this one instead.
        """
        if not self.clipboard.specs:
            return []
        if offset is None:
            self._pastes += 1
            offset = (40.0 * self._pastes, 40.0 * self._pastes)
        specs, links = pasted(self.clipboard, self.patch, self.registry, offset, self.base_dir if self.path else None)
        self.execute(AddNodes(specs, links, label=f"{verb} {counted(len(specs), 'node')}"))
        return [s.id for s in specs]

    def duplicate(self, node_ids: Iterable[str], offset: Position | None = None) -> list[str]:
        """Copy and paste in one step (the clipboard is kept as it was), ``offset`` from the nodes (40, 40 where
        none is given)."""
        kept, pastes = self.clipboard, self._pastes
        self.copy(node_ids)
        try:
            return self.paste(offset or (40.0, 40.0), verb="duplicate")  # Ctrl+D undone said "undid paste"
        finally:
            self.clipboard, self._pastes = kept, pastes

    # -- checks -----------------------------------------------------------------------------------------------

    def problems(self) -> list[Problem]:
        """What keeps the patch from running: the file's own problems (see :attr:`file_problems`), then those
        :func:`check_patch` finds in the patch as edited (paths checked on disk once the patch has a file; until
        then a relative one is a problem: the run and the file saved took it from different folders)."""
        return [*self.file_problems,
                *check_patch(self.patch, self.registry, base_dir=self.base_dir if self.path else None),
                *([] if self.path else unsaved_path_problems(self.patch, self.registry))]

    def plugin_warnings(self, problems: list[Problem]) -> list[Problem]:
        """The plugins that did not load (a node file's syntax error) which none of ``problems`` names, as ``check``
        warns of them (``plugin FILE:LINE: ...``): the editor said nothing of them, and their types were only
        missing from the palette."""
        return [Problem(f"plugin {plugin}") for plugin in unnamed_plugins(self.patch, self.registry, problems)]

    def problem_node(self, problem: Problem) -> str | None:
        """The node a problem is about (named as ``node 'id'``, or at either end of a link), or None."""
        for node_id in self.patch.nodes:
            if f"node '{node_id}'" in problem.message:
                return node_id
        if problem.message.startswith("link "):
            for link in self.patch.links:
                if problem.message.startswith(f"link {link}"):
                    ends = [ref.node for ref in (link.source, link.target) if ref.node in self.patch.nodes]
                    named = [n for n in ends if f"'{n}' (" in problem.message]  # "'trim' (trim) has no output"
                    chosen = named or ends[::-1]
                    return chosen[0] if chosen else None
        return None

    def node_problems(self) -> dict[str, list[str]]:
        """Problems by node id (those that name a node)."""
        found: dict[str, list[str]] = {}
        for problem in self.problems():
            node_id = self.problem_node(problem)
            if node_id is not None:
                found.setdefault(node_id, []).append(problem_text(problem))
        return found

    def slot_choices(self, node_id: str) -> list[str]:
        """The slots of every slot-taking node (sampler, ableton_osc) that ``node_id``'s slot names reach, in
        order: what a slot map's table may send (:func:`~exsampling_patch.validate.slot_problems`)."""
        names: list[str] = []
        for taker in slot_takers_fed(self.patch, self.registry, node_id):
            names += [n for n in slots_of(self.patch, self.registry, taker) or [] if n not in names]
        return names

    def runnable_patch(self) -> Patch:
        """A copy of the patch for the runtime; raises :class:`PatchError` if it cannot run."""
        problems = self.problems()
        if problems:
            raise PatchError(problems)
        return self.patch.copy()

    # -- primitive operations, used by commands only ------------------------------------------------------------

    def _insert_node(self, spec: NodeSpec, index: int | None = None) -> None:
        self.patch.add_node(spec)
        if index is not None and index < len(self.patch.nodes) - 1:
            items = list(self.patch.nodes.items())
            items.insert(index, items.pop())
            self.patch.nodes = dict(items)
        self._notify("node_added", spec.id)

    def _delete_node(self, node_id: str) -> None:
        for link in [ln for ln in self.patch.links if node_id in (ln.source.node, ln.target.node)]:
            self._delete_link(link)
        del self.patch.nodes[node_id]
        for target in [t for t in self.refusals if t.node == node_id]:
            del self.refusals[target]
        self._notify("node_removed", node_id)

    def _set_position(self, node_id: str, position: Position | None) -> None:
        self.patch.nodes[node_id].position = position
        self._notify("node_moved", node_id)

    def _insert_link(self, link: Link, index: int | None = None) -> None:
        self.patch.links.insert(len(self.patch.links) if index is None else index, link)
        self._clear_refusals()
        self._notify("link_added", link)

    def _delete_link(self, link: Link) -> None:
        self.patch.links.remove(link)
        self._clear_refusals()
        self._notify("link_removed", link)

    def _set_type(self, node_id: str, type_name: str) -> None:
        self.patch.nodes[node_id].type = type_name
        self._notify("node_retyped", node_id)

    def _rename_node(self, old: str, new: str) -> None:
        def follow(ref: PortRef) -> PortRef:
            return PortRef(new, ref.port) if ref.node == old else ref

        spec = self.patch.nodes[old]
        spec.id = new
        self.patch.nodes = {new if key == old else key: value for key, value in self.patch.nodes.items()}
        self.patch.links = [Link(follow(ln.source), follow(ln.target)) for ln in self.patch.links]
        self.refusals = {follow(target): (Link(follow(ln.source), follow(ln.target)), why)
                         for target, (ln, why) in self.refusals.items()}
        self._notify("node_renamed", (old, new))

    def _set_info(self, field_name: str, value: str) -> None:
        setattr(self.patch, field_name, value)
        self._notify("info_changed", field_name)

    def _set_param(self, node_id: str, name: str, value: Any) -> None:
        params = self.patch.nodes[node_id].params
        if value is UNSET:
            params.pop(name, None)
        else:
            params[name] = value
        self._notify("param_changed", (node_id, name))
