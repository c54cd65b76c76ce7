"""Nodes keep their width when they show a live line, a refused link or an error (real mouse events).

Opens a copy of the default patch (nodes 240 px apart) at 1280x1000. The mouse (XTEST) drags a link from the
classifier's ``prediction`` pin to the pitch's ``take`` input: refused (a prediction cannot feed a take), with the
reason shown at the pitch's input. Then the recorder is given the live line a take gives it ("last file
1-100032-A-0.flac | takes 1") and the trim a long error, as a running patch gives them, and the mouse is moved
onto the recorder's live line (its tooltip). Node rectangles, widths and texts are read after each.

Run as ``python -m tests.editor.node_width_scenario`` (needs DISPLAY; see test_node_width.py).
Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from itertools import combinations
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.editor.live import NodeLive
from tests.editor.driving import Driver, default_patch_copy, editor, node_rects, reveal

ERROR = ("could not read /home/composer/session/takes/2024-05-01/phone-7/take-0042.flac: the file ended before its "
         "header said it would (truncated upload?)")


def overlaps() -> list[list[str]]:
    """The pairs of nodes drawn over each other."""
    rects = node_rects()
    return [[a, b] for a, b in combinations(sorted(rects), 2)
            if min(rects[a][2], rects[b][2]) > max(rects[a][0], rects[b][0])
            and min(rects[a][3], rects[b][3]) > max(rects[a][1], rects[b][1])]


def widths() -> dict[str, float]:
    return {node: rect[2] - rect[0] for node, rect in node_rects().items()}


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with default_patch_copy("exsampling-node-width-") as patch, editor(patch) as app:
        driver = Driver(app)
        hints = app.link_hints
        reveal(driver, "pitch")
        out["widths_before"] = widths()
        out["overlaps_before"] = overlaps()
        # A refused link: the reason shows at the pitch's input.
        source = hints.pin_point("out:classifier.prediction", output=True)
        target = hints.pin_point("in:pitch.take", output=False)
        assert source is not None and target is not None
        driver.drag_to(source, target)
        out["refusal"] = dpg.get_value("refusal:pitch.take")
        out["refusal_shown"] = dpg.is_item_shown("refusal:pitch.take")
        out["widths_refused"] = widths()
        out["overlaps_refused"] = overlaps()
        # Live lines and errors, as a running patch shows them.
        view = app.patch_view
        view.show_live("recorder", NodeLive(status={"last_file": "1-100032-A-0.flac", "takes": 1}))
        view.show_live("trim", NodeLive(error=ERROR, error_count=1))
        app.render(5)
        reveal(driver, "recorder")
        app.render(5)
        out["live"] = dpg.get_value("live:recorder")
        out["widths_live"] = widths()
        out["overlaps_live"] = overlaps()
        # The whole live line is in its tooltip, shown when the mouse is on the line.
        out["tooltip_visible_before"] = dpg.does_item_exist("live_tip:recorder") and dpg.is_item_visible(
            "live_tip:recorder")
        (x, y), (w, h) = dpg.get_item_rect_min("live:recorder"), dpg.get_item_rect_size("live:recorder")
        driver.move((x + min(w / 2, 60), y + h / 2))
        app.render(10)
        out["tooltip"] = dpg.get_value("live_tip:recorder") if dpg.does_item_exist("live_tip:recorder") else None
        out["tooltip_visible"] = dpg.does_item_exist("live_tip:recorder") and dpg.is_item_visible("live_tip:recorder")
        # A short live line is shown whole, without a tooltip.
        view.show_live("trim", NodeLive(status={"takes": 3}))
        app.render(3)
        out["short_live"] = dpg.get_value("live:trim")
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
