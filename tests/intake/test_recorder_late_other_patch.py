"""A take a web recorder stores after its stop goes to a later run of its own patch file, not to a recorder of the
same id in another patch of the same folder.

patches/exsampling.yaml and patches/web_to_writer.yaml each have a node "recorder", in one folder, on state folders of
their own. Looked up by patch folder and id, a take exsampling's recorder stored late (its stop gave up waiting on a
slow disk), with web_to_writer run since, went through web_to_writer's chain and was written down as done in
exsampling's take folder. Now looked up by patch file: it is kept for the next run of exsampling's patch. Real HTTPS
recorder, real engines as the editor makes them (one per Run, told its patch file)."""

from __future__ import annotations

from pathlib import Path

import pytest

from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore

from .conftest import Client, probe_of, registry
from .moved_rig import held_look_on, moved_patch, upload_held_at_look
from .test_recorder_stop_mid_upload import TAKE


def test_a_late_take_skips_another_patchs_recorder_of_its_id_in_the_same_folder(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    state, other, moved = tmp_path / "state", tmp_path / "state-writer", tmp_path / "state-moved"
    look = held_look_on(monkeypatch, recorder_state, state, other, moved)
    ours, theirs = tmp_path / "exsampling.yaml", tmp_path / "web_to_writer.yaml"  # one folder: one base_dir
    stopped = Engine(registry(), base_dir=tmp_path, patch_file=ours)
    writer = Engine(registry(), base_dir=tmp_path, patch_file=theirs)
    again = Engine(registry(), base_dir=tmp_path, patch_file=ours)
    stopped.start(moved_patch(tmp_path, state, "takes"))
    try:
        phone = Client(stopped, state / "recorder-cert.pem")
        with upload_held_at_look(phone, look, TAKE) as answers:
            stopped.stop()  # the editor's Stop
            writer.start(moved_patch(tmp_path, other, "writer-takes"))  # the other patch opened, Run
        assert answers and answers[0][0] == 201, answers  # stored in the old take folder, after the stop
        # Its own patch run again, both folders moved: only the take kept for it (not its folder's listing) brings it
        again.start(moved_patch(tmp_path, moved, "takes-moved"))
        reached = probe_of(again).wait_for(1, 30)
        took = probe_of(writer).wait_for(1, 0)
    finally:
        again.stop()
        writer.stop()
        stopped.stop()
    first = answers[0][1]["take_id"]
    assert [take.take_id for take in reached] == [first], (reached, took, again.errors)
    assert took == [], "the other patch's recorder of the same id took the late take"
    assert first in TakeStore(tmp_path / "takes").processed_ids()  # written down as done where it is stored
