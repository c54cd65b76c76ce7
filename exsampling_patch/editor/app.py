"""The editor window: its layout, the edit actions, running, and the frame loop.

:class:`EditorApp` builds every widget inside a Dear PyGui context without needing a viewport, so tests
drive it through widget callbacks; :meth:`EditorApp.run` opens the viewport and loops. Its parts are modules
of their own, none of which imports this one: the menus and keys (``shortcuts.py``), the edit actions
(``edit_actions.py``), files and prompts (``file_actions.py``), Run, Stop and the status bar's line
(``run_status.py``), the palette (``palette_view.py``), the add-node pop-up (``add_popup.py``), the problems panel
(``problems_panel.py``), the canvas's left clicks (``canvas_clicks.py``), where new nodes go (``placement.py``),
and the views (``patch_view.py``, ``perf_view.py``, ``inspector.py``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import callbacks, dialogs, screen, style
from exsampling_patch.editor.add_popup import AddPopup
from exsampling_patch.editor.canvas_clicks import CanvasClicks
from exsampling_patch.editor.edit_actions import KEPT, EditActions
from exsampling_patch.editor.file_actions import FileActions
from exsampling_patch.editor.inspector import Inspector
from exsampling_patch.editor.link_hints import LinkHints
from exsampling_patch.editor.live import Runner, RuntimeObserver
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.navigate import Navigator
from exsampling_patch.editor.node_menu import NodeMenu
from exsampling_patch.editor.palette_view import PaletteView
from exsampling_patch.editor.patch_view import PatchView
from exsampling_patch.editor.perf_view import PerformanceView
from exsampling_patch.editor.placement import Placement, free_position
from exsampling_patch.editor.problems_panel import PROBLEMS_H, ProblemsPanel
from exsampling_patch.editor.recovered_news import RecoveredNews
from exsampling_patch.editor.run_status import RunStatus
from exsampling_patch.editor.shortcuts import Shortcuts
from exsampling_patch.errors import Problem

PALETTE_W, INSPECTOR_W = 230, 270
# free_position is placement.py's, KEPT edit_actions.py's: importable from here as they were before they moved.
__all__ = ["INSPECTOR_W", "KEPT", "PALETTE_W", "PROBLEMS_H", "EditorApp", "free_position"]


class EditorApp:
    """The whole editor. Create a Dear PyGui context first; :meth:`build` makes the widgets."""

    def __init__(self, model: EditorModel, workers: int | None = None) -> None:
        self.model = model
        self.observer = RuntimeObserver()
        self.runner = Runner(model, self.observer, workers=workers)
        self.patch_view = PatchView(model)
        self.navigator = Navigator(self.patch_view, self.selection, self.say)
        self.placement = Placement(model, self.patch_view, self.navigator)
        self.link_hints = LinkHints(self.patch_view, self.say)
        self.inspector = Inspector(model)
        self.perf_view = PerformanceView(self.runner, self.observer)
        self.palette = PaletteView(lambda: self.model.registry, self.add_node, self._picked)
        self.add_popup = AddPopup(lambda: self.model.registry, self.palette.fill, self.add_node)
        self.node_menu = NodeMenu(self.rename, self.duplicate, self.delete_selected, self.copy)
        self.files = FileActions(model, self.runner, self.say)
        self.edits = EditActions(model, self.patch_view, self.placement, self.selection, self._select, self.say)
        self.problems_panel = ProblemsPanel(model, self.patch_view.tag, self._show_problem_node, self.say)
        self.shortcuts = Shortcuts(self)
        self.status = ""
        self.run_status = RunStatus(model, self.runner, self.observer, self.patch_view, self.refresh_problems,
                                    lambda: self.status, self.say)
        self.recovered_news = RecoveredNews(self.observer, lambda: self.status, self.say)
        self.has_viewport = False
        self.quit_requested = False
        self._frame = 0
        self._title = ""
        self._selected: list[str] = []  # the canvas's selection, as last seen
        self._refusal_said: str | None = None  # the last link refusal's reason put in the status bar
        # A menu of the menu bar lies over the canvas too: its item's click, the menu gone by the time the release's
        # handler ran, also cleared the canvas's selection
        self.clicks = CanvasClicks(model, self.patch_view, self.link_hints, self.inspector, self._select,
                                   self._clear_canvas_selection,
                                   lambda: self.modal_open() or self.popup_shown() or self.shortcuts.menu_open(),
                                   self.shortcuts.was_down)
        model.listen(self._on_change)

    # -- building ----------------------------------------------------------------------------------------------

    def build(self) -> None:
        # Not a primary window: Dear PyGui forces a primary window's background opaque, a full-window fill
        # (costly on a software renderer); the viewport's clear colour paints it instead (see style.py).
        with dpg.window(tag="main", label="ExSampling Patch", no_title_bar=True, no_move=True, no_resize=True,
                        no_collapse=True, no_background=True, no_bring_to_front_on_focus=True,
                        width=1400, height=900, pos=(0, 0)):
            self.shortcuts.build_menu()
            with dpg.group(horizontal=True):
                with dpg.child_window(width=PALETTE_W, height=-26, tag="palette"):
                    self.palette.build()
                with dpg.child_window(width=-(INSPECTOR_W + 8), height=-26, border=False), \
                        dpg.tab_bar(tag="tabs"):
                    with dpg.tab(label="Patch", tag="tab:patch"):
                        self.patch_view.build("tab:patch")
                        self.problems_panel.build("tab:patch")
                    with dpg.tab(label="Performance", tag="tab:perf"):
                        self.perf_view.build("tab:perf")
                with dpg.child_window(width=INSPECTOR_W, height=-26, tag="inspector_box"):
                    self.inspector.build("inspector_box")
            dpg.add_text("", tag="statusbar")
            with dpg.tooltip("statusbar"):  # the line is cut at the window's edge: a swap's reason, a long path
                dpg.add_text("", tag="statusbar:whole", wrap=700)
        dpg.bind_item_theme("main", style.main_window_theme())
        dpg.bind_theme(style.app_theme())
        style.configure_rendering()
        self.palette.fill(self.palette.list, "")
        self.files.build()
        self.add_popup.build()
        self.node_menu.build()
        self._build_handlers()
        self.refresh_problems()

    def _build_handlers(self) -> None:
        with dpg.handler_registry(tag="editor_handlers"):
            self.shortcuts.add_key_handlers()
            # Before the other mouse handlers: where the mouse was in their frame (CanvasClicks.mouse_then)
            dpg.add_mouse_move_handler(callback=self.clicks.on_move)
            dpg.add_mouse_release_handler(button=dpg.mvMouseButton_Left, callback=self.clicks.on_release)
            dpg.add_mouse_click_handler(button=dpg.mvMouseButton_Right, callback=self._on_right_click)
            dpg.add_mouse_wheel_handler(callback=self._on_wheel)

    # -- actions (menu items, keys and tests call these) --------------------------------------------------------

    def add_node(self, type_name: str, position: tuple[float, float] | None = None) -> str | None:
        if self.shortcuts.performance_shown():  # a type clicked in the palette there: the new node is to be seen
            dpg.set_value("tabs", "tab:patch")
        if position is None:
            position = self.placement.next_position(type_name)
        try:
            node_id = self.model.add_node(type_name, position)
        except (KeyError, ValueError) as error:
            self.status = str(error)
            return None
        self._select([node_id])  # the selection, as a pasted node is: Delete takes back a type clicked by mistake
        self.status = f"added {node_id}"  # else a link refused before stayed there, read as said of this node
        return node_id

    def _picked(self) -> None:
        """After a type is picked (in the palette or the pop-up): the pop-up closes."""
        self.add_popup.hide()

    def say(self, text: str) -> None:
        """Put ``text`` in the status bar."""
        self.status = text

    def selection(self) -> list[str]:
        """The nodes selected on the canvas, or else those just pasted or duplicated (marked as selected: Dear
        PyGui cannot select nodes from code), until the canvas selection changes."""
        selected = self.patch_view.selected_nodes()
        return selected or [n for n in self.patch_view.chosen if n in self.model.patch.nodes]

    # The edit actions (edit_actions.py).

    def undo(self) -> None:
        self.edits.undo()

    def redo(self) -> None:
        self.edits.redo()

    def copy(self, node_ids: list[str] | None = None) -> None:
        self.edits.copy(node_ids)

    def select_all(self) -> None:
        self.edits.select_all()

    def cut(self, node_ids: list[str] | None = None) -> None:
        self.edits.cut(node_ids)

    def paste(self) -> list[str]:
        return self.edits.paste()

    def duplicate(self, node_ids: list[str] | None = None) -> list[str]:
        return self.edits.duplicate(node_ids)

    def delete_selected(self, node_ids: list[str] | None = None) -> None:
        self.edits.delete_selected(node_ids)

    def rename(self, node_id: str) -> None:
        """Show the node in the inspector, its id field taking the keyboard: Enter there renames it (one undo step)."""
        if node_id not in self.model.patch.nodes:
            return
        self._select([node_id])
        dpg.focus_item(f"{self.inspector.tag}:id")
        self.status = f"type a new id for {node_id} and press Enter"

    def _select(self, node_ids: list[str]) -> None:
        """Make new nodes the selection: the canvas's own is cleared and they are marked (see :meth:`selection`)."""
        if not node_ids:
            return
        self._clear_canvas_selection()
        self.patch_view.choose(node_ids)
        self._selection_changed()
        self.inspector.show(node_ids[0] if len(node_ids) == 1 else None)

    def _selection_changed(self) -> None:
        # Said of the selection before: left, it went on saying nothing was selected beside a node selected since,
        # and beside what was said after.
        if self.status.startswith(KEPT):  # alone, or with what was said next ("...; <told>")
            self.status = self.status[len(KEPT):].removeprefix("; ")

    # Files and prompts (file_actions.py).

    def request(self, action: Callable[[], Any]) -> bool:
        """Run ``action`` now, or after the unsaved-changes prompt; returns True if it ran now."""
        return self.files.request(action)

    def answer_prompt(self, answer: str) -> None:
        self.files.answer_prompt(answer)

    def open(self, path: str | os.PathLike[str]) -> bool:
        """Open a patch, problems and all (see :meth:`FileActions.open`)."""
        return self.files.open(path)

    def show_message(self, title: str, text: str) -> None:
        self.files.show_message(title, text)

    def save(self) -> bool:
        return self.files.save()

    def save_as(self, path: str | os.PathLike[str]) -> bool:
        return self.files.save_as(path)

    def ask_open(self) -> None:
        self.files.ask_open()

    def new_patch(self) -> None:
        """A new, empty patch (call through :meth:`request`); a running patch stops first, as for Open."""
        self.files.new()

    def ask_save_as(self) -> None:
        self.files.ask_save_as()

    def modal_open(self) -> bool:
        return self.files.modal_open()

    def escape(self) -> bool:
        """Esc: cancel the prompt, a file dialog, the message, the add-node pop-up or the node menu, whichever is
        open."""
        if self.files.cancel():
            return True
        if self.popup_shown():
            self.add_popup.hide()
            self.node_menu.hide()
            return True
        return False

    def popup_shown(self) -> bool:
        """Whether the add-node pop-up or the node menu is open."""
        return self.add_popup.shown or self.node_menu.shown

    # The problems panel (problems_panel.py).

    def refresh_problems(self) -> None:
        self.problems_panel.refresh()

    def select_problem(self, index: int) -> str | None:
        """Show the node a listed problem is about in the inspector; returns its id (None if it names none)."""
        return self.problems_panel.select(index)

    @property
    def _problems(self) -> list[Problem]:
        return self.problems_panel.problems

    def _show_problem_node(self, node_id: str) -> None:
        self._clear_canvas_selection()
        self.inspector.show(node_id)
        self.navigator.reveal([node_id])  # a problem's node out of view: brought into it, to be seen and fixed

    def _clear_canvas_selection(self) -> None:
        """Clear the canvas's own selection, to show other nodes as selected or in the inspector."""
        # Dear PyGui clears it when it draws the next frame: until then it still reports the nodes clicked
        # before. Take those as seen, or frame() would take them for a new click and show the clicked node again
        # (Ctrl+V then Delete deleted nothing; a problem clicked showed its node for one frame).
        self._selected = self.patch_view.selected_nodes()
        dpg.clear_selected_nodes(self.patch_view.tag)

    def quit(self) -> None:
        def leave() -> None:
            self.quit_requested = True
            self.runner.stop()
            if self.has_viewport:
                dpg.stop_dearpygui()

        self.request(leave)

    def run_patch(self) -> bool:
        return self.run_status.run()

    def stop_patch(self) -> None:
        self.run_status.stop()

    # -- events ---------------------------------------------------------------------------------------------------

    def _on_change(self, what: str, subject: Any) -> None:
        if what == "refused" and subject.target in self.model.refusals:
            self.status = self._refusal_said = self.model.refusals[subject.target][1]
        elif what == "refused" and self.status == self._refusal_said:
            self.status = ""  # gone from the node: left in the status bar, it read as said of a node moved since
        elif what == "link_added":
            self.status = f"linked {subject}"
        elif what == "link_removed":  # a Ctrl+click took it away: say so (Delete, undo and redo say more after)
            self.status = f"unlinked {subject}"
        elif what == "node_renamed":  # else "type a new id for x and press Enter" stayed, the rename done
            self.status = f"renamed {subject[0]} to {subject[1]}"
        elif what == "param_changed":  # else the last link's "linked a.out -> b.in" stayed, read as just done
            self.status = f"set {subject[0]}.{subject[1]}"
        elif what == "reset":
            self.placement.restart()
            self.navigator.opening = True  # fitted once drawn (frame)
            # The stopped run's engine, listened to after its Stop for late news (Runner.stop), is another patch's: what
            # it reports now would be drawn on this patch's node of the same id.
            self.observer.detach()
            self.observer.clear()
            self.run_status.stop_said = None
            if dpg.does_item_exist(self.palette.list):  # a patch's node_dirs add types: before, File > Open left
                # them out of the palette (listed at build), while the right-click pop-up had them
                self.palette.fill(self.palette.list, dpg.get_value(self.palette.search) or "")
        if what not in ("node_moved", "refused", "saved"):
            self.refresh_problems()

    def _on_wheel(self, sender: Any, notches: Any) -> None:
        # Over the canvas as the mouse was at the notch: it may have left it by the time this handler runs
        if self.clicks.canvas_under(self.clicks.mouse_then()):
            # Shift as it was in the wheel's frame, for a handler held behind the frames (Shortcuts.was_down)
            self.navigator.wheel(float(notches), sideways=self.shortcuts.was_down(dpg.mvKey_LShift, dpg.mvKey_RShift))

    def _on_right_click(self, sender: Any, app_data: Any) -> None:
        # Where the mouse was at the click, not when this handler runs (held behind the frames, canvas_clicks.py):
        # moved on by then, the menu opened for what lay under it then, there
        mouse = self.clicks.mouse_then()
        if not self.clicks.canvas_under(mouse):
            return
        node_id = self.patch_view.node_at(mouse)
        if node_id is not None:  # what applies to that node, or to the selection it is part of
            chosen = self.selection()
            if node_id not in chosen:  # as in other editors: the node right-clicked becomes the selection
                self._select([node_id])
                dpg.clear_selected_links(self.patch_view.tag)  # alone, as a left click leaves it: Delete takes it
            self.add_popup.hide()
            self.node_menu.open_at((mouse[0], mouse[1]), node_id, chosen if node_id in chosen else [node_id])
            return
        self.node_menu.hide()
        self.placement.restart(self.patch_view.grid_at((mouse[0], mouse[1])))
        self.add_popup.open_at((mouse[0], mouse[1]))

    # -- the frame loop -------------------------------------------------------------------------------------------

    def frame(self) -> None:
        """Per-frame work on the GUI thread: apply runtime events, swap edited plans, refresh views."""
        self._frame += 1
        dialogs.collect()
        self.patch_view.measure()  # where the canvas is, while a node is in view to tell it
        self.navigator.frame(self.shortcuts.typing)
        told = self.navigator.settle()
        if told:  # after what opening said ("opened ...")
            self.status = f"{self.status}; {told}" if self.status else told
        self.link_hints.frame()
        down = self.clicks.frame()
        changed = self.observer.apply()
        self.run_status.frame(changed)  # the runtime's news on the nodes, the Stop's late news, a swap
        self.recovered_news.frame()  # the takes the last run left, passed on again at this one's start
        if changed or self._frame % 10 == 0:
            self.perf_view.refresh()
        selected = self.patch_view.selected_nodes()  # the canvas's own: marked nodes (pasted) stay marked
        if selected != self._selected:  # a click on a node shows it; other nodes may show meanwhile (added ones)
            self._selected = selected
            self._selection_changed()
            marked = [n for n in self.patch_view.chosen if n in self.model.patch.nodes]
            if down and len(selected) == 1 and selected[0] in marked and len(marked) > 1:
                self.clicks.group = (selected[0], marked)  # a press on one of them: a drag moves them all
            elif selected:
                self.patch_view.choose([])
            if len(selected) == 1:
                self.inspector.show(selected[0])
        if self.clicks.group is not None and down:
            self.patch_view.drag_along(*self.clicks.group)
        self._update_status()

    def _update_status(self) -> None:
        text = self.run_status.line()
        dpg.set_value("statusbar", text.replace("\n", " "))
        dpg.set_value("statusbar:whole", text.replace("  |  ", "\n"))
        if self.has_viewport and self.model.title != self._title:
            self._title = self.model.title
            dpg.set_viewport_title(self._title)

    def render(self, frames: int = 1) -> None:
        """Run ``frames`` frames (viewport needed), each followed by the callbacks it queued (callbacks.py): on
        this thread, between frames, so none runs beside one."""
        for _ in range(frames):
            self.frame()
            dpg.render_dearpygui_frame()
            callbacks.run_queued()

    def open_viewport(self, width: int = 1400, height: int = 900, vsync: bool = True, fit: bool = False) -> None:
        """The window: ``width`` x ``height``, or with ``fit`` at most that and within the screen, centred."""
        x, y, width, height = screen.window_box((width, height), screen.screen_size()) if fit else (
            100, 100, width, height)
        dpg.create_viewport(title=self.model.title, width=width, height=height, x_pos=x, y_pos=y,
                            disable_close=True, vsync=vsync)
        dpg.set_exit_callback(lambda: self.quit())
        dpg.set_viewport_clear_color(list(style.BACKGROUND))
        dpg.set_viewport_resize_callback(lambda *_: self._fit_main_window())
        callbacks.manage()  # before the set-up: no callback thread, callbacks run by render()
        dpg.setup_dearpygui()
        dpg.show_viewport()
        self._fit_main_window()
        self.has_viewport = True

    def _fit_main_window(self) -> None:
        """Keep the main window covering the viewport (what a primary window would do)."""
        width, height = dpg.get_viewport_client_width(), dpg.get_viewport_client_height()
        if width > 0 and height > 0:
            dpg.configure_item("main", pos=(0, 0), width=width, height=height)

    def run(self) -> None:
        """Open the window (fitted to the screen) and loop until quit."""
        self.open_viewport(fit=True)
        try:
            while dpg.is_dearpygui_running() and not self.quit_requested:
                self.render()
        finally:
            self.runner.stop()
