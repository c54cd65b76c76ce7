"""A take writer fed, through a port that passes anything, something that is neither a take nor one of the
project's messages says what it got in words. Before, the error named only the Python type ("got a Knock, not a
take", "got a ndarray, not a take"): a plugin's message read as an article and a word, a take's samples as
Python's."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine


class Knock:
    """A plugin's own kind of message."""


def test_a_take_writer_says_in_words_what_it_got_that_is_not_a_take(tmp_path: Path) -> None:
    patch = Patch()
    patch.add_node(NodeSpec("relay", "relay", {}))
    patch.add_node(NodeSpec("writer", "take_writer", {"folder": str(tmp_path / "takes")}))
    patch.connect("relay.outlet", "writer.take")
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    engine.start(patch)
    told: list[str] = []
    try:
        for message in (Knock(), np.zeros((480, 1), np.float32), ["knock.wav", 0.5]):
            engine.inject("relay", "inlet", message)
            assert engine.wait_idle(5)
            told.append(engine.errors.get("writer", "").split(", not a take")[0])
    finally:
        engine.stop()
    assert told == ["take writer 'writer' got a Knock object (a plugin's own kind of message)",
                    "take writer 'writer' got an array of samples (480 x 1)",
                    "take writer 'writer' got a list of 2 items"], told
