"""The Performance tab's slot rows colour what became of each slot's last take as the phone page colours it: amber
for a take in its slot that an output did not load while another has it, red for one no output has or one not used
(rejected, skipped, an error), and the cell's words tell the same apart. Before, every fate read in the same grey:
"not loaded into..." beside a sampler that had the take looked no different from a take nothing had."""

from __future__ import annotations

import dearpygui.dearpygui as dpg
import numpy as np

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.editor.slots import FATE_AMBER, FATE_PLAIN, FATE_RED
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.runtime import MessageHop, TakeEnded

MISSED = "not loaded into Live: Live did not answer within 2 s"
#: slot -> (fate, reason, loaded) of its last take's end
ENDS: dict[str, tuple[str, str, tuple[str, ...] | None]] = {
    "HH": ("slot", "slot HH", ("sampler", "live")),
    "Snare": ("slot", f"slot Snare, {MISSED}", ("sampler",)),  # the sampler has it
    "Bass": ("slot", f"slot Bass, {MISSED}", ()),  # nothing has it
    "Kick": ("slot", f"slot Kick, {MISSED}", None),  # an older show log's: who has it not known
    "Pad": ("skipped", "skipped: slot Pad locked", None),
    "Lead": ("error", "error in sampler: its file could not be read", None),
}


def test_each_slots_fate_cell_is_coloured_as_the_phone_page_colours_the_take(built_app: EditorApp) -> None:
    view, observer = built_app.perf_view, built_app.observer
    for slot, (fate, reason, loaded) in ENDS.items():
        take = Take(np.zeros(64, np.float32), 44100, take_id=f"{slot.lower()}-1", source="rec")
        observer.on_event(MessageHop("map", port="assignment", target="sampler", target_port="assign",
                                     message=SlotAssignment(slot, take, "knock", 0.9)))
        observer.on_event(TakeEnded("sampler", take_id=take.take_id, recorder="Mika", fate=fate, reason=reason,
                                    slots=(slot,), source="rec", loaded=loaded))
    observer.apply()
    view.refresh()
    shown = {}
    for slot in ENDS:
        tag = view._slot_tag("", slot, "fate")
        colour = tuple(round(c * 255) for c in dpg.get_item_configuration(tag)["color"][:3])
        shown[slot] = (dpg.get_value(tag), colour)
    assert shown == {
        "HH": ("loaded", FATE_PLAIN),
        "Snare": ("not loaded into...", FATE_AMBER),  # in its slot, the sampler has it: amber
        "Bass": ("no output has it", FATE_RED),  # no instrument has it: red, and said so
        "Kick": ("not loaded into...", FATE_AMBER),  # not known: not read as none, as the phone page reads it
        "Pad": ("skipped: locked", FATE_RED),  # not used, as the phone page says: red
        "Lead": ("error in sample...", FATE_RED),
    }, shown
    # A later take loaded into Bass: its cell plain again, not left red.
    take = Take(np.zeros(64, np.float32), 44100, take_id="bass-2", source="rec")
    observer.on_event(TakeEnded("sampler", take_id=take.take_id, recorder="Mika", fate="slot", reason="slot Bass",
                                slots=("Bass",), source="rec", loaded=("sampler",)))
    observer.apply()
    view.refresh()
    tag = view._slot_tag("", "Bass", "fate")
    assert dpg.get_value(tag) == "loaded"
    assert tuple(round(c * 255) for c in dpg.get_item_configuration(tag)["color"][:3]) == FATE_PLAIN
