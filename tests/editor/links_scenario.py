"""While a link is dragged from an output, the inputs that fit are lit and the others dimmed (real mouse events).

Opens a small patch in a real (virtual) window: a folder source, a trim (takes a take), a log (takes
anything, one link already) and a MIDI output (takes slots, MIDI and control values, not takes). The mouse
(XTEST) presses on the source's ``take`` pin, moves halfway (the hints are read there, mid-drag), then drops on the
trim's input (the link must be made: the press really started imnodes' drag) and releases. Then it presses on the
log's input and drags to the source's output: the outputs are read mid-drag, and the link must be made. Then it
drops an output on an output, an input on an input and a node's output on its own input: no link, and why.

Run as ``python -m tests.editor.links_scenario`` (needs DISPLAY; see test_link_hints.py). Prints one
JSON object.
"""

from __future__ import annotations

import json
from typing import Any

import dearpygui.dearpygui as dpg

from exsampling_patch.patch import PortRef
from tests.editor.driving import drag_link, driven

PATCH = """\
exsampling_patch: 1
name: link hints
nodes:
- id: inbox
  type: folder_source
  position: [20, 40]
  params: {folder: inbox}
- id: trim
  type: trim
  position: [380, 20]
- id: log
  type: log
  position: [380, 200]
- id: out
  type: midi_out
  position: [380, 340]
links:
- {from: trim.take, to: log.message}
"""


def main() -> dict[str, Any]:
    result: dict[str, Any] = {}
    with driven(PATCH, "exsampling-links-", vsync=True) as driver:
        app = driver.app
        model, hints = app.model, app.link_hints
        source = hints.pin_point("out:inbox.take", output=True)
        target = hints.pin_point("in:trim.take", output=False)
        assert source is not None and target is not None
        with driver.dragging(source, target):
            result["dragging_from"] = str(hints.source)
            result["fits"] = {str(ref): fits for ref, fits in sorted(hints.fits.items(),
                                                                     key=lambda item: str(item[0]))}
            result["themes"] = {alias: dpg.get_item_info(alias)["theme"] for alias in
                                ("in:trim.take", "in:out.assignment", "in:log.message")}
            result["fit_theme"], result["dim_theme"] = hints._theme(True), hints._theme(False)
        result["links"] = [str(link) for link in model.patch.links]
        result["fits_after"] = len(hints.fits)
        result["theme_after"] = dpg.get_item_info("in:trim.take")["theme"]
        result["type_theme"] = app.patch_view.pin_theme(PortRef("trim", "take"))
        # Dragged from an input (the log's, which takes anything) towards the source's output: the outputs that
        # may feed it are lit, the others dimmed.
        result["output_type_theme"] = dpg.get_item_info("out:inbox.take")["theme"]  # its own, before the drag
        source = hints.pin_point("in:log.message", output=False)
        target = hints.pin_point("out:inbox.take", output=True)
        assert source is not None and target is not None
        with driver.dragging(source, target):
            result["input_dragging_from"] = str(hints.source)
            result["input_fits"] = {str(ref): fits for ref, fits in sorted(hints.fits.items(),
                                                                           key=lambda item: str(item[0]))}
            result["output_themes"] = {alias: dpg.get_item_info(alias)["theme"] for alias in
                                       ("out:inbox.take", "out:trim.take")}
        result["input_fits_after"] = len(hints.fits)
        result["links_after_input_drag"] = [str(link) for link in model.patch.links]
        result["output_theme_after"] = dpg.get_item_info("out:inbox.take")["theme"]
        # Drops imnodes refuses before the model is asked: output on output, input on input, a node on itself.
        links = list(model.patch.links)
        result["no_link_said"] = []
        for start, end in (("out:inbox.take", "out:trim.out"), ("in:trim.take", "in:out.assignment"),
                           ("out:trim.out", "in:trim.take")):
            drag_link(driver, start, end)
            result["no_link_said"].append(app.status)
        result["links_unchanged"] = list(model.patch.links) == links
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
