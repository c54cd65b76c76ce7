"""The sampler's output level on its node's status, so its canvas node shows a bar while it plays: a real sampler, its
audio process under the JACK dummy server, a take loaded and a note played."""

from __future__ import annotations

import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler.meter import output_level
from exsampling_patch.nodes.sampler.shared import SharedState
from tests.sampler_start import opened_or_told
from tests.waiting import wait_for

from .helpers import sine_take

pytestmark = pytest.mark.jack


def levels(context: NodeContext) -> list[float]:
    return [s["level"] for s in list(context.statuses) if "level" in s]


def test_a_sounding_note_shows_its_level_on_the_status_and_the_level_falls_to_0_once_silent() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "blocksize": 256}, context)
    sampler.start()
    try:
        assert opened_or_told(sampler.audio, lambda: context.errors), context.errors
        sampler.on_assign(SlotAssignment("HH", sine_take(220.0, seconds=1.0, amplitude=0.5)))
        assert wait_for(lambda: sampler.sounding("HH") is not None), context.errors
        assert levels(context) == []  # loaded, not played: no level said
        sampler.note_on("HH", 57, 127)  # A3 on a 220 Hz take: its own pitch, at full velocity, to its end
        assert wait_for(lambda: any(level > 0 for level in levels(context))), context.statuses
        assert max(levels(context)) == pytest.approx(0.5, rel=0.1)
        assert wait_for(lambda: levels(context)[-1] == 0.0, 20.0), levels(context)  # the take has ended
    finally:
        sampler.stop()


def test_the_level_is_the_loudest_slot_after_the_master_gain_at_most_1() -> None:
    state = SharedState.local(3)
    assert output_level(state) == 0.0
    state.levels[:] = np.array([0.2, 0.6, 0.1], np.float32)
    state.master[0] = 0.5
    assert output_level(state) == pytest.approx(0.3)
    state.master[0] = 4.0
    assert output_level(state) == 1.0
