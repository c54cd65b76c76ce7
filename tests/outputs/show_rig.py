"""A two-slot sampler run by the engine with a show log watching it, no sound device: shared by the show-log
tests (test_show_log_editor.py, test_show_replay_exact.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from exsampling_patch.messages import Take
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
    patch, registry = load_patch(patch_file)
    engine = Engine(registry, workers=2)
    path = folder / "shows" / "show.jsonl"
    show = showlog.ShowLog(path, patch, [], ["sampler"])
    engine.events.subscribe(show, *showlog.KINDS)
    engine.start(patch)
    node = engine.node("sampler")
    if watch_played:
        show.watch("sampler", node.played)  # type: ignore[attr-defined]
    try:
        yield engine, node, show, path
    finally:
        engine.stop()
        show.close()
