"""A patch stopped and started again on the same engine. Its nodes' context was then the same object in both runs
(each run has one of its own now), and the folder journal told runs apart by that object alone, so a take in flight
at the stop still counted as in flight in the next run: its file was not read again there (only a new engine's run
read it), and its end was never written."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine

from .conftest import KeepsOpen, registry
from .test_folder_journal import FAST, drop, journal_lines, wait_for


def test_a_take_in_flight_at_the_stop_is_read_again_when_the_same_engine_starts_again(tmp_path: Path) -> None:
    reg = registry()
    reg.register(KeepsOpen, "test")
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(tmp_path), **FAST}))
    patch.add_node(NodeSpec("sink", KeepsOpen.type_name, {}))
    patch.connect("inbox.take", "sink.take")
    engine = Engine(reg, workers=2, pin_workers=False, base_dir=tmp_path)

    def kept() -> list[str]:
        sink = engine.find_node("sink")
        with sink.lock:  # type: ignore[union-attr]
            return [Path(take.path).name for take in sink.kept]  # type: ignore[union-attr]

    engine.start(patch)
    try:
        drop(tmp_path, "kick.wav")
        wait_for(lambda: kept() == ["kick.wav"])
        first = engine.find_node("sink").kept[0]  # type: ignore[union-attr]
        assert first.take_id in engine.ledger
    finally:
        engine.stop()
    assert [line["done"] for line in journal_lines(tmp_path)] == [False]
    engine.start(patch)  # the same engine: its run_id goes on, its context is this run's own
    try:
        wait_for(lambda: kept() == ["kick.wav"])  # read again: its take never ended
        again = engine.find_node("sink").kept[0]  # type: ignore[union-attr]
        assert again.take_id == first.take_id  # under the id it had
        engine.find_node("sink").close_take(again)  # type: ignore[union-attr]
        wait_for(lambda: [line["done"] for line in journal_lines(tmp_path)][-1:] == [True])  # its end written
    finally:
        engine.stop()
    assert engine.errors == {}
