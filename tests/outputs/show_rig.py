"""A patch run by the engine with a show log watching it, no sound device: a two-slot sampler alone, or a show of one
take played through a patch of the test's; shared by the show-log and replay tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mido
import numpy as np

from exsampling_patch.messages import Prediction, Score, Take
from exsampling_patch.nodes.sampler.replay import read_show
from exsampling_patch.runtime import Engine, showlog
from exsampling_patch.validate import load_patch

RATE = 48000
BLOCK = 256


def sine(hz: float, seconds: float, level: float, take_id: str) -> Take:
    t = np.arange(int(seconds * RATE)) / RATE
    return Take((level * np.sin(2 * np.pi * hz * t)).astype(np.float32), RATE, take_id=take_id,
                meta={"pitch_hz": hz})


def lines_of(path: Path) -> list[dict[str, Any]]:
    return read_show(path)


@contextmanager
def show_of(patch_file: Path) -> Iterator[tuple[Any, Engine, showlog.ShowLog, Path]]:
    """(patch, engine, show log, its path): the patch in ``patch_file`` run by an engine, the log (shows/show.jsonl
    beside the file) watching the sampler "sampler"; both stopped at the end."""
    patch, registry = load_patch(patch_file)
    engine = Engine(registry, workers=2)
    path = patch_file.parent / "shows" / "show.jsonl"
    show = showlog.ShowLog(path, patch, [], ["sampler"])
    engine.events.subscribe(show, *showlog.KINDS)
    engine.start(patch)
    try:
        yield patch, engine, show, path
    finally:
        engine.stop()
        show.close()


def bark_show(folder: Path, patch_text: str, into: str, channel: int) -> tuple[Path, Any, Path]:
    """(patch file, patch, show log) of a show played live through ``patch_text`` (written to ``folder``/live.yaml): a
    take "bark" classified "dog 0.99" into node ``into``, then a note on ``channel`` of the sampler "sampler"."""
    patch_file = folder / "live.yaml"
    patch_file.write_text(patch_text, encoding="utf-8")
    with show_of(patch_file) as (patch, engine, _, log):
        engine.inject(into, "prediction", Prediction(sine(220.0, 0.3, 0.5, "bark"), (Score("dog", 0.99),)),
                      source="test")
        assert engine.wait_idle(10.0)
        engine.inject("sampler", "midi", mido.Message("note_on", channel=channel, note=60, velocity=127), source="test")
        assert engine.wait_idle(10.0)
    return patch_file, patch, log


@contextmanager
def live_sampler(folder: Path, watch_played: bool) -> Iterator[tuple[Engine, Any, showlog.ShowLog, Path]]:
    """(engine, sampler node, show log, its path); with ``watch_played`` the log also reads what the sampler's
    callback played (``played`` / ``swap`` lines)."""
    patch_file = folder / "live.yaml"
    patch_file.write_text(f"""exsampling_patch: 1
nodes:
- id: sampler
  type: sampler
  params: {{device: none, virtual_port: '', slots: 2, slot_names: [HH, Snare], sample_rate: {RATE},
            release_ms: 8.0, crossfade_ms: 4.0}}
links: []
""", encoding="utf-8")
    with show_of(patch_file) as (_, engine, show, path):
        node = engine.node("sampler")
        if watch_played:
            show.watch("sampler", node.played)  # type: ignore[attr-defined]
        yield engine, node, show, path
