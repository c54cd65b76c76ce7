"""The default patch plays on its own: a pattern node feeds the sampler a groove over the eight slots; a slot
without a take stays silent until its first take lands, which then enters on the next bar."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.nodes.pattern import parse_patterns
from exsampling_patch.nodes.sampler.slots import DEFAULT_SLOTS
from exsampling_patch.patchfile import read_patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine


def test_default_patch_has_a_groove_over_the_eight_slots(repo: Path) -> None:
    patch = read_patch(repo / "patches" / "exsampling.yaml").patch
    groove = patch.nodes["groove"]
    assert groove.type == "pattern"
    assert "groove.midi -> sampler.midi" in {str(link) for link in patch.links}
    parsed = parse_patterns(groove.params["patterns"], list(DEFAULT_SLOTS), 60)
    assert sorted(p.channel for p in parsed.values()) == list(range(8))
    assert patch.nodes["sampler"].params["swap"] == "bar"


def test_the_groove_plays_only_slots_with_a_take(repo: Path) -> None:
    patch = read_patch(repo / "patches" / "exsampling.yaml").patch
    keep = ("groove", "sampler")
    patch.nodes = {node_id: spec for node_id, spec in patch.nodes.items() if node_id in keep}
    patch.links = [ln for ln in patch.links if ln.source.node in keep and ln.target.node in keep]
    patch.nodes["sampler"].params.update(device="none", virtual_port="")
    patch.nodes["groove"].params.update(tempo=240.0)
    engine = Engine(Registry.default(), base_dir=repo / "patches")
    engine.start(patch)
    try:
        sampler = engine.node("sampler")
        block = np.zeros((512, 2), np.float32)
        time.sleep(0.5)
        assert sampler.stats()["notes"] == 0  # type: ignore[attr-defined]  # no takes yet: silence
        sampler.handle("assign", SlotAssignment("BD", Take(np.full(4800, 0.5, np.float32), 48000)))
        deadline = time.monotonic() + 5
        while sampler.sounding("BD") is None and time.monotonic() < deadline:  # type: ignore[attr-defined]
            sampler.core.render(block)  # type: ignore[attr-defined]
            time.sleep(0.01)
        notes = 0
        for _ in range(200):  # 2 s of blocks: the BD pattern hits three times a bar (one bar is 1 s)
            sampler.core.render(block)  # type: ignore[attr-defined]
            time.sleep(0.01)
            notes = sampler.stats()["notes"]  # type: ignore[attr-defined]
        assert notes >= 3
        assert not engine.errors
    finally:
        engine.stop()
