"""A take whose wait for the rate the patch's stop ended (``NodeContext.patch_stopping``) is kept open past the stop,
for its source to pass on again at the next start: it is not parked for a sampler an edit would build (.assign)."""

from __future__ import annotations

from typing import Any

from exsampling_patch.context import NodeContext
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler import assign as assign_module
from exsampling_patch.nodes.sampler.assign import park

from .helpers import sine_take
from .sampler_setup import stopped_sampler


class StoppingContext(NodeContext):
    """Keeps takes open as the runtime does, and says the whole patch stops."""

    def __init__(self) -> None:
        super().__init__()
        self.kept: list[str] = []

    @property
    def patch_stopping(self) -> bool:
        return True

    def keep_open(self, node_id: str, take: Any) -> bool:
        self.kept.append(take.take.take_id)
        return True


def test_a_take_whose_wait_the_patchs_stop_ended_is_kept_open_and_not_parked() -> None:
    context = StoppingContext()
    old = stopped_sampler(context)
    take = sine_take(220.0, seconds=0.5)
    assert park(old, SlotAssignment("Snare", take), kept=False)  # not told not loaded
    assert context.kept == [take.take_id] and context.fates == [] and context.errors == []
    assert not any(parked.node is old for parked in assign_module._parked)
