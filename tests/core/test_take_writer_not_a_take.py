"""A take writer fed something that is not a take, through a port that passes anything (a relay, a plugin's output
of type any: no link check stops it), says what it got and what it takes. Before, its node showed "AttributeError:
'str' object has no attribute 'path'"."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from exsampling_patch.messages import ControlValue, Take
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine


def test_a_take_writer_fed_no_take_says_what_it_got(tmp_path: Path) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("relay", "relay", {}))
    patch.add_node(NodeSpec("writer", "take_writer", {"folder": str(tmp_path / "takes")}))
    patch.connect("relay.outlet", "writer.take")
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    engine.start(patch)
    try:
        engine.inject("relay", "inlet", "knock.wav")
        assert engine.wait_idle(5)
        told = engine.errors.get("writer", "")
        assert told == ("take writer 'writer' got the text 'knock.wav', not a take: it stores takes (audio); "
                        "what feeds its 'take' input through a port that passes anything (a relay, a plugin's) sent "
                        "it"), told
        engine.inject("relay", "inlet", ControlValue("fader", 0.5))  # a control output linked to the relay
        assert engine.wait_idle(5)
        assert engine.errors["writer"].startswith("take writer 'writer' got a control value, not a take"), engine.errors
        engine.inject("relay", "inlet", Take(np.zeros((480, 1), np.float32), 48000, take_id="knock-1"))
        assert engine.wait_idle(5)
        assert engine.status["writer"]["written"] == 1  # a take is still stored
    finally:
        engine.stop()
    assert sorted(path.name for path in (tmp_path / "takes").iterdir()) == ["knock-1.wav", "knock-1.wav.json"]
