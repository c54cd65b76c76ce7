"""`exsampling run`'s watch of a stop that hangs reads where the node's code is only for a notice it tells: each
read is a dump of every thread's frames with the GIL held (up to ~20 ms with many threads), and the watch looked every
50 ms while a node's stop() ran."""

from __future__ import annotations

import io
import threading
import time
from typing import Any

import pytest

from exsampling_patch import ANY, Input, Node
from exsampling_patch.commands import run as run_command
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from exsampling_patch.runtime import engine as engine_module
from tests.waiting import wait_for


class StopsSlowly(Node):
    """Its stop() waits until the test lets it go."""

    type_name = "t_stops_slowly"
    inlet = Input(ANY)
    release = threading.Event()
    inside = threading.Event()

    def stop(self) -> None:
        StopsSlowly.inside.set()
        StopsSlowly.release.wait(30)
        super().stop()

    def on_inlet(self, message: Any) -> None:
        pass


def test_a_stop_watched_without_a_notice_reads_no_place(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    real = engine_module.running_at
    monkeypatch.setattr(engine_module, "running_at", lambda *args: reads.append(1) or real(*args))
    registry = Registry.default(entry_points=False)
    registry.register(StopsSlowly, "test")
    patch = Patch()
    patch.add_node(NodeSpec("slow", "t_stops_slowly"))
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(patch)
    console = StageConsole(patch, err=io.StringIO())
    watching = threading.Thread(target=run_command.watch_stop, args=(engine, lambda _: "", 3600.0, console),
                                daemon=True)
    watching.start()
    stopping = threading.Thread(target=engine.stop, daemon=True)
    stopping.start()
    try:
        assert StopsSlowly.inside.wait(30)
        # ten of the watch's looks while the stop() hangs, no notice due (the first after an hour)
        assert wait_for(lambda: engine.stopping_node == "slow", 30)
        time.sleep(0.6)  # a span for the watch to look in, not a wait for something to happen
        assert engine.stopping_node == "slow"  # still inside: the watch looked all along
        assert reads == [], f"{len(reads)} dumps of every thread's frames for no notice"
    finally:
        StopsSlowly.release.set()
        stopping.join(30)
        watching.join(30)
    assert not watching.is_alive()
