"""A link refused while wiring, its reason shown on the node and in the status bar, goes once the composer does
something else (real X events: XTEST): a node dragged, Ctrl+Z, a click on empty canvas. Before, it stayed until
another link was made or taken away, or Run, and read as said of what was done since.

Run as ``python -m tests.editor.refusal_gone_scenario`` (needs DISPLAY; see test_refusal_gone.py). Prints one JSON
object.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import dearpygui.dearpygui as dpg

from tests.editor.add_status_scenario import PATCH
from tests.editor.driving import Driver, drag_link, driven, empty_spot, title_point

REFUSAL = "refusal:trim.take"


def refuse(driver: Driver) -> dict[str, Any]:
    """A link that would close a cycle dragged: what the node and the status bar say of it."""
    drag_link(driver, "out:norm.out", "in:trim.take")
    return seen(driver)


def seen(driver: Driver) -> dict[str, Any]:
    shown = dpg.does_item_exist(REFUSAL) and dpg.is_item_shown(REFUSAL)
    return {"on_node": bool(shown), "status": driver.app.status, "refusals": len(driver.app.model.refusals)}


def main() -> dict[str, Any]:
    out: dict[str, Any] = {}
    with driven(PATCH, "exsampling-refusal-gone-") as driver:
        out["refused"] = refuse(driver)
        driver.drag(title_point("pitch"), (0, 60))
        out["after_move"] = seen(driver)
        out["moved"] = driver.app.model.patch.nodes["pitch"].position
        out["refused_again"] = refuse(driver)
        driver.key("z", "ctrl")  # the move undone
        out["after_undo"] = seen(driver)
        out["refused_third"] = refuse(driver)
        spot = empty_spot((0, 0))
        assert spot is not None
        driver.click(spot)
        out["after_empty_click"] = seen(driver)
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
    sys.stdout.flush()
