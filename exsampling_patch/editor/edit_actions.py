"""The Edit menu's actions on the patch: undo and redo, copy, cut, paste, duplicate, delete and select all, each
one undo step, saying what it did in the status bar.

:class:`EditActions` acts on the model and the canvas's selection through the callables it is given; it imports no
editor window (``app.py`` holds one, and the menus, keys and node menu call it through the window).
"""

from __future__ import annotations

from collections.abc import Callable

from exsampling_patch.editor.history import Command, RemoveLinks, RemoveNodes, Together
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.patch_view import PatchView
from exsampling_patch.editor.placement import Placement
from exsampling_patch.wording import counted

KEPT = "nothing selected: the clipboard is kept"  # Ctrl+C or Ctrl+X with nothing selected


class EditActions:
    """Edits ``model``: ``selection`` gives the nodes selected, ``select`` makes nodes the selection, ``say`` puts
    what was done in the status bar."""

    def __init__(self, model: EditorModel, patch_view: PatchView, placement: Placement,
                 selection: Callable[[], list[str]], select: Callable[[list[str]], None],
                 say: Callable[[str], None]) -> None:
        self.model = model
        self.patch_view = patch_view
        self.placement = placement
        self.selection = selection
        self.select = select
        self.say = say

    def undo(self) -> None:
        command = self.model.undo()
        self.say(f"undid {command.label}" if command else "nothing to undo")
        parts = command.commands if isinstance(command, Together) else [command]
        back = [n for part in parts if isinstance(part, RemoveNodes) for n in part.node_ids]
        if back:  # as in other editors: what came back is selected, to move or delete
            self.select([n for n in back if n in self.model.patch.nodes])

    def redo(self) -> None:
        command = self.model.redo()
        self.say(f"redid {command.label}" if command else "nothing to redo")

    def copy(self, node_ids: list[str] | None = None) -> None:
        ids = [n for n in (node_ids if node_ids is not None else self.selection()) if n in self.model.patch.nodes]
        if not ids:  # a stray Ctrl+C must not empty the clipboard: what was copied stays to paste
            self.say(KEPT)
            return
        count = self.model.copy(ids)
        self.say(f"copied {counted(count, 'node')}")

    def select_all(self) -> None:
        """Every node becomes the selection (marked: Dear PyGui cannot select nodes from code)."""
        nodes = list(self.model.patch.nodes)
        self.select(nodes)
        self.say(f"selected {counted(len(nodes), 'node')}")

    def cut(self, node_ids: list[str] | None = None) -> None:
        """Copy the nodes, then delete them (one undo step, which brings them back selected)."""
        ids = [n for n in (node_ids if node_ids is not None else self.selection()) if n in self.model.patch.nodes]
        if not ids:  # as for Ctrl+C: what was copied stays to paste
            self.say(KEPT)
            return
        count = self.model.copy(ids)
        self.model.execute(RemoveNodes(ids, label="cut"))
        self.say(f"cut {counted(count, 'node')}")

    def paste(self) -> list[str]:
        new = self.model.paste(self.placement.paste_offset())
        self.select(new)
        self.say(f"pasted {counted(len(new), 'node')}" if new else "nothing to paste")
        return new

    def duplicate(self, node_ids: list[str] | None = None) -> list[str]:
        ids = node_ids if node_ids is not None else self.selection()
        # Placed as a paste of them is (40, 40 down and right, the copy covered most of the node duplicated).
        nodes = [self.model.patch.nodes[n] for n in ids if n in self.model.patch.nodes]
        new = self.model.duplicate(ids, self.placement.paste_offset(nodes) if nodes else None)
        self.select(new)
        self.say(f"duplicated {counted(len(new), 'node')}" if new else "nothing selected")
        return new

    def delete_selected(self, node_ids: list[str] | None = None) -> None:
        """Delete the selection (nodes and links), or ``node_ids`` (the node menu's) and the selected links: the
        menu's Delete took the nodes alone, and a box's links between other nodes stayed."""
        links = [ln for ln in dict.fromkeys(self.patch_view.selected_links()) if ln in self.model.patch.links]
        nodes = [n for n in dict.fromkeys(self.selection() if node_ids is None else node_ids)
                 if n in self.model.patch.nodes]
        # One undo step: undone in two, the nodes came back without the links selected with them (a box
        # selection takes both), and a second Ctrl+Z was needed for those.
        commands: list[Command] = [*([RemoveLinks(links)] if links else []), *([RemoveNodes(nodes)] if nodes else [])]
        if commands:
            self.model.execute(commands[0] if len(commands) == 1 else Together(commands, label="delete"))
        said = [counted(n, what) for n, what in ((len(nodes), "node"), (len(links), "link")) if n]
        self.say(f"deleted {' and '.join(said)}" if said else "nothing selected")
