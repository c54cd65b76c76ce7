"""The performance view's slot table at a 1280 px wide window, with takes as a show has them: long take ids
("Ana-20261203-150609-0001a798") and what became of each ("rejected: not sure (dog 31%)").

Opens a copy of the default patch (display_scenario.test_patch), runs it, loads a take into each of the
sampler's eight slots and tells each slot's last take's fate, then measures where each row's controls are
drawn against the slots' pane. The tests (test_perf.py) run :func:`measure` in perf_both_scenario.py, on the
run the performer's checks use after it. Run as ``python -m tests.editor.perf_width_scenario`` (needs DISPLAY).
Prints one JSON object of measurements.
"""

from __future__ import annotations

import json
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.runtime.events import TakeEnded
from tests.editor.display_scenario import default_patch_editor
from tests.editor.perf_scenario import tone, wait_for

VIEWPORT = (1280, 800)
PEOPLE = ("Ana", "Bartholomew", "Chloé", "Dmitri")
#: (fate, reason) as TakeEnded tells them, the longest a slot row shows.
FATES = (("rejected", "rejected: not sure (dog 31%)"), ("skipped", "skipped: slot {slot} locked"),
         ("slot", "slot {slot}"), ("rejected", "rejected: not sure (mouth_sounds 49%)"))
CONTROLS = ("lock", "gain", "history", "rollback")


def rect(tag: str) -> list[float]:
    (x, y), (w, h) = dpg.get_item_rect_min(tag), dpg.get_item_rect_size(tag)
    return [x, y, x + w, y + h]


def main() -> dict[str, Any]:
    with default_patch_editor("exsampling-perf-width-", VIEWPORT) as app:
        assert app.run_patch(), app.status
        return measure(app)


def measure(app: EditorApp) -> dict[str, Any]:
    """The measurements, in ``app``'s viewport (at :data:`VIEWPORT`) with its patch running: the default patch's
    sampler's slots as they are, each given a take and a fate here."""
    result: dict[str, Any] = {}
    view = app.perf_view
    engine = app.runner.engine
    assert engine is not None
    dpg.set_value("tabs", "tab:perf")
    assert wait_for(app, lambda: len(view._slots) == 8), "the sampler's eight slots are not shown"
    names = [name for _, name in view._slot_keys or ()]
    tag = view._slot_tag
    loaded, ended = {}, {}
    for i, name in enumerate(names):
        person = PEOPLE[i % len(PEOPLE)]
        loaded[name] = f"{person}-20261203-1506{i:02d}-{0x0001a798 + i:08x}"
        engine.inject("sampler", "assign", SlotAssignment(name, Take(tone(0.5), 48000, take_id=loaded[name],
                                                                      source=person), "mouth_sounds", 0.93))
    assert wait_for(app, lambda: all(dpg.get_value(tag("sampler", n, "take")) not in ("", "-")
                                     and n.lower() in view.observer.slot_ends for n in names), 20), \
        "the takes did not reach the slots"
    for i, name in enumerate(names):  # then a later take per slot, and what became of it
        person = PEOPLE[(i + 1) % len(PEOPLE)]
        ended[name] = f"{person}-20261203-1507{i:02d}-{0x0002b8a9 + i:08x}"
        fate, reason = FATES[i % len(FATES)]
        view.observer.on_event(TakeEnded("gate", ended[name], "recorder", fate, reason.format(slot=name),
                                         (name,)))
    app.render(12)
    # The slots' pane: from the slots' left edge, as wide as the pane's content region (its scroll bar
    # aside); a row is in sight when Dear PyGui finds it unclipped with the pane scrolled to it.
    left = dpg.get_item_rect_min(f"{view.tag}:slots")[0]
    result["pane_x"] = [left, left + dpg.get_item_state(f"{view.tag}:top")["content_region_avail"][0]]
    result["viewport"] = [dpg.get_viewport_client_width(), dpg.get_viewport_client_height()]
    pane = f"{view.tag}:top"
    heading_y = dpg.get_item_rect_min(f"{view.tag}:last_take")[1]  # the pane's top, not scrolled
    offsets = {name: dpg.get_item_rect_min(tag("sampler", name, "name"))[1] - heading_y for name in names}
    rows: dict[str, Any] = {}
    for name in names:
        dpg.set_y_scroll(pane, min(offsets[name], dpg.get_y_scroll_max(pane)))
        app.render(3)
        rows[name] = {part: rect(tag("sampler", name, part)) for part in (*CONTROLS, "take", "fate")}
        rows[name]["visible"] = {part: bool(dpg.get_item_state(tag("sampler", name, part)).get("visible"))
                                 for part in CONTROLS}
    dpg.set_y_scroll(f"{view.tag}:top", 0)
    result["rows"] = rows
    result["shown"] = {name: {part: dpg.get_value(tag("sampler", name, part))
                              if dpg.does_item_exist(tag("sampler", name, part)) else None
                              for part in ("take", "take_tip", "fate", "fate_tip")} for name in names}
    result["loaded"], result["ended"] = loaded, ended
    # The pairing URL, in the pane right of the map: its field within the pane, and said to go on if cut.
    assert wait_for(app, lambda: any(isinstance(live.get("url"), str) for live in view.observer.nodes.values())
                    and dpg.does_item_exist(view.url_tag("recorder"))), "no pairing URL"
    app.render(6)
    pane = dpg.get_item_parent(f"{view.tag}:pairing")  # its content region: from its heading's left edge
    heading = dpg.get_item_children(pane, 1)[0]
    pane_x = dpg.get_item_rect_min(heading)[0]
    url = str(dpg.get_value(view.url_tag("recorder")))
    result["pairing"] = {"pane": [pane_x, 0, pane_x + dpg.get_item_state(pane)["content_region_avail"][0], 0],
                         "field": rect(view.url_tag("recorder")), "url": url,
                         "text_w": dpg.get_text_size(url)[0],
                         "more": dpg.is_item_shown(view.url_tag("recorder", "more"))
                         and bool(dpg.get_item_state(view.url_tag("recorder", "more")).get("visible")),
                         "more_text": dpg.get_value(view.url_tag("recorder", "more"))}
    result["errors"] = {n: str(e) for n, e in engine.errors.items()}
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
