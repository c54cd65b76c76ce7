"""Both performance view scenarios against one run of the default patch: the slot table's fit at 1280 x 800
(perf_width_scenario.measure), then, the viewport made 1000 px tall, the performer's checks (perf_scenario.play).

One run, not one each: starting the patch is most of the width scenario's time. The width's measurements come
first, on slots nothing has touched yet; what they leave (a take and a fate in each slot) is told apart from what
the performer's checks read (each names its own takes). The other way round, the slot the performer's checks lock
refused the width scenario's take. Run as ``python -m tests.editor.perf_both_scenario`` (needs DISPLAY; see
test_perf.py). Prints one JSON object: the performer's measurements, and the width's under ``"width"``.
"""

from __future__ import annotations

import json
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor import perf_scenario, perf_width_scenario
from tests.editor.display_scenario import default_patch_editor

#: The most frames a resize of the viewport is waited for (GLFW tells the new size in a later frame).
RESIZE_FRAMES = 100


def main() -> dict[str, Any]:
    with default_patch_editor("exsampling-perf-", perf_width_scenario.VIEWPORT,
                              perf_scenario.quiet_groove_swap_now) as app:
        assert app.run_patch(), app.status
        width = perf_width_scenario.measure(app)
        size = list(perf_scenario.VIEWPORT)
        dpg.set_viewport_width(size[0])
        dpg.set_viewport_height(size[1])
        for _ in range(RESIZE_FRAMES):
            app.render()
            if [dpg.get_viewport_client_width(), dpg.get_viewport_client_height()] == size:
                break
        assert [dpg.get_viewport_client_width(), dpg.get_viewport_client_height()] == size, "not resized"
        return {**perf_scenario.play(app), "width": width}


if __name__ == "__main__":
    print(json.dumps(main()))
