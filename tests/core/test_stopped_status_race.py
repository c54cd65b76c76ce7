"""A stopped node's status raced against the edit that rebuilds it: whose the status is, is decided and told as one,
under the error book's lock, as an error's is."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from exsampling_patch import Node, Param
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine
from tests.core.test_roll_back_plain import patch_of
from tests.waiting import wait_for


class NoDeviceYet(Node):
    """As a sampler with no JACK server: its start() tells so; the test, as its device thread, tells it open."""

    type_name = "t_race_no_device"
    level = Param(float, 1.0, "any other value rebuilds it")

    def start(self) -> None:
        self.started_up = threading.Event()
        self.report_error(f"no JACK server for the node of level {self.level}", about="device")
        self.started_up.set()


@pytest.fixture
def registry() -> Registry:
    registry = Registry.default(entry_points=False)
    registry.register(NoDeviceYet, "test")
    return registry


def test_a_stopped_nodes_device_opening_decided_before_its_rebuild_ends_no_error_of_the_new_node(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    # x (A) is stopped for a rebuild; A's device thread tells its device open and is found still x's, then loses the
    # core before it acts; the edit builds B, whose start tells no JACK server. Acting then on a decision made outside
    # the error book's lock, A's opening ended B's error. Under the lock, the edit waits for A's whole act.
    engine = Engine(registry, workers=2, pin_workers=False)
    patch = patch_of({"x": "t_race_no_device"}, [])
    engine.start(patch)
    a: Any = engine.node("x")
    decided, go = threading.Event(), threading.Event()
    device: list[threading.Thread] = []
    not_its_ids, stop_node = engine._not_its_ids, engine._stop_node

    def deciding(node: Node) -> bool:
        its = not_its_ids(node)
        if threading.current_thread() in device:
            decided.set()
            go.wait(10)  # a preemption between the decision and the act
        return its

    def stopping(node_id: str, node: Node, rebuilt: bool = False) -> None:
        stop_node(node_id, node, rebuilt)
        if node is a:  # stopped, not yet being replaced: its device thread tells its device open
            device.append(threading.Thread(target=lambda: a.report_status(device="system"), name="a-device"))
            device[0].start()
            assert decided.wait(10)

    def b_started() -> bool:
        cell = engine._cells.get("x")
        started_up = getattr(cell.node, "started_up", None) if cell is not None else None
        return cell is not None and cell.node is not a and started_up is not None and started_up.is_set()

    def let_go() -> None:
        # Without the book's lock held over A's act, B is built and started meanwhile; with it, the edit waits on A,
        # which goes on once B had its time to start.
        decided.wait(10)
        wait_for(b_started, 0.5)
        go.set()

    monkeypatch.setattr(engine, "_not_its_ids", deciding)
    monkeypatch.setattr(engine, "_stop_node", stopping)
    releaser = threading.Thread(target=let_go)
    releaser.start()
    try:
        patch.nodes["x"].params["level"] = 2.0
        engine.update(patch)
        releaser.join(10)
        device[0].join(10)
        assert engine.node("x") is not a
        assert engine.errors.get("x") == "no JACK server for the node of level 2.0", \
            f"A's device opening ended B's error: {engine.errors}"
    finally:
        go.set()
        engine.stop()
