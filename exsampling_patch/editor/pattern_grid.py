"""The performance view's patterns: a step grid per slot for each pattern node, and its Link state.

The steps are the patch's (the pattern node's ``patterns`` parameter in the model being edited): a click on a
step toggles it (a rest becomes ``x``, a hit a rest) through :meth:`EditorModel.set_param`, so it is one undo
step and is swapped into the running patch like any other live edit (the node takes the new pattern at its
next step or bar). Tempo, beat, peers and whether it plays are what the running node reports in its status
(see docs/pattern.md, "For observers"), read from the runtime observer.
"""

from __future__ import annotations

import copy
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.model import EditorModel
from exsampling_patch.wording import counted

GROUPING = " |\t\n"  # characters that only group steps
REST = "._-0"
CELL = 18
EMPTY_STEPS = 16  # steps shown for a slot without a pattern
HIT_COLOUR, ACCENT_COLOUR, REST_COLOUR = (200, 130, 60), (240, 170, 70), (55, 55, 65)
#: Steps played at velocity 127: ``X``, the accent (docs/pattern.md), and ``9``, its velocity as a digit. Not ``x``,
#: a hit (110), which was drawn as an accent.
ACCENTS = "X9"


def step_colour(char: str) -> tuple[int, int, int]:
    """The colour of a step's cell: accents brighter than the other hits, rests dark."""
    if char in REST:
        return REST_COLOUR
    return ACCENT_COLOUR if char in ACCENTS else HIT_COLOUR


def step_chars(steps: str) -> list[str]:
    """The steps of a pattern string, one character each, without the grouping."""
    return [c for c in str(steps) if c not in GROUPING]


def toggle(steps: str, index: int) -> str:
    """``steps`` with step ``index`` toggled (rest -> ``x``, hit -> ``.``), keeping the grouping; a step past the
    end extends the pattern with rests, grouped by four."""
    chars = step_chars(steps)
    if index >= len(chars):
        flat = chars + ["."] * (index + 1 - len(chars))
        flat[index] = "x"
        return " ".join("".join(flat[i:i + 4]) for i in range(0, len(flat), 4))
    out, seen = [], 0
    for char in str(steps):
        if char not in GROUPING:
            if seen == index:
                char = "x" if char in REST else "."
            seen += 1
        out.append(char)
    return "".join(out)


def toggled_patterns(patterns: dict[str, Any], slot: str, index: int) -> dict[str, Any]:
    """A copy of a pattern node's ``patterns`` with ``slot``'s step ``index`` toggled (the slot's key as written,
    matched without case; a slot without a pattern gets one)."""
    new = copy.deepcopy(dict(patterns))
    key = next((k for k in new if str(k).lower() == slot.lower()), slot)
    value = new.get(key, "")
    if isinstance(value, dict):
        value = {**value, "steps": toggle(str(value.get("steps", "")), index)}
    else:
        value = toggle(str(value), index)
    new[key] = value
    return new


def slot_rows(patterns: dict[str, Any], slots: list[str]) -> list[tuple[str, list[str]]]:
    """(slot, steps) for every slot in ``slots`` order, then any pattern keyed otherwise (a channel number)."""
    lowered = {str(k).lower(): v for k, v in patterns.items()}
    rows = []
    for slot in slots:
        value = lowered.pop(str(slot).lower(), "")
        rows.append((str(slot), step_chars(value.get("steps", "") if isinstance(value, dict) else value)))
    for key, value in patterns.items():
        if str(key).lower() in lowered:
            rows.append((str(key), step_chars(value.get("steps", "") if isinstance(value, dict) else value)))
    return rows


def link_text(status: dict[str, Any]) -> str:
    """The node's clock, as it reports it: tempo, beat, Link peers or what it follows, playing."""
    if not status or "tempo" not in status:
        return "not running"
    parts = [f"{float(status['tempo']):.1f} BPM"]
    if isinstance(status.get("beat"), int | float):
        parts.append(f"beat {float(status['beat']):.1f}")
    if status.get("follows"):  # a MIDI clock master's, or another pattern node's: not Link's, nor its own
        parts.append(f"follows {status['follows']}")
    elif status.get("link"):
        peers = int(status.get("peers") or 0)
        parts.append(f"Link: {counted(peers, 'peer')}")
    else:
        parts.append("Link off")
    parts.append("playing" if status.get("playing") else "stopped")
    return "  |  ".join(parts)


class PatternPanel:
    """Step grids and clock state of every pattern node in the patch; :meth:`refresh` redraws what changed."""

    def __init__(self, model: EditorModel, observer: RuntimeObserver, tag: str) -> None:
        self.model = model
        self.observer = observer
        self.tag = tag
        self.message = ""
        self._signature: Any = None
        self._themes: dict[str, int] = {}

    def step_tag(self, node_id: str, slot: str, index: int) -> str:
        return f"{self.tag}:{node_id}:{slot}:{index}"

    def clock_tag(self, node_id: str) -> str:
        return f"{self.tag}:{node_id}:clock"

    def _pattern_nodes(self) -> list[str]:
        return [node_id for node_id, spec in self.model.patch.nodes.items() if spec.type == "pattern"]

    def _theme(self, colour: tuple[int, int, int]) -> int:
        name = str(colour)
        if name not in self._themes:
            with dpg.theme() as theme, dpg.theme_component(dpg.mvButton):
                dpg.add_theme_color(dpg.mvThemeCol_Button, colour)
                dpg.add_theme_style(dpg.mvStyleVar_FramePadding, 0, 0)
            self._themes[name] = theme
        return self._themes[name]

    def refresh(self) -> None:
        if not dpg.does_item_exist(self.tag):
            return
        nodes = self._pattern_nodes()
        grids = {n: (self.model.param_value(n, "patterns"), list(self.model.param_value(n, "slots"))) for n in nodes}
        signature = repr(sorted(grids.items()))
        if signature != self._signature:
            self._signature = signature
            self._build(grids)
        for node_id in nodes:
            live = self.observer.nodes.get(node_id)
            dpg.set_value(self.clock_tag(node_id), link_text(live.status if live is not None else {}))

    def _build(self, grids: dict[str, tuple[dict[str, Any], list[str]]]) -> None:
        dpg.delete_item(self.tag, children_only=True)
        for node_id, (patterns, slots) in grids.items():
            with dpg.group(horizontal=True, parent=self.tag):
                dpg.add_text(f"Pattern {node_id}", color=(250, 250, 250))
                dpg.add_text("", tag=self.clock_tag(node_id), color=(120, 220, 140))
            for slot, steps in slot_rows(patterns if isinstance(patterns, dict) else {}, slots):
                with dpg.group(horizontal=True, horizontal_spacing=2, parent=self.tag):
                    dpg.add_text(f"{slot[:8]:<8}")
                    for index in range(max(len(steps), 1 if steps else EMPTY_STEPS)):
                        char = steps[index] if index < len(steps) else "."
                        hit = char not in REST
                        button = dpg.add_button(label=char if hit else "", tag=self.step_tag(node_id, slot, index),
                                                width=CELL, height=CELL, callback=self._on_step,
                                                user_data=(node_id, slot, index))
                        dpg.bind_item_theme(button, self._theme(step_colour(char)))
                        if index % 4 == 3:
                            dpg.add_spacer(width=4)

    def _on_step(self, sender: Any, app_data: Any, user_data: tuple[str, str, int]) -> None:
        node_id, slot, index = user_data
        patterns = self.model.param_value(node_id, "patterns")
        new = toggled_patterns(patterns if isinstance(patterns, dict) else {}, slot, index)
        self.message = self.model.set_param(node_id, "patterns", new) or ""
