"""The custom nodes guide's slot examples (docs/custom-nodes.md's SlotFiles and SlotPost) as the test_docs_slot_*
tests run them: the guide's code for a class, loaded as a plugin, and what an engine running one tells as takes are
given to it."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import numpy as np

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeError, NodeRecovered, TakeEnded
from exsampling_patch.runtime.engine import Engine

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "custom-nodes.md"


def guide_example(class_name: str) -> str:
    """The one Python block of the guide that defines ``class_name``."""
    text = GUIDE.read_text(encoding="utf-8")
    (example,) = [block for block in re.findall(r"```python\n(.*?)```", text, flags=re.S)
                  if f"class {class_name}" in block]
    return example


def guide_plugin_registry(tmp_path: Path, class_name: str, module: str) -> Registry:
    """The built-in node types and the guide's ``class_name``, found as a user would place it: in
    ``tmp_path/nodes/<module>.py``, loaded without a problem."""
    (tmp_path / "nodes").mkdir()
    (tmp_path / "nodes" / f"{module}.py").write_text(guide_example(class_name), encoding="utf-8")
    registry = Registry.default([tmp_path / "nodes"], entry_points=False)
    assert registry.problems == []
    return registry


class Heard:
    """What ``engine`` tells from before its start: its nodes' errors (``told``), their recoveries (``back``) and the
    takes' ends (``ended``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.told: list[NodeError] = []
        self.back: list[NodeRecovered] = []
        self.ended: list[TakeEnded] = []
        self._one_ended = threading.Semaphore(0)
        engine.events.subscribe(self.told.append, NodeError)
        engine.events.subscribe(self.back.append, NodeRecovered)
        engine.events.subscribe(self._end, TakeEnded)

    def _end(self, event: TakeEnded) -> None:
        self.ended.append(event)
        self._one_ended.release()

    def take_ends(self, node_id: str, slot: str, sample_rate: float = 48000, *, idle: bool = True) -> TakeEnded:
        """A silent take for ``slot`` given to the assignment input of ``node_id``: its end, once told and (with
        ``idle``) the engine idle."""
        take = Take(np.zeros((480, 1), np.float32), sample_rate)  # type: ignore[arg-type]  # 48000.5 on purpose
        self.engine.inject(node_id, "assignment", SlotAssignment(slot, take))
        assert self._one_ended.acquire(timeout=10), f"the take for slot {slot} did not end"
        if idle:
            assert self.engine.wait_idle(10)
        return self.ended[-1]
