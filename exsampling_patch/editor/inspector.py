"""The inspector: parameter widgets for the selected node, generated from its type's Param specs.

Each widget's tag is ``param:<node id>:<name>``; its callback sends the new value to the model, which
validates it (a refused value is shown in red under the widget, and the patch is left unchanged).
"""

from __future__ import annotations

from functools import partial
from typing import Any

import dearpygui.dearpygui as dpg
import numpy as np
import yaml

from exsampling_patch.editor import dialogs
from exsampling_patch.editor.fields import commit_on_leave
from exsampling_patch.editor.history import UNSET
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.editor.node_line import fit_text
from exsampling_patch.editor.node_text import text_width
from exsampling_patch.editor.params import (
    WidgetSpec,
    format_value,
    parse_list,
    value_tip,
    widget_spec,
)
from exsampling_patch.editor.patch_view import ERROR_RED, WARN_YELLOW
from exsampling_patch.editor.present import present_kind
from exsampling_patch.editor.present_combo import COMBOS
from exsampling_patch.editor.rebase import as_patch_relative, browse_start
from exsampling_patch.editor.table_param import TableEditor
from exsampling_patch.validate import SLOT_SENDERS

WIDTH = 220
TOOLTIP_WRAP = 360  # a tooltip's lines wrap here instead of running off the screen
REMOVE_W = 64  # a "remove" button beside a parameter's text, with the space before it
#: Widgets whose value is typed and taken on Enter, or when left (fields.py); a device combo is not typed.
TYPED = ("input_int", "input_float", "text", "path", "list")


class Inspector:
    """Shows one node's id, type, doc and parameters. ``tag`` is its container."""

    def __init__(self, model: EditorModel, tag: str = "inspector") -> None:
        self.model = model
        self.tag = tag
        self.node_id: str | None = None
        self._tables: dict[str, TableEditor] = {}
        self._raw: set[str] = set()  # parameters shown as text because their value does not fit
        self._path_target: str | None = None
        model.listen(self._on_change)

    def build(self, parent: int | str) -> None:
        with dpg.child_window(tag=self.tag, parent=parent, width=-1, height=-1):
            pass
        self.show(None)

    def _show_patch_info(self) -> None:
        """With no node selected: the patch's name and description, to edit (saved with the patch)."""
        dpg.add_text("Select a node to edit its parameters.", tag=f"{self.tag}:empty", parent=self.tag, wrap=WIDTH)
        dpg.add_separator(parent=self.tag)
        dpg.add_text("Patch name", parent=self.tag)
        dpg.add_input_text(tag="patch:name", parent=self.tag, width=WIDTH, on_enter=True, hint="(its file's name)",
                           default_value=self.model.patch.name, callback=self._on_info, user_data="name")
        commit_on_leave("patch:name")
        dpg.add_text("Description", parent=self.tag)
        # Dear ImGui's text fields do not wrap: a long description ran off the field's right edge. Unless it is
        # being edited (or empty, to click into) it is shown as text wrapped to the field's width instead, and
        # a click on that text opens the field in its place.
        description = self.model.patch.description
        dpg.add_text(description, tag="patch:description:shown", parent=self.tag, wrap=WIDTH,
                     show=bool(description))
        # Enter makes a new line here: the edit is one undo step when the field is left (a click elsewhere).
        dpg.add_input_text(tag="patch:description", parent=self.tag, width=WIDTH, height=120, multiline=True,
                           default_value=description, user_data="description", show=not description)
        if not dpg.does_item_exist(f"{self.tag}:description_handlers"):
            with dpg.item_handler_registry(tag=f"{self.tag}:description_handlers"):
                dpg.add_item_deactivated_after_edit_handler(
                    callback=lambda s, a, u=None: self._on_info(s, dpg.get_value("patch:description"), "description"))
                dpg.add_item_deactivated_handler(callback=lambda *_: self._show_description(editing=False))
            with dpg.item_handler_registry(tag=f"{self.tag}:description_shown_handlers"):
                dpg.add_item_clicked_handler(callback=lambda *_: self._show_description(editing=True))
        dpg.bind_item_handler_registry("patch:description", f"{self.tag}:description_handlers")
        dpg.bind_item_handler_registry("patch:description:shown", f"{self.tag}:description_shown_handlers")
        dpg.add_text("(click the description to edit it; it is kept when you click elsewhere)", parent=self.tag,
                     color=(150, 150, 150), wrap=WIDTH)

    def _show_description(self, editing: bool) -> None:
        """Swap the wrapped description for its field (``editing``: focused, to type in) or back (the field
        left; empty, the field stays, to be clicked into)."""
        field, shown = "patch:description", "patch:description:shown"
        if not (dpg.does_item_exist(field) and dpg.does_item_exist(shown)):
            return  # the inspector was rebuilt (a node clicked)
        text = dpg.get_value(field)  # what was typed: the model may take it after this (handlers' order)
        in_field = editing or not text
        dpg.set_value(shown, text)
        dpg.configure_item(shown, show=not in_field)
        dpg.configure_item(field, show=in_field)
        if editing:
            dpg.focus_item(field)

    def take_typed(self, item: int | str) -> bool:
        """Take what is typed in ``item``, a field being edited, where Dear PyGui gives it before the field is
        left: the description's (a multi-line field, not taken on Enter). Returns whether it was taken."""
        if dpg.get_item_alias(item) != "patch:description":
            return False
        self._on_info(item, dpg.get_value(item), "description")
        return True

    def _on_info(self, sender: Any, app_data: str, user_data: str) -> None:
        self.model.set_info(user_data, app_data)

    def _on_rename(self, sender: Any, app_data: str, user_data: str) -> None:
        reason = self.model.rename_node(user_data, app_data)
        dpg.set_value(f"{self.tag}:id:error", reason or "")
        dpg.configure_item(f"{self.tag}:id:error", show=reason is not None)

    def _on_change(self, what: str, subject: Any) -> None:
        if not dpg.does_item_exist(self.tag):
            return
        if what == "reset" or (what == "node_removed" and subject == self.node_id):
            self.show(None)
            return
        if what == "node_renamed" and subject[0] == self.node_id:
            self.show(subject[1])
            return
        if what == "info_changed" and self.node_id is None and dpg.does_item_exist(f"patch:{subject}"):
            dpg.set_value(f"patch:{subject}", getattr(self.model.patch, subject))
            if subject == "description" and not dpg.get_item_state("patch:description").get("active"):
                self._show_description(editing=False)  # undone, redone: shown wrapped, as it now is
        if what == "param_changed" and subject[0] == self.node_id:
            self._refresh_value(subject[1])
        elif what == "node_retyped" and subject == self.node_id:
            self.show(self.node_id)
        elif (what in ("link_added", "link_removed") and self.node_id is not None and self._tables
              and self.model.patch.nodes[self.node_id].type in SLOT_SENDERS):
            self.show(self.node_id)  # the slots its table may name are those of the nodes it feeds
        if what not in ("node_moved", "refused", "saved"):
            self._refresh_problems()

    def _refresh_problems(self) -> None:
        tag = f"{self.tag}:problems"
        if self.node_id is None or not dpg.does_item_exist(tag):
            return
        found = self.model.node_problems().get(self.node_id, [])
        text = "\n".join(f"- {m.removeprefix(f'node {self.node_id!r}: ')}" for m in found)
        if dpg.get_value(tag) != text:
            dpg.set_value(tag, text)
            dpg.configure_item(tag, show=bool(text))

    # -- building ---------------------------------------------------------------------------------------------

    def show(self, node_id: str | None) -> None:
        """Rebuild the widgets for ``node_id`` (None clears the inspector).

        A node no longer in the patch is shown as no node (a box selection deleted: the canvas reports the last node
        of it selected alone for a frame). None goes half-way through: Delete runs between frames (callbacks.py).
        """
        if node_id is not None and node_id not in self.model.patch.nodes:
            node_id = None
        self.node_id = node_id
        self._tables.clear()
        self._raw.clear()
        dpg.delete_item(self.tag, children_only=True)
        if node_id is None:
            self._show_patch_info()
            return
        spec = self.model.patch.nodes[node_id]
        id_field = dpg.add_input_text(default_value=node_id, tag=f"{self.tag}:id", parent=self.tag, width=WIDTH,
                                      on_enter=True, callback=self._on_rename, user_data=node_id)
        commit_on_leave(id_field)
        with dpg.tooltip(id_field):
            dpg.add_text("The node's id: type a new one and press Enter to rename it (its links follow; "
                         "Ctrl+Z undoes it)", wrap=360)
        dpg.add_text("", tag=f"{self.tag}:id:error", parent=self.tag, color=ERROR_RED, wrap=WIDTH, show=False)
        dpg.add_text("", tag=f"{self.tag}:problems", parent=self.tag, color=WARN_YELLOW, wrap=WIDTH, show=False)
        self._refresh_problems()
        if spec.type not in self.model.registry:
            self._show_placeholder(node_id)
            return
        node_type = self.model.registry.get(spec.type)
        dpg.add_text(f"{spec.type} ({node_type.family})", parent=self.tag, color=(170, 170, 170))
        dpg.add_text(node_type.doc(), parent=self.tag, wrap=WIDTH)
        dpg.add_separator(parent=self.tag)
        for param in node_type.param_specs.values():
            if param.name in spec.params and self._refused(param, spec.params[param.name]):
                self._add_raw(node_id, param.name, widget_spec(param).tooltip)
            else:
                self._add_param(node_id, widget_spec(param))
        extra = [name for name in spec.params if name not in node_type.param_specs]
        if extra:
            dpg.add_separator(parent=self.tag)
            dpg.add_text(f"Not parameters of {spec.type} (kept until removed):", parent=self.tag, color=WARN_YELLOW,
                         wrap=WIDTH)
            for name in extra:
                self._add_extra(node_id, name)

    @staticmethod
    def _refused(param: Any, value: Any) -> bool:
        try:
            param.validate(value)
        except Exception:
            return True
        return False

    def _show_placeholder(self, node_id: str) -> None:
        """A node of an unknown type: its kept parameters, and a choice of type to make it (links stay)."""
        spec = self.model.patch.nodes[node_id]
        registry = self.model.registry
        dpg.add_text(f"{spec.type} (unknown type: a placeholder that keeps its parameters and links)",
                     parent=self.tag, color=(170, 170, 170), wrap=WIDTH)
        close = registry.closest(spec.type)
        choices = [*close, *sorted(t for t in registry.types if t not in close)]
        with dpg.group(horizontal=True, parent=self.tag):
            dpg.add_combo(choices, default_value=close[0] if close else "", tag=f"type:{node_id}", width=WIDTH - 70)
            dpg.add_button(label="make it", tag=f"type:{node_id}:apply", callback=self._on_retype,
                           user_data=node_id)
        dpg.add_separator(parent=self.tag)
        for name in spec.params:
            self._add_extra(node_id, name)

    def _on_retype(self, sender: Any, app_data: Any, user_data: str) -> None:
        chosen = dpg.get_value(f"type:{user_data}")
        if chosen:
            self.model.set_type(user_data, chosen)

    def _add_extra(self, node_id: str, name: str) -> None:
        """A parameter kept from the file that the node's type does not take: its value, and a remove button."""
        tag = self._tag(name)
        value = self.model.patch.nodes[node_id].params[name]
        with dpg.group(horizontal=True, parent=self.tag):
            # Cut to leave room for the button: a long one was pushed past the inspector's edge, out of reach.
            dpg.add_text(fit_text(f"{name}: {format_value(value)}", WIDTH - REMOVE_W, text_width), tag=f"{tag}:label")
            dpg.add_button(label="remove", tag=f"{tag}:remove", callback=self._on_remove_param, user_data=name)
        with dpg.tooltip(f"{tag}:label"):
            dpg.add_text(value_tip(name, value), tag=f"{tag}:tip", wrap=TOOLTIP_WRAP)

    def _on_remove_param(self, sender: Any, app_data: Any, user_data: str) -> None:
        if self.node_id is not None:
            self.model.remove_param(self.node_id, user_data)
            self.show(self.node_id)

    def _add_raw(self, node_id: str, name: str, tooltip_text: str) -> None:
        """A parameter whose value in the file does not fit (wrong kind, out of range): its text as written,
        to correct; the widget of its kind comes back once the value fits."""
        tag = self._tag(name)
        value = self.model.patch.nodes[node_id].params[name]
        self._raw.add(name)
        with dpg.group(parent=self.tag):
            dpg.add_text(name, tag=f"{tag}:label", color=WARN_YELLOW)
            dpg.add_input_text(default_value=format_value(value), tag=tag, width=WIDTH, on_enter=True,
                               callback=self._on_raw, user_data=name)
            commit_on_leave(tag)
            with dpg.tooltip(f"{tag}:label"):
                dpg.add_text(tooltip_text, wrap=400)
            dpg.add_text("", tag=f"{tag}:error", color=ERROR_RED, wrap=WIDTH, show=False)
        param = self.model.registry.get(self.model.patch.nodes[node_id].type).param_specs[name]
        try:
            param.validate(value)
        except Exception as error:
            self._show_error(name, str(error))

    def _on_raw(self, sender: Any, app_data: str, user_data: str) -> None:
        try:
            value = yaml.safe_load(app_data) if app_data.strip() else UNSET
        except yaml.YAMLError:
            value = app_data
        if self._set(user_data, value) is None and self.node_id is not None:
            self.show(self.node_id)  # it fits now: the widget of its kind

    def _tag(self, name: str) -> str:
        return f"param:{self.node_id}:{name}"

    def _add_param(self, node_id: str, ws: WidgetSpec) -> None:
        name, tag = ws.name, self._tag(ws.name)
        value = self.model.param_value(node_id, name)
        label = f"{name}{' *' if ws.required else ''}"
        with dpg.group(parent=self.tag):
            dpg.add_text(label, tag=f"{tag}:label")
            common: dict[str, Any] = {"tag": tag, "width": WIDTH, "callback": self._on_widget, "user_data": name}
            if ws.widget == "checkbox":
                del common["width"]
                dpg.add_checkbox(default_value=bool(value), **common)
            elif ws.widget == "combo":
                dpg.add_combo(list(ws.choices), default_value=str(value), **common)
            elif ws.widget == "slider_int":
                dpg.add_slider_int(default_value=int(value or 0), min_value=int(ws.minimum or 0),
                                   max_value=int(ws.maximum or 0), **common)
                dpg.bind_item_handler_registry(tag, self._slider_handlers())
            elif ws.widget == "slider_float":
                dpg.add_slider_float(default_value=float(value or 0.0), min_value=float(ws.minimum or 0.0),
                                     max_value=float(ws.maximum or 0.0), **common)
                dpg.bind_item_handler_registry(tag, self._slider_handlers())
            elif ws.widget == "input_int":
                dpg.add_input_int(default_value=int(value or 0), on_enter=True, **common)
            elif ws.widget == "input_float":
                dpg.add_input_float(default_value=float(value or 0.0), on_enter=True, format="%.4g", **common)
            elif ws.widget == "table":
                self._add_table(name, tag)
            elif (kind := present_kind(self.model.patch.nodes[node_id].type, name)) is not None:
                # A device or port: chosen among those present (present_combo.py, shared with the performance view).
                COMBOS.add(f"{tag}:choice", kind, partial(self.model.param_value, node_id, name),
                           partial(self._on_present, name), WIDTH)
            elif ws.widget == "path":
                with dpg.group(horizontal=True):
                    common["width"] = WIDTH - 40
                    dpg.add_input_text(default_value="" if value is None else str(value), on_enter=True, **common)
                    dpg.add_button(label="...", tag=f"{tag}:browse", callback=self._browse, user_data=name)
            elif ws.widget == "list":
                dpg.add_input_text(default_value=format_value(value or []), on_enter=True, **common)
            else:
                dpg.add_input_text(default_value="" if value is None else str(value), on_enter=True, **common)
            if ws.widget in TYPED and dpg.does_item_exist(tag):
                commit_on_leave(tag)
            with dpg.tooltip(f"{tag}:label"):
                dpg.add_text(ws.tooltip, wrap=TOOLTIP_WRAP)
            if dpg.does_item_exist(tag):
                with dpg.tooltip(tag):
                    dpg.add_text(ws.tooltip, wrap=TOOLTIP_WRAP)
            dpg.add_text("", tag=f"{tag}:error", color=ERROR_RED, wrap=WIDTH, show=False)

    def _slider_handlers(self) -> str:
        """The handlers every slider shares: its value is set when it is let go (see :meth:`_on_widget`)."""
        tag = f"{self.tag}:slider_handlers"
        if not dpg.does_item_exist(tag):
            with dpg.item_handler_registry(tag=tag):
                dpg.add_item_deactivated_after_edit_handler(callback=self._on_slider_done)
        return tag

    def _on_slider_done(self, sender: Any, app_data: Any, user_data: Any = None) -> None:
        """A slider let go after a drag, or Enter after a value typed into it: its value, as one edit."""
        if dpg.does_item_exist(app_data):
            self._on_widget(app_data, dpg.get_value(app_data), dpg.get_item_user_data(app_data))

    def _add_table(self, name: str, tag: str) -> None:
        """A key/value table (a class-to-slot map): table_param.py; an edit sets the parameter at once."""
        node = self.model.patch.nodes[self.node_id or ""]
        param = self.model.registry.get(node.type).param_specs[name]
        # The slots its values name are offered as a choice of the slots of the samplers it feeds.
        to_slots = SLOT_SENDERS.get(node.type, {}).get(name) == "values"  # keyed by class (a slot map's table)
        slots = self.model.slot_choices(node.id) if to_slots else []
        # A table of changes shows its base with them: the default, or nothing (the slot map's base_table).
        base = {param.base: self.model.param_value(node.id, param.base)} if param.base else {}
        editor = TableEditor(param, node.params.get(name), tag, WIDTH, slots, partial(self._set, name), base,
                             "class" if to_slots else "row")
        self._tables[name] = editor
        editor.build()

    def _refresh_value(self, name: str) -> None:
        """Show the model's value (after undo or redo) without rebuilding the panel."""
        if self.node_id is None:
            return
        tag = self._tag(name)
        spec = self.model.patch.nodes[self.node_id]
        node_type = self.model.registry.types.get(spec.type)
        param = node_type.param_specs.get(name) if node_type is not None else None
        based = any(t.param.base == name for t in self._tables.values())  # a table's base: the table changes
        if (name in self._tables or based or name in self._raw or not dpg.does_item_exist(tag) or param is None
                or (name in spec.params and self._refused(param, spec.params[name]))):
            self.show(self.node_id)
            return
        value = self.model.param_value(self.node_id, name)
        if isinstance(value, list):
            value = format_value(value)
        dpg.set_value(tag, "" if value is None else value)
        dpg.configure_item(f"{tag}:error", show=False)

    # -- callbacks ----------------------------------------------------------------------------------------------

    def _set(self, name: str, value: Any) -> str | None:
        if self.node_id is None:
            return None
        reason = self.model.set_param(self.node_id, name, value)
        tag = f"{self._tag(name)}:error"
        if dpg.does_item_exist(tag):
            dpg.set_value(tag, self._kept(name, reason) if reason else "")
            dpg.configure_item(tag, show=reason is not None)
        return reason

    def _kept(self, name: str, reason: str) -> str:
        """``reason`` and the value the patch keeps instead: the widget still shows the refused one (a slider at
        7.000), and with Ctrl+Z saying "nothing to undo" and Ctrl+S "saved", the composer took it for set."""
        if self.node_id is None:
            return reason
        kept = self.model.param_value(self.node_id, name)
        if isinstance(kept, dict):  # a table's rows: too long to say, and its own rows show them
            return reason
        said = format_value(kept) if isinstance(kept, list) else "no value" if kept in (None, "") else kept
        return f"{reason}; the patch keeps {said}"

    def _on_widget(self, sender: Any, app_data: Any, user_data: str) -> None:
        if self.node_id is None:
            return
        if sender is not None and _is_slider(sender) and dpg.is_item_active(sender):
            # A slider calls back on every frame of a drag and every key typed into it (Ctrl+click): "0.45"
            # would set 0.0, then 0.4, then 0.45, each an undo step and, while running, a plan swapped in. The
            # value is set once, when the slider is let go (_on_slider_done).
            return
        param = self.model.registry.get(self.model.patch.nodes[self.node_id].type).param_specs[user_data]
        value = app_data
        if param.kind_name == "float" and isinstance(value, float):
            value = _as_shown(value)
        if param.kind_name == "list" and isinstance(value, str):
            try:
                value = parse_list(value)
            except Exception as error:
                self._show_error(user_data, f"not a list: {error}")
                return
        elif param.kind_name in ("str", "path", "choice") and value == "" and not param.required:
            value = UNSET if param.default in (None, "") else ""
        elif param.kind_name in ("str", "path") and value == "" and param.required:
            value = None
        self._set(user_data, value)

    def _on_present(self, name: str, value: str) -> None:
        self._on_widget(None, value, name)

    def _show_error(self, name: str, text: str) -> None:
        tag = f"{self._tag(name)}:error"
        dpg.set_value(tag, text)
        dpg.configure_item(tag, show=True)

    def _browse(self, sender: Any, app_data: Any, user_data: str) -> None:
        if self.node_id is None:
            return
        self._path_target = user_data
        node_type = self.model.registry.types.get(self.model.patch.nodes[self.node_id].type)
        param = node_type.param_specs.get(user_data) if node_type is not None else None
        # A file (the classifier's model) is chosen among files: a folder dialog listed none to choose.
        file = param is not None and param.path_kind == "file"
        start, name = browse_start(self.model.param_value(self.node_id, user_data), self.model.base_dir, file)
        dialogs.ask_path(f"{self.tag}:path_dialog", f"Choose {user_data}", self._on_path_chosen, directory=not file,
                         default_path=str(start), extensions=(), default_name=name, ok_label="Choose")

    def _on_path_chosen(self, chosen: str) -> None:
        if self._path_target is None or self.node_id is None:
            return
        if self.model.path is not None:  # a new patch's paths are taken from where it is saved: kept absolute
            chosen = as_patch_relative(chosen, self.model.base_dir)
        self._set(self._path_target, chosen)
        self._refresh_value(self._path_target)


def _is_slider(item: Any) -> bool:
    return dpg.does_item_exist(item) and dpg.get_item_type(item).endswith(("SliderFloat", "SliderInt"))


def _as_shown(value: float) -> float:
    """A float widget's value as typed or shown: Dear PyGui's float widgets hold 32-bit floats, so a typed 0.45
    comes back as 0.44999998807907104; the shortest decimal that is the same 32-bit float is what was meant."""
    return float(str(np.float32(value)))
