"""The editor window: menus, palette, patch and performance views, inspector, prompts, the frame loop.

:class:`EditorApp` builds every widget inside a Dear PyGui context without needing a viewport, so tests
drive it through widget callbacks; :meth:`EditorApp.run` opens the viewport and loops.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor import dialogs, style
from exsampling_patch.editor.add_popup import AddPopup
from exsampling_patch.editor.inspector import Inspector
from exsampling_patch.editor.link_hints import LinkHints
from exsampling_patch.editor.live import Runner, RuntimeObserver
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.navigate import Navigator
from exsampling_patch.editor.palette import grouped, palette_entries
from exsampling_patch.editor.patch_view import PatchView
from exsampling_patch.editor.perf_view import PerformanceView
from exsampling_patch.errors import PatchError, Problem

PALETTE_W, INSPECTOR_W = 230, 270
PROBLEMS_H = 130  # the problems panel under the patch, when there are any


def free_position(model: EditorModel, wanted: tuple[float, float], size: tuple[float, float] = (240, 110)
                  ) -> tuple[float, float]:
    """``wanted``, or the nearest spot below it where a new node covers no other node."""
    taken = [spec.position for spec in model.patch.nodes.values() if spec.position is not None]
    x, y = wanted
    for _ in range(200):
        if all(abs(x - px) >= size[0] or abs(y - py) >= size[1] for px, py in taken):
            return (x, y)
        y += size[1] / 2
    return wanted


class EditorApp:
    """The whole editor. Create a Dear PyGui context first; :meth:`build` makes the widgets."""

    def __init__(self, model: EditorModel, workers: int | None = None) -> None:
        self.model = model
        self.observer = RuntimeObserver()
        self.runner = Runner(model, self.observer, workers=workers)
        self.patch_view = PatchView(model)
        self.navigator = Navigator(self.patch_view, self.selection)
        self.link_hints = LinkHints(self.patch_view)
        self.inspector = Inspector(model)
        self.perf_view = PerformanceView(self.runner, self.observer)
        self.add_popup = AddPopup(lambda: self.model.registry, self.fill_palette, self.add_node)
        self.status = ""
        self.has_viewport = False
        self.quit_requested = False
        self._frame = 0
        self._title = ""
        self._spawn_step = 0
        self._selected: list[str] = []  # the canvas's selection, as last seen
        self._problems: list[Problem] = []  # listed in the problems panel
        self._problem_texts: list[str] | None = None
        model.listen(self._on_change)

    # -- building ----------------------------------------------------------------------------------------------

    def build(self) -> None:
        # Not a primary window: Dear PyGui forces a primary window's background opaque, a full-window fill
        # (costly on a software renderer); the viewport's clear colour paints it instead (see style.py).
        with dpg.window(tag="main", label="ExSampling Patch", no_title_bar=True, no_move=True, no_resize=True,
                        no_collapse=True, no_background=True, no_bring_to_front_on_focus=True,
                        width=1400, height=900, pos=(0, 0)):
            self._build_menu()
            with dpg.group(horizontal=True):
                with dpg.child_window(width=PALETTE_W, height=-26, tag="palette"):
                    dpg.add_input_text(tag="palette:search", hint="search nodes", width=-1,
                                       callback=lambda s, a, u=None: self.fill_palette("palette:list", a))
                    dpg.add_group(tag="palette:list")
                with dpg.child_window(width=-(INSPECTOR_W + 8), height=-26, border=False), \
                        dpg.tab_bar(tag="tabs"):
                    with dpg.tab(label="Patch", tag="tab:patch"):
                        self.patch_view.build("tab:patch")
                        dpg.add_child_window(tag="problems", height=PROBLEMS_H - 4, width=-1, show=False)
                    with dpg.tab(label="Performance", tag="tab:perf"):
                        self.perf_view.build("tab:perf")
                with dpg.child_window(width=INSPECTOR_W, height=-26, tag="inspector_box"):
                    self.inspector.build("inspector_box")
            dpg.add_text("", tag="statusbar")
        dpg.bind_item_theme("main", style.main_window_theme())
        dpg.bind_theme(style.app_theme())
        style.configure_rendering()
        self.fill_palette("palette:list", "")
        self._build_prompts()
        self._build_handlers()
        self.refresh_problems()

    def _build_menu(self) -> None:
        items: list[tuple[str, list[tuple[str, str, str, Callable[[], Any]]]]] = [
            ("File", [
                ("new", "New", "Ctrl+N", lambda: self.request(self.model.new)),
                ("open", "Open...", "Ctrl+O", lambda: self.request(self.ask_open)),
                ("save", "Save", "Ctrl+S", self.save),
                ("save_as", "Save as...", "", self.ask_save_as),
                ("quit", "Quit", "Ctrl+Q", self.quit),
            ]),
            ("Edit", [
                ("undo", "Undo", "Ctrl+Z", self.undo),
                ("redo", "Redo", "Ctrl+Shift+Z", self.redo),
                ("copy", "Copy", "Ctrl+C", self.copy),
                ("paste", "Paste", "Ctrl+V", self.paste),
                ("duplicate", "Duplicate", "Ctrl+D", self.duplicate),
                ("delete", "Delete", "Del", self.delete_selected),
            ]),
            ("View", self.navigator.menu_entries()),
            ("Run", [
                ("run", "Run", "F5", self.run_patch),
                ("stop", "Stop", "Shift+F5", self.stop_patch),
            ]),
        ]
        with dpg.menu_bar():
            for title, entries in items:
                with dpg.menu(label=title):
                    for key, label, shortcut, action in entries:
                        dpg.add_menu_item(label=label, shortcut=shortcut, tag=f"menu:{key}",
                                          callback=lambda s, a, u: u(), user_data=action)

    def _build_prompts(self) -> None:
        with dpg.window(tag="prompt", label="Unsaved changes", modal=True, show=False, no_resize=True,
                        width=360, height=110, pos=(500, 300)):
            dpg.add_text("The patch has unsaved changes. Save them first?")
            with dpg.group(horizontal=True):
                for answer in ("save", "discard", "cancel"):
                    dpg.add_button(label=answer.capitalize(), tag=f"prompt:{answer}", width=100,
                                   callback=lambda s, a, u: self.answer_prompt(u), user_data=answer)
        with dpg.window(tag="message", label="Cannot open", modal=True, show=False, width=600, height=260,
                        pos=(400, 250)):
            dpg.add_text("", tag="message:text", wrap=570)
            dpg.add_button(label="OK", tag="message:ok", width=100,
                           callback=lambda: dpg.configure_item("message", show=False))
        self.add_popup.build()

    def _build_handlers(self) -> None:
        with dpg.handler_registry(tag="editor_handlers"):
            dpg.add_key_press_handler(callback=self._on_key)
            dpg.add_mouse_release_handler(button=dpg.mvMouseButton_Left, callback=self._on_mouse_release)
            dpg.add_mouse_click_handler(button=dpg.mvMouseButton_Right, callback=self._on_right_click)

    def fill_palette(self, container: str, search: str) -> None:
        """The node types that match ``search``, grouped by family; a click adds one."""
        dpg.delete_item(container, children_only=True)
        prefix = "palette" if container == "palette:list" else "add_popup"
        groups = grouped(palette_entries(self.model.registry), search or "")
        if not groups:
            dpg.add_text("no node type matches", parent=container, color=(150, 150, 150))
        for family, entries in groups.items():
            with dpg.collapsing_header(label=family, parent=container, default_open=True):
                for entry in entries:
                    item = dpg.add_selectable(label=entry.type_name, tag=f"{prefix}:{entry.type_name}",
                                              callback=self._on_pick, user_data=entry.type_name)
                    with dpg.tooltip(item):
                        dpg.add_text(entry.doc, wrap=320)
                        dpg.add_text(entry.ports, color=(170, 170, 170), wrap=320)

    # -- actions (menu items, keys and tests call these) --------------------------------------------------------

    def add_node(self, type_name: str, position: tuple[float, float] | None = None) -> str | None:
        if position is None:
            x, y = self.patch_view.spawn_position
            position = free_position(self.model, (x + 30 * (self._spawn_step % 8), y + 30 * (self._spawn_step % 8)))
            self._spawn_step += 1
        try:
            node_id = self.model.add_node(type_name, position)
        except (KeyError, ValueError) as error:
            self.status = str(error)
            return None
        self.inspector.show(node_id)
        return node_id

    def _on_pick(self, sender: Any, app_data: Any, user_data: str) -> None:
        if dpg.does_item_exist(sender):
            dpg.set_value(sender, False)  # a selectable stays highlighted otherwise
        self.add_node(user_data)
        if dpg.does_item_exist("add_popup"):
            dpg.configure_item("add_popup", show=False)

    def selection(self) -> list[str]:
        """The nodes selected on the canvas, or else those just pasted or duplicated (marked as selected: Dear
        PyGui cannot select nodes from code), until the canvas selection changes."""
        selected = self.patch_view.selected_nodes()
        return selected or [n for n in self.patch_view.chosen if n in self.model.patch.nodes]

    def undo(self) -> None:
        command = self.model.undo()
        self.status = f"undid {command.label}" if command else "nothing to undo"

    def redo(self) -> None:
        command = self.model.redo()
        self.status = f"redid {command.label}" if command else "nothing to redo"

    def copy(self, node_ids: list[str] | None = None) -> None:
        count = self.model.copy(node_ids if node_ids is not None else self.selection())
        self.status = f"copied {count} node{'s' if count != 1 else ''}"

    def paste(self) -> list[str]:
        new = self.model.paste()
        self._select(new)
        self.status = f"pasted {len(new)} node{'s' if len(new) != 1 else ''}" if new else "nothing to paste"
        return new

    def duplicate(self, node_ids: list[str] | None = None) -> list[str]:
        new = self.model.duplicate(node_ids if node_ids is not None else self.selection())
        self._select(new)
        self.status = f"duplicated {len(new)} node{'s' if len(new) != 1 else ''}" if new else "nothing selected"
        return new

    def delete_selected(self) -> None:
        links = self.patch_view.selected_links()
        nodes = self.selection()
        if links:
            self.model.disconnect(links)
        if nodes:
            self.model.remove_nodes(nodes)

    def _select(self, node_ids: list[str]) -> None:
        """Make new nodes the selection: the canvas's own is cleared and they are marked (see :meth:`selection`)."""
        if not node_ids:
            return
        dpg.clear_selected_nodes(self.patch_view.tag)
        self._selected = []
        self.patch_view.choose(node_ids)
        self.inspector.show(node_ids[0] if len(node_ids) == 1 else None)

    def request(self, action: Callable[[], Any]) -> bool:
        """Run ``action`` now, or after the unsaved-changes prompt; returns True if it ran now."""
        if self.model.guard(action):
            return True
        dpg.configure_item("prompt", show=True)
        return False

    def answer_prompt(self, answer: str) -> None:
        dpg.configure_item("prompt", show=False)
        if answer == "save" and self.model.path is None:
            # No file yet: ask where; save_as() then runs the action the prompt holds.
            self.ask_save_as()
            return
        try:
            self.model.resolve(answer)
        except Exception as error:
            self.status = f"could not save: {error}"

    def open(self, path: str | os.PathLike[str]) -> bool:
        """Open a patch, problems and all (call through :meth:`request` to keep unsaved changes safe).

        Only a file that cannot be read as a patch at all (not YAML, ...) is refused, with the reason in a
        message window."""
        try:
            if self.runner.running:
                self.runner.stop()
            problems = self.model.open(path)
        except (PatchError, OSError) as error:
            self.status = f"cannot open {path}"
            self.show_message(f"Cannot open {path}", str(error))
            return False
        self.status = f"opened {path}"
        if problems:
            count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
            self.status += f": {count}, listed under the patch; it cannot run until they are fixed"
        return True

    def show_message(self, title: str, text: str) -> None:
        if dpg.does_item_exist("message"):
            dpg.configure_item("message", label=title, show=True)
            dpg.set_value("message:text", text)

    def refresh_problems(self) -> None:
        """List what keeps the patch from running under the patch; a click on one shows its node."""
        problems = self.model.problems()
        texts = [self._problem_text(p) for p in problems]
        if not dpg.does_item_exist("problems") or texts == self._problem_texts:
            return
        self._problem_texts = texts
        self._problems = problems
        dpg.delete_item("problems", children_only=True)
        dpg.configure_item("problems", show=bool(problems))
        dpg.configure_item(self.patch_view.tag, height=-PROBLEMS_H if problems else -1)
        if not problems:
            return
        dpg.add_text(f"{len(problems)} problem{'s' if len(problems) != 1 else ''}: the patch cannot run until they "
                     "are fixed. Click one to show its node.", parent="problems", color=(230, 200, 90))
        for index, text in enumerate(texts):
            dpg.add_selectable(label=text, tag=f"problems:{index}", parent="problems", span_columns=True,
                               callback=lambda s, a, u: self.select_problem(u), user_data=index)
            with dpg.tooltip(f"problems:{index}"):
                dpg.add_text(text, wrap=600)

    def _problem_text(self, problem: Problem) -> str:
        where = f"line {problem.line}: " if problem.line is not None else ""
        unkept = " [not read from the file: saving drops it]" if problem in self.model.file_problems else ""
        return f"{where}{problem.message}{f' ({problem.hint})' if problem.hint else ''}{unkept}"

    def select_problem(self, index: int) -> str | None:
        """Show the node a listed problem is about in the inspector; returns its id (None if it names none)."""
        if dpg.does_item_exist(f"problems:{index}"):
            dpg.set_value(f"problems:{index}", False)
        if index >= len(self._problems):
            return None
        node_id = self.model.problem_node(self._problems[index])
        if node_id is not None:
            dpg.clear_selected_nodes(self.patch_view.tag)
            self._selected = []
            self.inspector.show(node_id)
        self.status = self._problems[index].message
        return node_id

    def save(self) -> bool:
        if self.model.path is None:
            self.ask_save_as()
            return False
        return self.save_as(self.model.path)

    def save_as(self, path: str | os.PathLike[str]) -> bool:
        target = Path(path)
        if target.suffix == "":
            target = target.with_suffix(".yaml")
        try:
            self.model.save(target)
        except OSError as error:
            self.status = f"cannot save {target}: {error}"
            return False
        self.status = f"saved {target}"
        if self.model.pending:
            self.model.resolve("discard")  # already saved: run the action the prompt held
        return True

    def ask_open(self) -> None:
        dialogs.ask_path("dialog:open", "Open patch", self.open, default_path=str(self.model.base_dir),
                         ok_label="Open")

    def ask_save_as(self) -> None:
        name = self.model.path.name if self.model.path else "untitled.yaml"
        dialogs.ask_path("dialog:save_as", "Save patch as", self.save_as, default_path=str(self.model.base_dir),
                         default_name=name, ok_label="Save")

    def escape(self) -> bool:
        """Esc: cancel the prompt, a file dialog, the message or the add-node menu, whichever is open."""
        if dpg.does_item_exist("prompt") and dpg.get_item_configuration("prompt")["show"]:
            self.answer_prompt("cancel")
            self.status = "cancelled"
            return True
        if dialogs.cancel_open():
            return True
        for tag in ("message", "add_popup"):
            if dpg.does_item_exist(tag) and dpg.get_item_configuration(tag)["show"]:
                dpg.configure_item(tag, show=False)
                return True
        return False

    def _modal_open(self) -> bool:
        return dialogs.any_open() or any(dpg.does_item_exist(t) and dpg.get_item_configuration(t)["show"]
                                         for t in ("prompt", "message"))

    def quit(self) -> None:
        def leave() -> None:
            self.quit_requested = True
            self.runner.stop()
            if self.has_viewport:
                dpg.stop_dearpygui()

        self.request(leave)

    def run_patch(self) -> bool:
        if self.runner.start():
            self.status = f"running {self.model.patch.name or 'the patch'}"
            return True
        problems = self.model.problems()
        if problems:
            self.refresh_problems()
            count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
            self.status = f"cannot run, {count} (listed under the patch): " + "; ".join(p.message for p in problems)
        else:
            self.status = f"cannot run:\n{self.runner.problem}"
        return False

    def stop_patch(self) -> None:
        clean = self.runner.stop()
        self.patch_view.clear_live()
        self.status = "stopped" if clean else "stopped (some work did not finish in time)"

    # -- events ---------------------------------------------------------------------------------------------------

    def _on_change(self, what: str, subject: Any) -> None:
        if what == "refused" and subject.target in self.model.refusals:
            self.status = self.model.refusals[subject.target][1]
        elif what == "link_added":
            self.status = f"linked {subject}"
        elif what == "reset":
            self._spawn_step = 0
            self.observer.clear()
        if what not in ("node_moved", "refused", "saved"):
            self.refresh_problems()

    def _on_key(self, sender: Any, key: int) -> None:
        ctrl = dpg.is_key_down(dpg.mvKey_LControl) or dpg.is_key_down(dpg.mvKey_RControl)
        shift = dpg.is_key_down(dpg.mvKey_LShift) or dpg.is_key_down(dpg.mvKey_RShift)
        if key == dpg.mvKey_Escape:
            self.escape()
            return
        if self._modal_open() or self._typing():
            return  # keys belong to the prompt or dialog on top, or to the text field being edited
        actions: dict[tuple[bool, bool, int], Callable[[], Any]] = {
            (True, False, dpg.mvKey_Z): self.undo,
            (True, True, dpg.mvKey_Z): self.redo,
            (True, False, dpg.mvKey_Y): self.redo,
            (True, False, dpg.mvKey_C): self.copy,
            (True, False, dpg.mvKey_V): self.paste,
            (True, False, dpg.mvKey_D): self.duplicate,
            (True, False, dpg.mvKey_S): self.save,
            (True, False, dpg.mvKey_N): lambda: self.request(self.model.new),
            (True, False, dpg.mvKey_O): lambda: self.request(self.ask_open),
            (True, False, dpg.mvKey_Q): self.quit,
            (False, False, dpg.mvKey_Delete): self.delete_selected,
            (False, False, dpg.mvKey_F5): self.run_patch,
            (False, True, dpg.mvKey_F5): self.stop_patch,
        }
        action = actions.get((ctrl, shift, key)) or self.navigator.keys().get((ctrl, shift, key))
        if action is None and self.performance_shown():
            action = self.perf_view.keys().get((ctrl, shift, key))  # 1-8, Space: hear a slot
        if action is not None:
            action()

    @staticmethod
    def performance_shown() -> bool:
        """Whether the Performance tab is the one shown."""
        if not dpg.does_item_exist("tabs"):
            return False
        shown = dpg.get_value("tabs")
        return shown in ("tab:perf", dpg.get_alias_id("tab:perf"))

    def _typing(self) -> bool:
        """Whether keys belong to a widget being edited (a text field, a table cell, a slider being dragged).

        Asks every widget of the inspector and the search fields for its state; widgets that have no
        "active" state (a table, a group) are not being edited.
        """
        for item in (*self._descendants("inspector_box"), "palette:search", "add_popup:search"):
            if dpg.does_item_exist(item) and dpg.get_item_state(item).get("active", False):
                return True
        return False

    @staticmethod
    def _descendants(item: int | str) -> list[int | str]:
        found: list[int | str] = []
        if not dpg.does_item_exist(item):
            return found
        todo: list[int | str] = [item]
        while todo:
            current = todo.pop()
            found.append(current)
            for slot in (dpg.get_item_children(current) or {}).values():
                todo.extend(slot)
        return found

    def _on_mouse_release(self, sender: Any, app_data: Any) -> None:
        self.patch_view.commit_moves()
        if dpg.is_item_hovered(self.patch_view.tag) and not self.patch_view.selected_nodes():
            self.patch_view.choose([])  # a click on empty canvas: nothing is selected any more
            if self.inspector.node_id is not None:
                self.inspector.show(None)

    def _on_right_click(self, sender: Any, app_data: Any) -> None:
        if not dpg.is_item_hovered(self.patch_view.tag):
            return
        mouse = dpg.get_mouse_pos(local=False)
        self.patch_view.spawn_position = self.patch_view.grid_at((mouse[0], mouse[1]))
        self._spawn_step = 0
        self.add_popup.open_at((mouse[0], mouse[1]))

    # -- the frame loop -------------------------------------------------------------------------------------------

    def frame(self) -> None:
        """Per-frame work on the GUI thread: apply runtime events, swap edited plans, refresh views."""
        self._frame += 1
        dialogs.collect()
        self.navigator.frame(self._typing)
        self.link_hints.frame()
        changed = self.observer.apply()
        for node_id in changed:
            self.patch_view.show_live(node_id, self.observer.nodes.get(node_id))
        if self.runner.sync():
            self.status = f"plan v{self.observer.plan_version + 1} swapped in"
        if changed or self._frame % 10 == 0:
            self.perf_view.refresh()
        selected = self.patch_view.selected_nodes()  # the canvas's own: marked nodes (pasted) stay marked
        if selected != self._selected:  # a click on a node shows it; other nodes may show meanwhile (added ones)
            self._selected = selected
            if selected:
                self.patch_view.choose([])
            if len(selected) == 1:
                self.inspector.show(selected[0])
        self._update_status()

    def _update_status(self) -> None:
        run = "running" if self.runner.running else "stopped"
        if self.runner.swapping:
            run += " (swapping the edit in)"
        problem = self.runner.problem
        parts = [self.model.title, run, f"{len(self.model.patch.nodes)} nodes, {len(self.model.patch.links)} links"]
        text = "  |  ".join(parts) + (f"  |  {self.status}" if self.status else "")
        if problem and self.runner.running:
            text += f"  |  {problem}"
        dpg.set_value("statusbar", text.replace("\n", " "))
        if self.has_viewport and self.model.title != self._title:
            self._title = self.model.title
            dpg.set_viewport_title(self._title)

    def render(self, frames: int = 1) -> None:
        """Run ``frames`` frames (viewport needed)."""
        for _ in range(frames):
            self.frame()
            dpg.render_dearpygui_frame()

    def open_viewport(self, width: int = 1400, height: int = 900, vsync: bool = True) -> None:
        dpg.create_viewport(title=self.model.title, width=width, height=height, disable_close=True, vsync=vsync)
        dpg.set_exit_callback(lambda: self.quit())
        dpg.set_viewport_clear_color(list(style.BACKGROUND))
        dpg.set_viewport_resize_callback(lambda *_: self._fit_main_window())
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
        """Open the window and loop until quit."""
        self.open_viewport()
        try:
            while dpg.is_dearpygui_running() and not self.quit_requested:
                self.render()
        finally:
            self.runner.stop()
