"""A show replayed whose sampler's status report fails for a take once its sound is in the slot (``LoadedUntold``):
the take plays in the replay, and the failure is told on the node, as the assign handler tells it live. Before, the
frame-for-frame replay (.replay's ``_render_frames``, which loads each take as the live callback took it up, not
through the handler) let ``LoadedUntold`` out of the replay: no WAV, the report's words alone, naming no take.

Real reports do not fail (the replay's context collects them): the sampler here fails the status report that names
the take, as a broken context would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from exsampling_patch.nodes.sampler import Sampler
from tests.waiting import wait_for

from .test_replay_many_channels import RATE, show_lines

told: list[Any] = []  # what the failing sampler's context was told, errors and problems


class StatusFails(Sampler):
    """A sampler whose status report naming take "t" fails."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        told.append(self.context)

    def report_status(self, **status: Any) -> None:
        if status.get("take") == "t":
            raise ValueError("the status could not be sent")
        super().report_status(**status)


@pytest.mark.parametrize("frame_exact", [False, True], ids=["by-time", "frame-for-frame"])
def test_a_take_whose_status_report_fails_replays_with_the_failure_told(tmp_path: Path, frame_exact: bool) -> None:
    told.clear()
    click = np.resize(np.array([0.5, -0.5], np.float32), 64)
    soundfile.write(tmp_path / "t.wav", click, RATE, subtype="FLOAT")
    loaded: list[str] = []
    audio, _ = StatusFails.render_show(StatusFails, show_lines(frame_exact), tmp_path, tail=0.05,
                                       on_assign=lambda t, slot, take_id: loaded.append(f"{slot}:{take_id}"))
    assert loaded == ["HH:t"]
    assert np.abs(audio).max() > 0.01  # in the slot: the note played it
    (context,) = told
    assert wait_for(lambda: bool(context.errors), 10.0)  # by time, the handler may tell it from a thread of its own
    assert [*context.problems, *context.errors] == [
        "t loaded into slot HH, but its status could not be told: ValueError: the status could not be sent"]
