"""A message handled without an error ends the node's error of an earlier message, even where another thread of the
node told an error (its device's) while the handler ran: that one stands, by its own end.

Before, the engine judged "handled without an error" by the node's count of errors, which any thread moves: the
earlier message's error stood on, and was the node's error again once the device's ended (a recorder's disk with room
again ends only the disk's), though the node had handled a message cleanly since."""

from __future__ import annotations

import threading
from typing import Any

from exsampling_patch import ANY, Input, Node
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine


class DiskFillsMeanwhile(Node):
    """Fails on "fail"; on "fine" handles it cleanly while a thread of its own tells the disk full."""

    type_name = "t_disk_fills_meanwhile"
    inlet = Input(ANY)

    def on_inlet(self, message: Any) -> None:
        if message == "fail":
            raise ValueError("the first message could not be read")
        told = threading.Thread(target=self.report_error, args=("the disk is full",), kwargs={"about": "disk"})
        told.start()
        told.join()


def test_a_clean_message_ends_the_error_of_one_before_whatever_another_thread_tells_meanwhile() -> None:
    registry = Registry.default(entry_points=False)
    registry.register(DiskFillsMeanwhile, "test")
    patch = Patch()
    patch.add_node(NodeSpec("rec", "t_disk_fills_meanwhile"))
    engine = Engine(registry, workers=1, pin_workers=False)
    engine.start(patch)
    try:
        engine.inject("rec", "inlet", "fail")
        assert engine.wait_idle(10)
        assert "could not be read" in engine.errors["rec"]
        engine.inject("rec", "inlet", "fine")
        assert engine.wait_idle(10)
        assert engine.errors["rec"] == "the disk is full"  # the device's error stands
        node: Any = engine.node("rec")
        node.report_status(disk="room again")  # the disk has room again: its error ends
        assert "rec" not in engine.errors, engine.errors
        assert engine.error_counts["rec"] == 2
    finally:
        engine.stop()
