"""A take lost at a node (an edit left it nowhere to go) is said on that node's line in the patch view: before, only
the Performance tab's last-take line told it, and a composer who took a link away while takes came saw nothing on
the canvas (widgets driven through their callbacks, no viewport; a real engine runs the patch)."""

from __future__ import annotations

import time
from pathlib import Path

import dearpygui.dearpygui as dpg
import numpy as np
import soundfile as sf

from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.runtime import PlanSwapped, TakeEnded
from tests.editor.harness import call, open_editor, patch_in
from tests.editor.test_live_status import line as status

PATCH = """\
exsampling_patch: 1
name: lost takes
nodes:
- id: inbox
  type: folder_source
  position: [40, 80]
  params:
    folder: ../takes/inbox
    settle_time: 0.2
- id: relay
  type: relay
  position: [320, 80]
links:
- inbox.take -> relay.inlet
"""


def test_a_take_that_went_nowhere_is_said_on_the_node_it_left(tmp_path: Path) -> None:
    with open_editor(patch_in(tmp_path, PATCH)) as app:
        call("menu:run")
        assert app.runner.running, app.status
        tone = 0.5 * np.sin(np.linspace(0, 2000, 8000)).astype(np.float32)
        sf.write(tmp_path / "takes" / "inbox" / "clap.wav", tone, 16000)
        deadline = time.monotonic() + 30
        while app.observer.last_take is None or app.observer.last_take.fate is None:
            assert time.monotonic() < deadline, "the take did not end"
            app.frame()
            time.sleep(0.02)
        app.frame()
        assert app.observer.last_take.end == "went nowhere: relay.outlet is linked to nothing"
        assert dpg.get_value("live:relay").startswith("dropped: went nowhere"), dpg.get_value("live:relay")


def ended(observer: RuntimeObserver, node_id: str, take_id: str, fate: str, reason: str) -> None:
    observer.on_event(TakeEnded(node_id, take_id=take_id, recorder="inbox", fate=fate, reason=reason, source="inbox"))
    observer.apply()


def test_a_take_left_waiting_stays_said_until_a_later_take_is_handled() -> None:
    observer = RuntimeObserver()
    status(observer, "map", take="t1", label="dog", slot="Bass", confidence=0.9)
    status(observer, "map", take="t2", waiting=1)
    status(observer, "map", take="t3", waiting=2)  # held too: the gate before it was deleted
    ended(observer, "map", "t2", "dropped", "left waiting in map for its prediction")
    assert live_text(observer.nodes["map"]) == "dropped: left waiting in map for its prediction"
    assert status(observer, "map", take="t4", waiting=2).startswith("dropped: left waiting")
    # The gate put back (undo): a take is mapped, and the old drop is no news.
    assert status(observer, "map", take="t5", label="cat", slot="HH", confidence=0.8) == "cat 80%  |  slot HH"
    # A source with nothing linked: its takes went nowhere, said on it.
    status(observer, "inbox", take="t6", last_file="knock.wav")
    ended(observer, "inbox", "t6", "done", "nothing is linked to its source")
    assert live_text(observer.nodes["inbox"]).startswith("last take went nowhere: nothing is linked to its source")
    # A node an edit removed, told after the swap, then put back by an undo: its removal's drops are not its news.
    observer.on_event(PlanSwapped("", version=2, removed=("relay",)))
    ended(observer, "relay", "t7", "dropped", "dropped with node relay: removed by an edit")
    assert live_text(observer.nodes["relay"]) == "dropped with node relay: removed by an edit"
    observer.on_event(PlanSwapped("", version=3, added=("relay",)))
    observer.apply()
    assert live_text(observer.nodes["relay"]) == ""
