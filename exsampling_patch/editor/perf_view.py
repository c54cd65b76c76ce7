"""The performance view: sampler slots, the takes' map and the pairing URL with its QR code (``pairing.py``).

Slots are read from running nodes that expose ``slot_states()`` (see :mod:`exsampling_patch.editor.slots`);
without one, the slot assignments seen flowing are shown read-only. Takes with a location are points
on a map scaled to the area, with a scale bar.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

import dearpygui.dearpygui as dpg
import numpy as np

from exsampling_patch.editor import geo
from exsampling_patch.editor.history import UNSET
from exsampling_patch.editor.live import Runner, RuntimeObserver, TakePoint, envelope
from exsampling_patch.editor.live_badges import meter_fill
from exsampling_patch.editor.pairing import PairingPane
from exsampling_patch.editor.pattern_grid import PatternPanel
from exsampling_patch.editor.present_combo import COMBOS, PresentCombos
from exsampling_patch.editor.slot_history import chosen_index, followed_choice, history_choices, shown_takes
from exsampling_patch.editor.slots import (
    SlotState,
    audition,
    clip,
    fate_cell,
    fate_colour,
    fate_text,
    nowhere,
    read_slots,
    rollback_steps,
    slot_control,
    take_text,
)
from exsampling_patch.wording import end_in_words, label_words, named_label

MAP_W, MAP_H = 420, 280
WAVE_W, WAVE_H = 96, 32
#: The slot rows' text, cut to so many characters (the full text in a tooltip): the whole table fits the tab of a
#: 1280 px wide window with the palette and the inspector beside it, lock, gain and history in sight.
TAKE_CHARS, LABEL_CHARS = 18, 11
MIDI_LIT_S = 0.25  # how long a slot's MIDI lamp stays lit after a note reached it
LAMP_ON, LAMP_OFF = (255, 200, 60), (70, 70, 80)


def last_take_text(last: TakePoint) -> str:
    """The performance view's line for the last take: who, what was heard, and what became of it ("loaded in slot
    HH"; where an output did not load it, its end as told: "slot HH, not loaded into Live: ...", ending "; no output
    has it" where none loaded it). Its class in words, as the phone page and the stage console say it ("choir voice
    61%", "rejected: not sure (glass breaking 31%)")."""
    what = f"last take {last.name or last.take_id} from {last.source or '?'}"
    label = label_words(last.label) if last.label else ""
    heard = label + (f" {last.confidence:.0%}" if label and last.confidence is not None else "")
    # "; no output has it" where no output loaded a take one did not load, as the stage console says it
    end = end_in_words(last.end) + nowhere(last.not_loaded, last.loaded) if last.end else ""
    # A gate's rejection names the label: said once, as the stage console does (it read "glass breaking 31%:
    # rejected: not sure (glass breaking 31%)"). The label the reason names, not any text of it: "hat 50%" was
    # dropped as said in "not sure (hihat 50%)".
    if heard and named_label(end) != label:
        what += f": {heard}"
    if end:  # what became of it, as its TakeEnded told
        what += f": loaded in {end}" if last.fate == "slot" and not last.not_loaded else f": {end}"
    elif last.slot:
        what += f" -> slot {last.slot}"
    return what


def label_tip(label: str | None) -> str:
    """A slot's label in full (the tooltip of its cell, which shows it in words): with the identifier the slot map's
    table is edited with, where the two differ ("choir voice (choir_voice in the slot map)")."""
    if not label:
        return "no label"
    words = label_words(label)
    return words if words == label else f"{words} ({label} in the slot map)"


class PerformanceView:
    """Slots, map and pairing; :meth:`refresh` pulls the current state (a few times a second is enough)."""

    def __init__(self, runner: Runner, observer: RuntimeObserver, tag: str = "perf") -> None:
        self.runner = runner
        self.observer = observer
        self.tag = tag
        self._slot_keys: list[tuple[str, str]] | None = None
        self._slots: dict[tuple[str, str], SlotState] = {}
        self._history: dict[tuple[str, str], list[tuple[str, int]]] = {}  # the history combo's (text, index)
        self._history_takes: dict[tuple[str, str], dict[str, str]] = {}  # its texts' take ids, to follow a choice
        self._history_picked: set[tuple[str, str]] = set()  # combos a performer chose in: not moved to the loaded take
        self._waves: dict[tuple[str, str], Any] = {}
        self._notes_seen: dict[tuple[str, str], int] = {}
        self._lit_until: dict[tuple[str, str], float] = {}
        self._map_signature: Any = None
        self.message = ""
        self.patterns = PatternPanel(runner.model, observer, f"{tag}:patterns")
        self.pairing = PairingPane(observer, f"{tag}:pairing")
        self.devices: PresentCombos = COMBOS
        self._device_nodes: list[str] | None = None
        self.selected: tuple[str, str] | None = None  # the slot Space plays

    def build(self, parent: int | str) -> None:
        with dpg.group(tag=self.tag, parent=parent):
            with dpg.child_window(width=-1, height=-(MAP_H + 50), tag=f"{self.tag}:top"):
                dpg.add_text("Slots", color=(250, 250, 250))
                dpg.add_text("", tag=f"{self.tag}:last_take", wrap=800)
                dpg.add_text("", tag=f"{self.tag}:message", color=(230, 200, 90), show=False)
                dpg.add_group(tag=f"{self.tag}:devices")
                dpg.add_group(tag=f"{self.tag}:slots")
                dpg.add_spacer(height=6)
                dpg.add_group(tag=f"{self.tag}:patterns")
            with dpg.group(horizontal=True):
                with dpg.child_window(width=MAP_W + 16, height=-1):
                    dpg.add_text("Takes by location", color=(250, 250, 250))
                    dpg.add_drawlist(MAP_W, MAP_H, tag=f"{self.tag}:map")
                with dpg.child_window(width=-1, height=-1):
                    dpg.add_text("Pairing", color=(250, 250, 250))
                    dpg.add_group(tag=f"{self.tag}:pairing")
        self.refresh()

    # -- slots ---------------------------------------------------------------------------------------------------

    def gather_slots(self) -> list[tuple[str, SlotState, bool]]:
        """(node id, slot, controllable) for every slot of every running sampler-like node."""
        found: list[tuple[str, SlotState, bool]] = []
        engine = self.runner.engine
        plan = engine.plan if engine is not None else None
        if plan is not None:
            for node_id in plan.order:
                slots = read_slots(self.runner.node(node_id))
                for slot in slots or ():
                    found.append((node_id, slot, True))
        if not found:
            for seen in self.observer.slots.values():
                found.append(("", SlotState(seen.name, seen.take.take_id, seen.take.name, seen.label,
                                            seen.take.meta.get("pitch_hz"), waveform=seen.take.mono()), False))
        return found

    def refresh(self) -> None:
        if not dpg.does_item_exist(self.tag):
            return
        self._refresh_devices()
        slots = self.gather_slots()
        keys = [(node_id, slot.name) for node_id, slot, _ in slots]
        if keys != self._slot_keys:
            self._build_slots(slots)
            self.select(self.selected if self.selected in keys else None)
        self._slots = {(node_id, slot.name): slot for node_id, slot, _ in slots}
        for node_id, slot, _ in slots:
            self._update_slot(node_id, slot)
        last = self.observer.last_take
        if last is not None:
            dpg.set_value(f"{self.tag}:last_take", last_take_text(last))
        self.patterns.refresh()
        message = self.message or self.patterns.message
        dpg.set_value(f"{self.tag}:message", message)
        dpg.configure_item(f"{self.tag}:message", show=bool(message))
        self._draw_map()
        self.pairing.draw()

    # -- the samplers' sound device and MIDI port ----------------------------------------------------------------

    def device_tag(self, node_id: str, param: str) -> str:
        return f"{self.tag}:devices:{node_id}:{param}"

    def _refresh_devices(self) -> None:
        """Per sampler of the patch, its sound device and MIDI port as a choice of those present (an edit of
        the patch: undoable, swapped into the running patch)."""
        model = self.runner.model
        nodes = [node_id for node_id, spec in model.patch.nodes.items() if spec.type == "sampler"]
        if nodes != self._device_nodes:
            self._device_nodes = nodes
            parent = f"{self.tag}:devices"
            dpg.delete_item(parent, children_only=True)
            for node_id in nodes:
                for param, kind, what in (("device", "audio_output", "sound device"),
                                          ("midi_port", "midi_input", "MIDI port")):
                    with dpg.group(horizontal=True, parent=parent):
                        dpg.add_text(f"{node_id}: {what}".ljust(len(node_id) + 15))
                        self.devices.add(self.device_tag(node_id, param), kind,
                                         partial(model.param_value, node_id, param),
                                         partial(self._set_param, node_id, param), 360)
        self.devices.update()

    def _set_param(self, node_id: str, name: str, value: str) -> None:
        model = self.runner.model
        default = model.registry.get(model.patch.nodes[node_id].type).param_specs[name].default
        reason = model.set_param(node_id, name, UNSET if value == default else value)
        self.message = f"{node_id}.{name}: {reason}" if reason else ""

    def _slot_tag(self, node_id: str, name: str, part: str) -> str:
        return f"{self.tag}:slot:{node_id}:{name}:{part}"

    def _build_slots(self, slots: list[tuple[str, SlotState, bool]]) -> None:
        parent = f"{self.tag}:slots"
        dpg.delete_item(parent, children_only=True)
        self._slot_keys = [(node_id, slot.name) for node_id, slot, _ in slots]
        self._waves.clear()
        self._history_picked.clear()  # the combos are new, with no choice in them
        self._history_takes.clear()
        if not slots:
            dpg.add_text("No slots yet: run a patch with a sampler, or feed it a take.", parent=parent)
            return
        # Two lines per cell where that saves a column (level over voices and MIDI lamp, take over what became of
        # the slot's last take, label over pitch, history over roll back): all of it fits 1280 px (docs/editor.md).
        with dpg.table(parent=parent, header_row=True, borders_innerH=True, policy=dpg.mvTable_SizingFixedFit):
            for label in ("slot", "play", "level", "take", "label", "wave", "lock", "gain", "history"):
                dpg.add_table_column(label=label)
            for node_id, slot, controllable in slots:
                t = lambda part, n=node_id, s=slot.name: self._slot_tag(n, s, part)  # noqa: E731
                with dpg.table_row():
                    dpg.add_selectable(label=slot.name, tag=t("name"), callback=self._on_select,
                                       user_data=(node_id, slot.name), enabled=controllable)
                    dpg.add_button(label=" > ", tag=t("play"), enabled=controllable, callback=self._on_audition,
                                   user_data=(node_id, slot.name))
                    with dpg.tooltip(t("play")):
                        dpg.add_text("hear the slot: a note sent to the sampler's MIDI input (keys 1-8 play slots "
                                     "1-8; Space the selected slot)")
                    with dpg.group():
                        dpg.add_progress_bar(tag=t("level"), width=50, height=10, default_value=0.0)
                        with dpg.group(horizontal=True, tag=t("meters")):
                            dpg.add_text("-", tag=t("voices"))
                            dpg.add_text("MIDI", tag=t("midi"), color=LAMP_OFF)
                        with dpg.tooltip(t("meters")):
                            dpg.add_text("voices sounding; the lamp lights when a note reaches the slot")
                    with dpg.group():
                        dpg.add_text("", tag=t("take"))
                        with dpg.tooltip(t("take")):
                            dpg.add_text("", tag=t("take_tip"))
                        dpg.add_text("-", tag=t("fate"), color=(180, 180, 190))
                        with dpg.tooltip(t("fate")):
                            dpg.add_text("no take ended in this slot yet", tag=t("fate_tip"))
                    with dpg.group():
                        dpg.add_text("", tag=t("label"), color=(120, 220, 140))
                        with dpg.tooltip(t("label")):
                            dpg.add_text("", tag=t("label_tip"))
                        dpg.add_text("", tag=t("pitch"))
                    dpg.add_drawlist(WAVE_W, WAVE_H, tag=t("wave"))
                    dpg.add_checkbox(tag=t("lock"), enabled=controllable, callback=self._on_lock,
                                     user_data=(node_id, slot.name))
                    dpg.add_slider_float(tag=t("gain"), width=64, min_value=0.0, max_value=2.0, enabled=controllable,
                                         callback=self._on_gain, user_data=(node_id, slot.name), format="%.2f")
                    with dpg.group():
                        dpg.add_combo([], tag=t("history"), width=100, enabled=controllable,
                                      callback=self._on_history_pick, user_data=(node_id, slot.name))
                        with dpg.tooltip(t("history")):
                            dpg.add_text("", tag=t("history_tip"))
                        dpg.add_button(label="roll back", tag=t("rollback"), enabled=controllable,
                                       callback=self._on_roll_back, user_data=(node_id, slot.name))

    def _update_slot(self, node_id: str, slot: SlotState) -> None:
        t = lambda part: self._slot_tag(node_id, slot.name, part)  # noqa: E731
        if not dpg.does_item_exist(t("take")):
            return
        self._update_meters(node_id, slot)
        cell, tip = take_text(slot, TAKE_CHARS)
        dpg.set_value(t("take"), cell)
        dpg.set_value(t("take_tip"), tip)
        ended = self.observer.slot_ends.get(slot.name.lower())
        if ended is not None:  # what became of the slot's last take; its id in the tooltip
            dpg.set_value(t("fate"), fate_cell(ended.fate, ended.end, ended.not_loaded, ended.loaded, TAKE_CHARS))
            dpg.configure_item(t("fate"), color=fate_colour(ended.fate, ended.not_loaded, ended.loaded))
            told = fate_text(ended.name or ended.take_id, ended.fate, ended.end, ended.not_loaded, ended.loaded)
            dpg.set_value(t("fate_tip"), f"last take {told}")
        dpg.set_value(t("label"), clip(label_words(slot.label or "-"), LABEL_CHARS))
        dpg.set_value(t("label_tip"), label_tip(slot.label))
        dpg.set_value(t("pitch"), f"{slot.pitch_hz:.1f} Hz" if isinstance(slot.pitch_hz, int | float) else "-")
        dpg.set_value(t("lock"), slot.locked)
        if slot.gain is not None:
            dpg.set_value(t("gain"), float(slot.gain))
        self._update_history(node_id, slot)
        key = (node_id, slot.name)
        wave_id = (slot.take_id, None if slot.waveform is None else slot.waveform.shape)
        if self._waves.get(key) != wave_id:
            self._waves[key] = wave_id
            self._draw_wave(t("wave"), slot.waveform)

    def _update_history(self, node_id: str, slot: SlotState) -> None:
        """The history combo: its takes told in words, newest first (:mod:`.slot_history`), the loaded one shown (the
        newly loaded one as takes come) until one is chosen; the tooltip has the choice in full (the combo shows its
        start). The choice follows its take as the take's text changes (the date at midnight, its id when a look-alike
        comes)."""
        t = lambda part: self._slot_tag(node_id, slot.name, part)  # noqa: E731
        key = (node_id, slot.name)
        choices = history_choices(slot)
        shown = shown_takes(slot, choices)
        self._history[key] = choices
        texts = [text for text, _ in choices]
        if dpg.get_item_configuration(t("history"))["items"] != texts:
            dpg.configure_item(t("history"), items=texts)
        chosen = dpg.get_value(t("history"))
        followed = followed_choice(chosen, self._history_takes.get(key, {}), shown)
        self._history_takes[key] = shown
        if followed != chosen:
            chosen = followed
            dpg.set_value(t("history"), chosen)
        if key not in self._history_picked and 0 <= slot.position < len(slot.history):
            chosen = next((text for text, at in choices if slot.history[at] == slot.history[slot.position]), "")
            dpg.set_value(t("history"), chosen)
        tip = f"roll back to {chosen}: press roll back" if chosen else "choose a take to roll back to"
        if chosen and chosen not in texts:
            tip = f"{chosen} is no longer in the slot's history: choose another"
        dpg.set_value(t("history_tip"), tip)

    def _update_meters(self, node_id: str, slot: SlotState) -> None:
        """Level bar, voice count and MIDI lamp, from what the sampler reports (``level``, ``voices``, ``notes``)."""
        t = lambda part: self._slot_tag(node_id, slot.name, part)  # noqa: E731
        dpg.set_value(t("level"), meter_fill(slot.level) or 0.0)
        dpg.set_value(t("voices"), "-" if slot.voices is None else str(slot.voices))
        key, now = (node_id, slot.name), time.monotonic()
        if slot.notes is not None:
            seen = self._notes_seen.get(key)
            if seen is not None and slot.notes != seen:
                self._lit_until[key] = now + MIDI_LIT_S
            self._notes_seen[key] = slot.notes
        dpg.configure_item(t("midi"), color=LAMP_ON if self.midi_lit(node_id, slot.name, now) else LAMP_OFF)

    def midi_lit(self, node_id: str, name: str, now: float | None = None) -> bool:
        """Whether the slot's MIDI lamp is lit (a note reached the slot within :data:`MIDI_LIT_S`)."""
        return (now if now is not None else time.monotonic()) < self._lit_until.get((node_id, name), 0.0)

    def _draw_wave(self, tag: str, waveform: np.ndarray | None) -> None:
        dpg.delete_item(tag, children_only=True)
        dpg.draw_rectangle((0, 0), (WAVE_W, WAVE_H), color=(60, 60, 70), fill=(25, 25, 30), parent=tag)
        if waveform is None or waveform.size == 0:
            return
        xs, peaks = envelope(waveform, WAVE_W // 2)
        top = max(max(peaks), 1e-6)
        mid = WAVE_H / 2
        for x, peak in zip(xs, peaks, strict=True):
            h = max(0.5, peak / top * (mid - 2))
            px = x * (WAVE_W - 2) + 1
            dpg.draw_line((px, mid - h), (px, mid + h), color=(110, 200, 240), parent=tag)

    def _control(self, user_data: tuple[str, str], what: str, value: float) -> None:
        node_id, name = user_data
        self.message = slot_control(self.runner.engine, node_id, name, what, value) or ""

    def _on_lock(self, sender: Any, app_data: bool, user_data: tuple[str, str]) -> None:
        self._control(user_data, "lock", 1.0 if app_data else 0.0)

    def _on_gain(self, sender: Any, app_data: float, user_data: tuple[str, str]) -> None:
        self._control(user_data, "gain", float(app_data))

    def _on_audition(self, sender: Any, app_data: Any, user_data: tuple[str, str]) -> None:
        self.play(user_data)

    def play(self, key: tuple[str, str]) -> bool:
        """Audition the slot ``(node id, slot name)`` through its sampler; False (and why, in the message) if not."""
        slot = self._slots.get(key)
        if slot is None:
            return False
        self.message = audition(self.runner.engine, key[0], slot) or ""
        return not self.message

    # -- keys: hear a slot without a MIDI keyboard ------------------------------------------------------------------

    def keys(self) -> dict[tuple[bool, bool, int], Callable[[], Any]]:
        """(ctrl, shift, key) -> action while the view is shown: 1-8 play slots 1-8 (of the samplers, in the rows'
        order) at their note, Space plays the selected slot (a click on a slot's name selects it)."""
        found: dict[tuple[bool, bool, int], Callable[[], Any]] = {
            (False, False, getattr(dpg, f"mvKey_{n}")): partial(self.play_number, n) for n in range(1, 9)}
        found[(False, False, dpg.mvKey_Spacebar)] = self.play_selected
        return found

    def play_number(self, number: int) -> bool:
        """Select and play the ``number``-th (1-based) slot that can be played."""
        playable = [(node_id, slot.name) for node_id, slot, controllable in self.gather_slots() if controllable]
        if not 1 <= number <= len(playable):
            self.message = f"no slot {number} to play" if playable else "no sampler is running"
            return False
        self.select(playable[number - 1])
        return self.play(playable[number - 1])

    def play_selected(self) -> bool:
        if self.selected is None:
            self.message = "select a slot (click its name) to hear it with Space, or press 1-8"
            return False
        return self.play(self.selected)

    def select(self, key: tuple[str, str] | None) -> None:
        """Make a slot the selected one (its name highlighted): Space plays it."""
        self.selected = key
        for node_id, name in self._slot_keys or ():  # set with the names' items, by _build_slots
            dpg.set_value(self._slot_tag(node_id, name, "name"), (node_id, name) == key)

    def _on_select(self, sender: Any, app_data: Any, user_data: tuple[str, str]) -> None:
        self.select(user_data)

    def _on_history_pick(self, sender: Any, app_data: Any, user_data: tuple[str, str]) -> None:
        self._history_picked.add(user_data)

    def _on_roll_back(self, sender: Any, app_data: Any, user_data: tuple[str, str]) -> None:
        slot = self._slots.get(user_data)
        if slot is None:
            return
        chosen = dpg.get_value(self._slot_tag(*user_data, "history")) or None
        at = chosen_index(self._history.get(user_data, []), chosen)
        if chosen is not None and at is None:  # gone from the history since it was chosen: not some other take
            self.message = f"slot {slot.name}: {chosen} is no longer in its history; choose another take"
            return
        steps = rollback_steps(slot, at)
        self._history_picked.discard(user_data)  # the take chosen is the loaded one from now: shown as such
        if steps:
            self._control(user_data, "rollback", steps)
        else:
            self.message = f"slot {slot.name} plays {chosen} already"

    # -- map -----------------------------------------------------------------------------------------------------

    def _draw_map(self) -> None:
        points = [p for p in self.observer.takes.values() if p.latitude is not None and p.longitude is not None]
        signature = [(p.take_id, p.label, p.slot) for p in points]
        if signature == self._map_signature:
            return
        self._map_signature = signature
        tag = f"{self.tag}:map"
        dpg.delete_item(tag, children_only=True)
        dpg.draw_rectangle((0, 0), (MAP_W, MAP_H), color=(70, 70, 80), fill=(22, 28, 34), parent=tag)
        if not points:
            dpg.draw_text((12, MAP_H / 2 - 8), "no takes with a location yet", size=14, color=(150, 150, 150),
                          parent=tag)
            return
        placed = geo.layout([(p.latitude or 0.0, p.longitude or 0.0) for p in points], MAP_W, MAP_H, margin=40)
        sources = sorted({p.source for p in points})
        palette = [(240, 120, 90), (90, 200, 240), (150, 230, 110), (230, 200, 90), (200, 130, 240)]
        for point, (x, y) in zip(points, placed.points, strict=True):
            colour = palette[sources.index(point.source) % len(palette)]
            newest = point is points[-1]
            dpg.draw_circle((x, y), 7 if newest else 5, color=(255, 255, 255) if newest else colour, fill=colour,
                            parent=tag)
            if point.label:
                dpg.draw_text((x + 9, y - 8), label_words(point.label), size=14, color=(235, 235, 235), parent=tag)
        # The scale bar, bottom left.
        x0, y0 = 14, MAP_H - 18
        dpg.draw_line((x0, y0), (x0 + placed.bar_px, y0), color=(230, 230, 230), thickness=2, parent=tag)
        for x in (x0, x0 + placed.bar_px):
            dpg.draw_line((x, y0 - 5), (x, y0 + 1), color=(230, 230, 230), thickness=2, parent=tag)
        dpg.draw_text((x0, y0 - 20), placed.bar_label, size=13, color=(230, 230, 230), parent=tag)
        dpg.draw_text((MAP_W - 20, 8), "N", size=14, color=(200, 200, 200), parent=tag)

    # -- pairing ---------------------------------------------------------------------------------------------------

    def url_tag(self, node_id: str, part: str = "url") -> str:
        """The pairing URL's field of a recorder node (``part="more"``: the line saying that it goes on)."""
        return self.pairing.url_tag(node_id, part)
