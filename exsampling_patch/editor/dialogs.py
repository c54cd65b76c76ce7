"""The editor's file dialog, made of plain Dear PyGui widgets and made on demand.

Dear PyGui's own file dialog starts its name field with ".", opens nothing on a double-click and writes sizes
in French ("Ko"); this one lists folders first, then the files that match, with sizes in B, KB, MB and GB, opens a
folder or chooses a file on a double-click, and starts with an empty name (or the one it is given). A hidden
dialog would still cost every frame, so each is deleted once answered.

Order: a dialog is opened, answered and browsed in callbacks, which the editor runs after each frame
(``callbacks.py``); collect() runs in the frame loop, before the frame. Callbacks of one frame run together, so a
tag can name a new dialog before the frame deletes the one it named (Esc then Ctrl+O): the frame deletes each
answered dialog by its own item ids, and an answered dialog's queued callbacks do nothing.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg

#: Answered (or replaced) dialogs, deleted by the next collect().
_finished: list[FileDialog] = []
SIZE, POS = (700, 450), (300, 150)
#: Open dialogs by tag.
OPEN: dict[str, FileDialog] = {}
#: Modal windows to show at the next collect(), with the context they were asked in, their size and place (see
#: :func:`show_later`).
_due: dict[str, tuple[str, dict[str, Any]]] = {}
#: The alias of a value naming the Dear PyGui context the dialogs above were made in (see :func:`_context`).
CONTEXT_MARK = "dialogs:context"


def _context(make: bool = False) -> str | None:
    """A name of the current Dear PyGui context, made with its first dialog (``make``); None where it has none.
    Item ids start again with each context: a dialog left open by a context that is gone named the new one's
    items by its ids (Esc hid and deleted another window, any_open() said a dialog was open)."""
    if not dpg.does_alias_exist(CONTEXT_MARK):
        if not make:
            return None
        with dpg.value_registry():
            dpg.add_string_value(tag=CONTEXT_MARK, default_value=uuid.uuid4().hex)
    return str(dpg.get_value(CONTEXT_MARK))


def _forget_other_contexts() -> None:
    """Drop the dialogs and windows due of a context that is gone, untouched: their items went with it."""
    here = _context()
    for tag, dialog in list(OPEN.items()):
        if dialog.context != here:
            dialog.closed = True  # nothing of it runs again
            del OPEN[tag]
    _finished[:] = [dialog for dialog in _finished if dialog.context == here]
    for tag in [tag for tag, (context, _) in _due.items() if context != here]:
        del _due[tag]


def human_size(size: int) -> str:
    """``532 B``, ``12.3 KB``, ``4.5 MB``: powers of 1024, as file managers show them."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover (the loop returns)


@dataclass
class Entry:
    name: str
    is_dir: bool
    size: int
    modified: float


def list_folder(folder: Path, extensions: tuple[str, ...], directories_only: bool) -> list[Entry]:
    """What the dialog lists in ``folder``: folders first, then the files with one of ``extensions`` (all files
    when it is empty); hidden ones (a leading dot) left out."""
    entries = []
    try:
        children = list(os.scandir(folder))
    except OSError:
        return []
    for child in children:
        if child.name.startswith("."):
            continue
        try:
            is_dir = child.is_dir()
            info = child.stat()
        except OSError:
            continue
        if not is_dir and (directories_only or (extensions and not child.name.lower().endswith(extensions))):
            continue
        entries.append(Entry(child.name, is_dir, 0 if is_dir else info.st_size, info.st_mtime))
    return sorted(entries, key=lambda e: (not e.is_dir, e.name.lower()))


class FileDialog:
    """A modal window: the folder, its entries, a name field, and OK / Cancel."""

    def __init__(self, tag: str, label: str, on_path: Callable[[str], Any], directory: bool = False,
                 default_path: str = "", extensions: tuple[str, ...] = (".yaml", ".yml"), default_name: str = "",
                 ok_label: str = "OK", on_cancel: Callable[[], Any] | None = None,
                 warn: Callable[[str], str | None] | None = None) -> None:
        self.tag, self.on_path, self.directory, self.extensions = tag, on_path, directory, extensions
        self.on_cancel, self.warn = on_cancel, warn
        self.warned: str | None = None  # the path warned about: chosen again, it goes through
        self.folder = Path(default_path or os.getcwd()).expanduser().resolve()
        self.entries: list[Entry] = []
        self.closed = False
        self.context = _context(make=True)  # its ids name its items in this context only
        # Made hidden and shown by collect() at the next frame: a modal shown from another modal's button (the
        # unsaved-changes prompt) in the frame that one closes is hidden again by Dear PyGui, its size lost.
        with dpg.window(tag=tag, label=label, modal=True, show=False, width=SIZE[0], height=SIZE[1], pos=POS,
                        no_collapse=True, no_close=True):  # Cancel or Esc close it
            with dpg.group(horizontal=True):
                dpg.add_button(label="Up", tag=f"{tag}:up", callback=lambda: self.go(self.folder.parent))
                dpg.add_input_text(tag=f"{tag}:folder", width=-1, on_enter=True,
                                   callback=lambda s, a, u: self.go(Path(a).expanduser()))
            with dpg.child_window(tag=f"{tag}:list", height=-60), dpg.table(
                    tag=f"{tag}:table", header_row=True, policy=dpg.mvTable_SizingStretchProp):
                dpg.add_table_column(label="name", init_width_or_weight=5)
                dpg.add_table_column(label="size", init_width_or_weight=1)
                dpg.add_table_column(label="modified", init_width_or_weight=2)
            with dpg.group(horizontal=True):
                dpg.add_text("folder" if directory else "name")
                dpg.add_input_text(tag=f"{tag}:name", default_value=default_name, width=-1, on_enter=True,
                                   hint="a folder inside this one, or none for this one" if directory else "file name",
                                   callback=lambda: self.accept())
            with dpg.group(horizontal=True):
                dpg.add_button(label=ok_label, tag=f"{tag}:ok", width=100, callback=lambda: self.accept())
                dpg.add_button(label="Cancel", tag=f"{tag}:cancel", width=100, callback=lambda: self.cancel())
                dpg.add_text("", tag=f"{tag}:warning", color=(240, 200, 80), show=False)
        with dpg.item_handler_registry(tag=f"{tag}:handlers"):
            dpg.add_item_double_clicked_handler(callback=lambda s, a, u=None: self._on_double_click(a))
        self.window, self.handlers = dpg.get_alias_id(tag), dpg.get_alias_id(f"{tag}:handlers")
        OPEN[tag] = self
        self.go(self.folder)

    def go(self, folder: Path) -> None:
        """List ``folder`` (a folder that cannot be read lists nothing)."""
        if self.closed:  # a callback queued behind the answer: the items are going, the tag maybe a new dialog's
            return
        self.folder = folder.resolve()
        dpg.set_value(f"{self.tag}:folder", str(self.folder))
        dpg.configure_item(f"{self.tag}:warning", show=False)  # about a file of the folder left
        self.entries = list_folder(self.folder, self.extensions, self.directory)
        for row in dpg.get_item_children(f"{self.tag}:table", 1) or []:
            dpg.delete_item(row)
        for index, entry in enumerate(self.entries):
            with dpg.table_row(parent=f"{self.tag}:table"):
                item = dpg.add_selectable(label=entry.name + ("/" if entry.is_dir else ""), span_columns=True,
                                          tag=f"{self.tag}:entry:{index}", callback=self._on_click, user_data=index)
                dpg.bind_item_handler_registry(item, f"{self.tag}:handlers")
                dpg.add_text("" if entry.is_dir else human_size(entry.size))
                dpg.add_text(time.strftime("%Y-%m-%d %H:%M", time.localtime(entry.modified)))

    def _on_click(self, sender: Any, app_data: Any, user_data: int) -> None:
        if self.closed:  # as in go()
            return
        for index in range(len(self.entries)):
            if index != user_data and dpg.does_item_exist(f"{self.tag}:entry:{index}"):
                dpg.set_value(f"{self.tag}:entry:{index}", False)
        entry = self.entries[user_data]
        if not entry.is_dir or self.directory:
            dpg.set_value(f"{self.tag}:name", entry.name)

    def _on_double_click(self, app_data: Any) -> None:
        item = app_data[1] if isinstance(app_data, list | tuple) and len(app_data) > 1 else app_data
        alias = dpg.get_item_alias(item) if isinstance(item, int) else str(item)
        if alias and alias.startswith(f"{self.tag}:entry:"):
            self.activate(int(alias.rsplit(":", 1)[1]))

    def activate(self, index: int) -> None:
        """What a double-click on an entry does: a folder opens, a file is chosen."""
        if self.closed:  # as in go()
            return
        entry = self.entries[index]
        if entry.is_dir:
            self.go(self.folder / entry.name)
        else:
            dpg.set_value(f"{self.tag}:name", entry.name)
            self.accept()

    def accept(self) -> None:
        if self.closed:  # as in go(): answered once
            return
        name = str(dpg.get_value(f"{self.tag}:name") or "").strip()
        if not name and not self.directory:
            return  # nothing chosen yet
        if name and not self.directory and (self.folder / Path(name).expanduser()).is_dir():
            # A folder's name typed (or "..", "~/shows"): go there, as a double-click does. Taken for a file's
            # name, Save as wrote "shows.yaml" beside the folder and Open refused a folder.
            self.go(self.folder / Path(name).expanduser())
            dpg.set_value(f"{self.tag}:name", "")
            return
        path = str(self.folder / Path(name).expanduser() if name else self.folder)
        warning = self.warn(path) if self.warn is not None and path != self.warned else None
        if warning:  # said once (a file it would replace): the same choice again goes through
            self.warned = path
            dpg.set_value(f"{self.tag}:warning", warning)
            dpg.configure_item(f"{self.tag}:warning", show=True)
            return
        self._close()
        self.on_path(path)

    def cancel(self) -> None:
        if self.closed:  # as in go()
            return
        self._close()
        if self.on_cancel is not None:
            self.on_cancel()

    def _close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if OPEN.get(self.tag) is self:
            del OPEN[self.tag]
        if dpg.does_item_exist(self.window):
            dpg.configure_item(self.window, show=False)
        _finished.append(self)

    def delete(self) -> None:
        """Delete this dialog's window and handlers, by their ids: its tag may name a newer dialog by now."""
        for item in (self.window, self.handlers):
            try:
                dpg.delete_item(item)
            except Exception:  # deleted already (by ask_path, replacing it), or of a context that is gone
                continue

    def show_new(self) -> None:
        """Show the dialog if it is new (only cancel() and accept() hide one). Open, it is drawn: ask_path takes the
        one it replaces out of OPEN before deleting it, and nothing deletes one while collect() walks them."""
        if not dpg.get_item_configuration(self.window)["show"]:
            dpg.configure_item(self.window, show=True, width=SIZE[0], height=SIZE[1], pos=POS)
            # Typed into at once, its name selected (Ctrl+S on a new patch, a name, Enter): unfocused, the keys
            # typed went nowhere until the field was clicked.
            dpg.focus_item(f"{self.tag}:name")


def ask_path(tag: str, label: str, on_path: Callable[[str], Any], directory: bool = False,
             default_path: str = "", extensions: tuple[str, ...] = (".yaml", ".yml"), default_name: str = "",
             ok_label: str = "OK", on_cancel: Callable[[], Any] | None = None,
             warn: Callable[[str], str | None] | None = None) -> FileDialog:
    """Show a file (or folder) dialog; ``on_path`` gets the chosen path, ``on_cancel`` is called when it is
    cancelled (its Cancel button, Esc). ``warn(path)``, where given, may return a warning about a choice (a file it
    would replace): shown in the dialog, which stays open until the same path is chosen again. The dialog goes
    once answered."""
    _forget_other_contexts()
    replaced = OPEN.pop(tag, None)
    if replaced is not None:
        replaced.closed = True  # its queued callbacks must leave the new one be
    for item in (tag, f"{tag}:handlers"):  # the last dialog with the tag, open or answered: the tag is the new one's
        try:
            dpg.delete_item(item)
        except Exception:  # none, or collect() deleted it meanwhile (in the frame loop)
            continue
    return FileDialog(tag, label, on_path, directory, default_path, extensions, default_name, ok_label, on_cancel,
                      warn)


def cancel_open() -> bool:
    """Cancel the open dialogs (Esc); returns whether there was one."""
    _forget_other_contexts()
    dialogs = [d for d in OPEN.values() if dpg.does_item_exist(d.window)]  # a list: cancel() takes each out of OPEN
    OPEN.clear()
    for dialog in dialogs:
        dialog.cancel()
    return bool(dialogs)


def shown(tag: str) -> bool:
    """Whether the window ``tag`` exists and is shown (a pop-up, the prompt, the message)."""
    return bool(dpg.does_item_exist(tag) and dpg.get_item_configuration(tag)["show"])


def any_open() -> bool:
    here = _context()
    return any(d.context == here and dpg.does_item_exist(d.window) for d in OPEN.values())


def show_later(tag: str, **config: Any) -> None:
    """Show the modal window ``tag`` (with ``config``: its size and place) once no dialog is being deleted. Shown
    from a file dialog's callback (Open on a file that is no patch), or in the frame that dialog is deleted, Dear
    PyGui closed it again at once: the reason a file was refused was never seen."""
    _due[tag] = (str(_context(make=True)), config)


def collect() -> None:
    """Delete answered dialogs (called once a frame: an item is not deleted inside its own callback); show the
    windows due (:func:`show_later`) in a frame that deletes none."""
    _forget_other_contexts()
    deleting = bool(_finished)
    while _finished:
        _finished.pop().delete()
    for tag in [] if deleting else list(_due):
        _, config = _due.pop(tag)
        if dpg.does_item_exist(tag):
            dpg.configure_item(tag, show=True, **config)
    # No callback opens or replaces one meanwhile: they run between frames, not beside them (callbacks.py).
    for dialog in OPEN.values():
        dialog.show_new()
