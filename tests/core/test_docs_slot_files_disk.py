"""docs/custom-nodes.md's SlotFiles, in a real engine, when its folder cannot be written at each take (a full disk, a
file where the folder should be): its error is told once, about the disk, and stands across the takes that follow
(told on each take with ``report_message_error``, each next take's handler, returning first, ended the last one's,
and the node showed no error between takes); it ends once a take is written again."""

from __future__ import annotations

from pathlib import Path

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine

from .guide_slot_nodes import Heard, guide_plugin_registry


def test_the_guide_s_slot_files_tells_a_folder_it_cannot_write_once_and_it_stands_till_written(tmp_path: Path) -> None:
    registry = guide_plugin_registry(tmp_path, "SlotFiles", "slot_files")
    folder = tmp_path / "slots"
    folder.write_text("a file where the folder should be", encoding="utf-8")
    patch = Patch()
    patch.add_node(NodeSpec("f", "slot_files", {"folder": str(folder)}))
    engine = Engine(registry, workers=1, pin_workers=False, base_dir=tmp_path)
    heard = Heard(engine)
    engine.start(patch)
    try:
        for slot in ("HH", "SN", "BD"):
            assert heard.take_ends("f", slot).reason.startswith(f"slot {slot}, not loaded into slot_files 'f': ")
            assert list(engine.errors) == ["f"] and heard.back == []
        assert [error.about for error in heard.told] == ["disk"]
        folder.unlink()
        assert heard.take_ends("f", "HH").reason == "slot HH" and (folder / "HH.wav").exists()
        assert engine.errors == {} and [event.how for event in heard.back] == ["opened"]
    finally:
        engine.stop()
