"""The menus (File, Edit, View, Run) and the keys: which action each runs, and when keys belong to a widget.

Keys go to the shortcuts unless a prompt or file dialog is on top, a menu of the menu bar is open or a widget is
being edited (a text field, a table cell, a search box, a field of the Performance tab, a combo's list open); Esc
always cancels what is open. The View menu's entries and keys are the navigator's; 1-8 and Space hear slots while
the Performance tab is shown.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.file_actions import FileActions
from exsampling_patch.editor.inspector import Inspector
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.navigate import Navigator
from exsampling_patch.editor.perf_view import PerformanceView

Key = tuple[bool, bool, int]  # (ctrl, shift, key)
MenuEntry = tuple[str, str, str, Callable[[], Any]]  # (tag suffix, label, shortcut shown, action)


class Actions(Protocol):
    """What the menus and keys act on (the editor)."""

    model: EditorModel
    files: FileActions
    navigator: Navigator
    perf_view: PerformanceView
    inspector: Inspector

    def request(self, action: Callable[[], Any]) -> bool: ...
    def ask_open(self) -> None: ...
    def new_patch(self) -> None: ...
    def save(self) -> bool: ...
    def ask_save_as(self) -> None: ...
    def quit(self) -> None: ...
    def undo(self) -> None: ...
    def redo(self) -> None: ...
    def select_all(self) -> None: ...
    def cut(self, node_ids: list[str] | None = None) -> None: ...
    def copy(self, node_ids: list[str] | None = None) -> None: ...
    def paste(self) -> list[str]: ...
    def duplicate(self, node_ids: list[str] | None = None) -> list[str]: ...
    def delete_selected(self) -> None: ...
    def run_patch(self) -> bool: ...
    def stop_patch(self) -> None: ...
    def escape(self) -> bool: ...
    def modal_open(self) -> bool: ...
    def say(self, text: str) -> None: ...

    @property
    def status(self) -> str: ...


class Shortcuts:
    """Builds the menu bar and handles key presses for ``actions``; ``editing`` lists the widgets whose
    keys are their own while active (containers are searched through)."""

    # The Performance tab's fields are typed into too (a slot's gain Ctrl+clicked, the pairing URL clicked to copy
    # it): left to the shortcuts, Ctrl+Z there undid a patch edit, and digits typed there played slots.
    def __init__(self, actions: Actions, editing: tuple[str, ...] = ("inspector_box", "palette:search",
                                                                     "add_popup:search", "tab:perf")) -> None:
        self.actions = actions
        self.editing = editing
        self._held: set[int] = set()  # keys pressed and not yet released: ImGui repeats a held key's press
        self._down_now: set[int] = set()  # the keys down in the frame whose handlers are being run (see on_key_down)
        self._menu_tags: list[str] = []  # the menu bar's menus, as built

    def menus(self) -> list[tuple[str, list[MenuEntry]]]:
        a = self.actions
        return [
            ("File", [
                ("new", "New", "Ctrl+N", lambda: a.request(a.new_patch)),
                ("open", "Open...", "Ctrl+O", lambda: a.request(a.ask_open)),
                ("save", "Save", "Ctrl+S", a.save),
                ("save_as", "Save as...", "", a.ask_save_as),
                ("quit", "Quit", "Ctrl+Q", a.quit),
            ]),
            ("Edit", [
                ("undo", "Undo", "Ctrl+Z", a.undo),
                ("redo", "Redo", "Ctrl+Shift+Z", a.redo),
                ("cut", "Cut", "Ctrl+X", a.cut),
                ("copy", "Copy", "Ctrl+C", a.copy),
                ("paste", "Paste", "Ctrl+V", a.paste),
                ("duplicate", "Duplicate", "Ctrl+D", a.duplicate),
                ("delete", "Delete", "Del", a.delete_selected),
                ("select_all", "Select all", "Ctrl+A", a.select_all),
            ]),
            ("View", a.navigator.menu_entries()),
            ("Run", [
                ("run", "Run", "F5", a.run_patch),
                ("stop", "Stop", "Shift+F5", a.stop_patch),
            ]),
        ]

    def build_menu(self) -> None:
        """The menu bar of the window being built; each menu's tag is ``menubar:<title in lower case>``, each
        item's ``menu:<key>``."""
        with dpg.menu_bar():
            for title, entries in self.menus():
                with dpg.menu(label=title, tag=f"menubar:{title.lower()}"):
                    self._menu_tags.append(f"menubar:{title.lower()}")
                    for key, label, shortcut, action in entries:
                        dpg.add_menu_item(label=label, shortcut=shortcut, tag=f"menu:{key}",
                                          callback=lambda s, a, u: u(), user_data=action)
            # Nothing to see, drawn every frame: its handler marks where a frame's key handlers end (end_frame).
            dpg.add_text("", tag="menubar:ticks")
        with dpg.item_handler_registry() as ticks:
            dpg.add_item_visible_handler(callback=lambda *_: self.end_frame())
        dpg.bind_item_handler_registry("menubar:ticks", ticks)

    def add_key_handlers(self) -> None:
        """The key handlers, into the handler registry being built. The key-down handler comes first: a frame queues
        a registry's handlers in order, so a press is handled after the key-down reports of its own frame (and so is
        a mouse handler added after these: see :meth:`was_down`)."""
        dpg.add_key_down_handler(callback=self.on_key_down)
        dpg.add_key_press_handler(callback=self.on_key)
        dpg.add_key_release_handler(callback=self.on_key_release)

    def keys(self) -> dict[Key, Callable[[], Any]]:
        a = self.actions
        return {
            (True, False, dpg.mvKey_Z): a.undo,
            (True, True, dpg.mvKey_Z): a.redo,
            (True, False, dpg.mvKey_Y): a.redo,
            (True, False, dpg.mvKey_A): a.select_all,
            (True, False, dpg.mvKey_X): a.cut,
            (True, False, dpg.mvKey_C): a.copy,
            (True, False, dpg.mvKey_V): a.paste,
            (True, False, dpg.mvKey_D): a.duplicate,
            (True, False, dpg.mvKey_S): a.save,
            (True, False, dpg.mvKey_N): lambda: a.request(a.new_patch),
            (True, False, dpg.mvKey_O): lambda: a.request(a.ask_open),
            (True, False, dpg.mvKey_Q): a.quit,
            (False, False, dpg.mvKey_Delete): a.delete_selected,
            (False, False, dpg.mvKey_Back): a.delete_selected,  # a Mac's "delete" key sends Backspace
            (False, False, dpg.mvKey_F5): a.run_patch,
            (False, True, dpg.mvKey_F5): a.stop_patch,
        }

    @staticmethod
    def canvas_keys() -> set[Key]:
        """The keys that act on the patch's selection (Delete or Backspace, cut, copy, paste, duplicate, select
        all): the patch tab's own."""
        return {(False, False, dpg.mvKey_Delete), (False, False, dpg.mvKey_Back), *((True, False, k) for k in (
            dpg.mvKey_X, dpg.mvKey_C, dpg.mvKey_V, dpg.mvKey_D, dpg.mvKey_A))}

    def was_down(self, *keys: int) -> bool:
        """Whether one of ``keys`` was down in the frame whose handlers are being run: for a handler of the registry
        :meth:`add_key_handlers` filled, added after them (a mouse handler's Ctrl, Shift). Not asked live: on Dear
        PyGui's callback thread the handlers ran behind the frames on a loaded machine, and Shift+wheel with Shift
        let go by then panned down, not sideways; run right after their frame now (callbacks.py), a handler held
        back (late_modifiers_scenario.py) still reads its own frame."""
        return not self._down_now.isdisjoint(keys)

    def on_key_release(self, sender: Any, key: int) -> None:
        """The key release handler: the key's next press is a new one, not a repeat."""
        self._held.discard(key)

    def on_key_down(self, sender: Any, down: list[Any]) -> None:
        """The key-down handler: Dear PyGui queues it each frame for each key down then (``down`` is the key and
        how long it has been down, read when the handler runs, not in its frame)."""
        self._down_now.add(int(down[0]))

    def end_frame(self) -> None:
        """A frame's handler, queued after its key handlers: let go of the keys held that were not down in it.

        A key down when the window loses the focus gets no release: Dear PyGui's ImGui forgets its keys then without
        one, and the key's next press, back in the window, read as a repeat (2 held on the Performance tab, then let
        go in another window, played no slot when pressed again). Which keys are down must come from the frames'
        handlers, in their order, not from the keys down when this handler runs: on Dear PyGui's callback thread the
        handlers ran behind the frames on a loaded machine, and asked then, a key held and let go before its repeats'
        handlers ran read as up, and each repeat after it as a new press (2 held played 2-4 notes). They run right
        after their frame now (callbacks.py); one held back (perf_scenario.py, Driver.late) still reads its frame."""
        self._held &= self._down_now
        self._down_now = set()

    def on_key(self, sender: Any, key: int) -> None:
        """The key press handler."""
        repeat = key in self._held
        self._held.add(key)
        # Ctrl and Shift as they were in the press's frame (its key-down reports come before it), not when this
        # handler runs: held behind the frames (Dear PyGui's callback thread on a loaded machine, before callbacks.py;
        # Driver.late in the tests), Ctrl+Z with Ctrl let go by then read as Z, and 2 pressed before Ctrl as Ctrl+2,
        # which plays no slot.
        ctrl = bool(self._down_now & {dpg.mvKey_LControl, dpg.mvKey_RControl})
        shift = bool(self._down_now & {dpg.mvKey_LShift, dpg.mvKey_RShift})
        if key == dpg.mvKey_Escape:
            self.actions.escape()
            return
        if key in (dpg.mvKey_Return, dpg.mvKey_NumPadEnter) and not repeat and self.actions.files.confirm():
            return
        if self.actions.modal_open():
            return  # keys belong to the prompt or dialog on top
        if self.menu_open():
            # ImGui's menus take no key, but left to the shortcuts Delete pressed with the Edit menu open deleted
            # the node selected, behind the menu.
            return
        field = self.active_field()
        if field is not None:  # keys belong to the text field being edited, or to the combo's list open
            # Ignored, Ctrl+S left the composer thinking the value typed was saved. Dear PyGui gives a field's text
            # only once it is taken (Enter, a click elsewhere), but for the description's: the patch is saved with
            # what can be taken, and the status bar says when the value being typed is not in it.
            if (ctrl, shift, key) == (True, False, dpg.mvKey_S):
                taken = self.actions.inspector.take_typed(field)
                if self.actions.save() and not taken and not list_open(field):
                    self.actions.say(f"{self.actions.status}; not what is being typed: press Enter (or click "
                                     "elsewhere) to take it, then Ctrl+S")
            elif (ctrl, shift, key) == (False, True, dpg.mvKey_F5):
                self.actions.stop_patch()  # no text takes it, and a show must stop at once
            elif (ctrl, shift, key) == (False, False, dpg.mvKey_F5):
                # Ignored, F5 pressed after typing a folder did nothing and said nothing. Only the inspector's fields
                # hold patch values: a search typed in (where Enter adds a node) or an open list runs at once.
                value_typed = not list_open(field) and field in self.descendants("inspector_box")
                if not value_typed or self.actions.inspector.take_typed(field):
                    self.actions.run_patch()
                else:
                    self.actions.say("not run: press Enter (or click elsewhere) to take what is being typed, then F5")
            return
        pressed, performing = (ctrl, shift, key), self.performance_shown()
        if performing:
            # The patch is hidden: keys that act on its selection or its view would change what nobody sees
            # (Delete took the node selected before the tab was switched, in the middle of a show).
            view_keys = self.actions.navigator.keys()
            if pressed in self.canvas_keys() or pressed in view_keys:
                return
            action = self.keys().get(pressed)
            if action is None and not repeat:  # a held key plays its slot once, as a held pad does, not a roll
                action = self.actions.perf_view.keys().get(pressed)  # 1-8, Space: hear a slot
        else:
            action = self.keys().get(pressed) or self.actions.navigator.keys().get(pressed)
        if action is not None:
            action()

    @staticmethod
    def performance_shown() -> bool:
        """Whether the Performance tab is the one shown."""
        if not dpg.does_item_exist("tabs"):
            return False
        shown = dpg.get_value("tabs")
        return shown in ("tab:perf", dpg.get_alias_id("tab:perf"))

    def menu_open(self) -> bool:
        """Whether a menu of the menu bar is open: Dear PyGui gives an open menu the size of its list's window, a
        closed one 0 by 0."""
        return any(dpg.does_item_exist(tag) and dpg.get_item_state(tag).get("rect_size", (0, 0))[1] > 0
                   for tag in self._menu_tags)

    def typing(self) -> bool:
        """Whether keys belong to a widget being edited (a text field, a table cell, a slider being dragged)."""
        return self.active_field() is not None

    def active_field(self) -> int | str | None:
        """The widget being edited, if any: a field typed in, or a combo whose list is open.

        Asks every widget of the inspector and the search fields for its state; widgets that have no
        "active" state (a table, a group) are not being edited.
        """
        for root in self.editing:
            for item in self.descendants(root):
                if dpg.get_item_state(item).get("active", False) or list_open(item):
                    return item
        return None

    @staticmethod
    def descendants(item: int | str) -> list[int | str]:
        """``item`` and every item under it; none where ``item`` is not there (the add pop-up's search before the
        pop-up is first opened). Nothing is deleted during the walk: callbacks run between frames (callbacks.py)."""
        found: list[int | str] = []
        todo: list[int | str] = [item] if dpg.does_item_exist(item) else []
        while todo:
            current = todo.pop()
            children = dpg.get_item_children(current) or {}
            found.append(current)
            for slot in children.values():
                todo.extend(slot)
        return found


def list_open(item: int | str) -> bool:
    """Whether ``item`` is a combo whose list is open.

    Dear PyGui tells no combo's open state, and an open one reads as neither active nor focused: Delete pressed
    in a slot list deleted the node selected, Ctrl+A selected every node. It takes a combo's state right after
    ImGui's BeginCombo, which for an open combo is inside its list's window: the rectangle it gives is then that
    window's title bar, which a list has none of (as wide as the list, 0 high). A combo drawn closed is as high as
    its frame; one never drawn (a row filtered out) is 0 by 0.
    """
    if dpg.get_item_type(item) != "mvAppItemType::mvCombo":
        return False
    width, height = dpg.get_item_state(item).get("rect_size", (0, 0))
    return width > 0 and height == 0
