"""A take handed to the sampler an edit built (.assign) whose loading fails in a way the hand-over does not expect (a
MemoryError preparing a long take, a node's output failing): the error is told on the node, the take closed once, and
the takes handed after it are still loaded. Raised on its thread of its own, the error went to no node, its take
stayed in flight till the stop (then passed on again) and the takes after it were never tried.

Running out of memory cannot be brought about in a test: the sampler here fails to prepare the long take as such a
sampler would, and the context's ``loaded`` output fails as a broken output would."""

from __future__ import annotations

from typing import Any

from exsampling_patch.messages import Take
from exsampling_patch.nodes.sampler import Sampler

from .helpers import sine_take
from .sampler_setup import KeepingContext, both_handed

LONG = 2.0  # seconds: a take this long is more than the short-of-memory sampler can prepare


class ShortOfMemory(Sampler):
    """A sampler that runs out of memory preparing a long take."""

    def _load(self, index: int, take: Take, label: str | None, due: float = 0.0) -> None:
        if take.duration >= LONG:
            raise MemoryError
        super()._load(index, take, label, due)


class FailingOutput(KeepingContext):
    """Its ``loaded`` output fails for the takes in :attr:`failing`."""

    def __init__(self) -> None:
        super().__init__()
        self.failing: set[str] = set()

    def emit(self, node_id: str, port: str, message: Any) -> None:
        if port == "loaded" and message.take.take_id in self.failing:
            raise ValueError("the output is broken")
        super().emit(node_id, port, message)


def test_a_handed_take_that_fails_to_load_is_told_and_closed_and_the_next_is_loaded() -> None:
    context = KeepingContext()
    long, short = sine_take(220.0, seconds=LONG), sine_take(330.0, seconds=0.5)
    with both_handed(context, long, short, ShortOfMemory) as new:
        assert context.closed == [(long.take_id, "not loaded into sampler 'smp': MemoryError"), (short.take_id, "")]
        assert context.errors == [f"{long.take_id} not loaded into slot Snare: MemoryError"]
        assert new.buffers[0].take_id == short.take_id
        assert new.buffers[1].take_id != long.take_id


def test_a_handed_take_whose_loaded_output_fails_is_closed_once_as_loaded() -> None:
    context = FailingOutput()
    first, second = sine_take(220.0, seconds=0.5), sine_take(330.0, seconds=0.5)
    context.failing.add(first.take_id)
    with both_handed(context, first, second) as new:
        assert context.closed == [(first.take_id, ""), (second.take_id, "")]  # each once, both loaded
        assert context.errors == [f"{first.take_id} loaded into slot Snare, but its 'loaded' output failed: "
                                  "ValueError: the output is broken"]
        assert (new.buffers[0].take_id, new.buffers[1].take_id) == (second.take_id, first.take_id)
