"""A confidence gate's live line says when it rejected the last take, and why: through a real engine and the
editor's observer, as the patch view draws it."""

from __future__ import annotations

import numpy as np

from exsampling_patch import Prediction, Score, Take
from exsampling_patch.editor.live import RuntimeObserver
from exsampling_patch.editor.node_line import live_text
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import Engine


def test_the_gates_line_says_it_rejected_the_take_and_why() -> None:
    patch = Patch()
    patch.add_node(NodeSpec("gate", "confidence_gate", {"threshold": 0.5}))
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    observer = RuntimeObserver()
    engine.start(patch)
    try:
        observer.attach(engine)

        def line(label: str, confidence: float, take_id: str) -> str:
            take = Take(np.zeros(4800, np.float32), 48000, take_id=take_id)
            engine.inject("gate", "prediction", Prediction(take, (Score(label, confidence),)))
            assert engine.wait_idle(10, settle=0.05)
            observer.apply()
            return live_text(observer.nodes["gate"])

        # It read "snare 88%" whether the take passed or not: with the threshold raised past it, the composer saw
        # the same line and no take reach the sampler.
        assert line("snare", 0.3, "t1") == "rejected: not sure (snare 30%)"
        # A take passed: no word of the last one's rejection (the gate's 'passed' linked to nothing, it went nowhere).
        assert line("dog", 0.9, "t2") == "dropped: went nowhere: gate.passed is linked to nothing  |  dog 90%"
    finally:
        observer.detach()
        engine.stop()
