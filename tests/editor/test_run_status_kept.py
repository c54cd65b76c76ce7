"""The editor's status bar after Stop names the node that kept takes, as the console's summary does ("1 take kept by
'device' (the device did not answer): passed on again at the next start"). It said nothing of them: a composer
stopping in the editor was not told a take was cut off at an output, nor that it comes again at the next start. A
real folder source and slot map run by the editor; the output that keeps takes open is a plugin node of this file."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dearpygui.dearpygui as dpg
import numpy as np
import soundfile as sf

from exsampling_patch.editor.app import EditorApp
from exsampling_patch.node import Input, Node, Param
from exsampling_patch.ports import TAKE
from exsampling_patch.registry import Registry
from tests.editor.harness import call, open_editor, patch_in

#: Set once a keeper has kept a take open.
KEPT = threading.Event()


class Keeper(Node):
    """An output whose word on a take never comes (Live not answering): keeps each take open, and says so as its
    error unless ``quiet``; with ``close_at_stop``, closes them as it stops (past the stop: still not done)."""

    type_name = "test_keeper"
    family = "outputs"

    take = Input(TAKE, "takes")
    quiet = Param(bool, False, "no error said")
    close_at_stop = Param(bool, False, "close the takes kept as it stops")

    def start(self) -> None:
        self.kept: list[Any] = []

    def on_take(self, take: Any) -> None:
        if self.keep_open(take):
            self.kept.append(take)
        if not self.quiet:
            self.report_error("the device did not answer")
        KEPT.set()

    def stop(self) -> None:
        if self.close_at_stop:
            for take in self.kept:
                self.close_take(take)


def registry() -> Registry:
    registry = Registry.default()
    registry.register_module(sys.modules[__name__], "tests")
    return registry


@contextmanager
def stopped_with_a_take_in(tmp_path: Path, nodes: str, links: str, kept_by: str) -> Iterator[EditorApp]:
    """Runs the patch of folder source 'inbox', ``nodes`` and ``links`` in the editor, a file dropped in its folder,
    and presses Stop once the take waits at ``kept_by``: the editor, stopped."""
    KEPT.clear()
    patch = patch_in(tmp_path, f"""exsampling_patch: 1
nodes:
- {{id: inbox, type: folder_source, position: [40, 80], params: {{folder: ../takes/inbox, poll_interval: 0.05}}}}
{nodes}links:
{links}""")
    with open_editor(patch, registry()) as app:
        call("menu:run")
        assert app.runner.running, app.status
        engine = app.runner.engine
        assert engine is not None
        sf.write(tmp_path / "takes" / "inbox" / "knock.wav", np.full(4800, 0.1, np.float32), 48000)
        assert KEPT.wait(60), "the keeper never had the take"
        deadline = time.monotonic() + 60
        while not any(kept_by in engine.ledger.keepers(take_id) for take_id in engine.ledger.in_flight()):
            assert time.monotonic() < deadline, f"the take never waited at {kept_by}"
            time.sleep(0.01)
        call("menu:stop")
        assert not app.runner.running
        app.frame()
        yield app


def test_the_stop_names_the_output_that_kept_a_take(tmp_path: Path) -> None:
    said = "1 take kept by 'device' (the device did not answer): passed on again at the next start"
    with stopped_with_a_take_in(tmp_path, "- {id: device, type: test_keeper, position: [320, 80]}\n",
                                "- inbox.take -> device.take\n", "device") as app:
        assert app.status == said, app.status
        assert dpg.get_value("statusbar").endswith(f"  |  {said}"), dpg.get_value("statusbar")


def test_a_take_a_slot_map_held_reads_well_in_the_stop(tmp_path: Path) -> None:
    # The slot map's reason ended ", which never came": read in a Stop's news, its other half only cut off, untrue.
    with stopped_with_a_take_in(tmp_path, """- {id: map, type: slot_map, position: [320, 80]}
- {id: device, type: test_keeper, position: [320, 240], params: {quiet: true, close_at_stop: true}}
""", "- inbox.take -> map.take\n- inbox.take -> device.take\n", "map") as app:
        assert app.status == ("1 take kept by 'map' (left waiting in map for its prediction): passed on again at the "
                              "next start"), app.status
