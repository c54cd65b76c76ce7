"""A composer's wiring and a refused value through real mouse and key events: a link made, a nonsense one refused,
Ctrl+Z and Ctrl+Y said of the link they undo and redo; a threshold typed above its maximum, said as refused along
with the value the patch keeps.

Opens a small patch (trim, classifier, gate, sampler) at 1280x1000, drags the trim's output to the classifier's
input (linked), then to the sampler's MIDI input (refused), presses Ctrl+Z and Ctrl+Y; clicks the gate's title,
Ctrl+clicks its threshold slider, types 7 and Enter, then presses Ctrl+S. Every event is a real X event
(XTEST), as for a person.

Run as ``python -m tests.editor.composer_scenario`` (needs DISPLAY; see test_composer.py). Prints one JSON object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg
import yaml

from tests.editor.driving import drag_link, driven, title_point
from tests.editor.slider_scenario import SLIDER, type_into

PATCH = """\
exsampling_patch: 1
name: composer
nodes:
- id: trim
  type: trim
  position: [20, 40]
- id: classifier
  type: classifier
  position: [260, 20]
- id: gate
  type: confidence_gate
  position: [520, 20]
  params: {threshold: 0.4}
- id: sampler
  type: sampler
  position: [260, 220]
links:
- classifier.prediction -> gate.prediction
"""


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-composer-") as driver:
        app, model = driver.app, driver.app.model
        drag_link(driver, "out:trim.out", "in:classifier.take")
        out["linked"] = [str(link) for link in model.patch.links]
        drag_link(driver, "out:trim.out", "in:sampler.midi")
        out["refused"] = app.status
        driver.key("z", "ctrl")
        out["undo"] = app.status
        out["undone"] = [str(link) for link in model.patch.links]
        driver.key("y", "ctrl")
        out["redo"] = app.status
        # A value above the slider's maximum: refused, the slider still shows it, and the patch keeps 0.4.
        driver.click(title_point("gate"))
        out["inspector"] = app.inspector.node_id
        type_into(driver, "7")
        out["shown"] = dpg.get_value(SLIDER)
        out["error"] = dpg.get_value(f"{SLIDER}:error")
        driver.key("s", "ctrl")
        saved = yaml.safe_load((model.base_dir / "p.yaml").read_text())
        out["saved"] = next(n for n in saved["nodes"] if n["id"] == "gate")["params"]["threshold"]
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
