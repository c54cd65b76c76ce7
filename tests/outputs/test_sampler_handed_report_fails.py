"""A take handed to the sampler an edit built (.assign) is closed once, with its true end, where a report about it
fails: its status report failing once its sound is in the slot (closed "not loaded" by the hand-over's catch-all, though
it was loaded), or the report of its ``loaded`` output's failure failing in turn (closed as loaded, then a second time
as not loaded). Real reports do not fail (the runtime's event bus keeps an observer's failure to itself): the context
here fails as a broken one would."""

from __future__ import annotations

from typing import Any

from .helpers import sine_take
from .sampler_setup import both_handed
from .test_sampler_handed_failing import FailingOutput


class FailingReports(FailingOutput):
    """Its status reports of the takes in :attr:`status_failing` fail, and so do all its reports of errors on a
    message where :attr:`errors_fail`."""

    def __init__(self) -> None:
        super().__init__()
        self.status_failing: set[str] = set()
        self.errors_fail = False

    def report_status(self, node_id: str, status: dict[str, Any]) -> None:
        if status.get("take") in self.status_failing:
            raise ValueError("the status could not be sent")
        super().report_status(node_id, status)

    def report_message_error(self, node_id: str, error: BaseException | str, port: str) -> None:
        if self.errors_fail:
            raise ValueError("the error could not be sent")
        super().report_message_error(node_id, error, port)


def test_a_handed_take_whose_status_report_fails_is_closed_once_as_loaded() -> None:
    context = FailingReports()
    first, second = sine_take(220.0, seconds=0.5), sine_take(330.0, seconds=0.5)
    context.status_failing.add(first.take_id)
    with both_handed(context, first, second) as new:
        assert context.closed == [(first.take_id, ""), (second.take_id, "")]  # each once, both loaded
        assert context.errors == [f"{first.take_id} loaded into slot Snare, but its status could not be told: "
                                  "ValueError: the status could not be sent"]
        assert (new.buffers[0].take_id, new.buffers[1].take_id) == (second.take_id, first.take_id)
        assert [take.take_id for take, _ in new.records[1].history] == [first.take_id]


def test_a_handed_take_whose_loaded_output_fails_and_its_error_too_is_closed_once_as_loaded() -> None:
    context = FailingReports()
    first, second = sine_take(220.0, seconds=0.5), sine_take(330.0, seconds=0.5)
    context.failing.add(first.take_id)
    context.errors_fail = True
    with both_handed(context, first, second) as new:
        assert context.closed == [(first.take_id, ""), (second.take_id, "")]
        assert (new.buffers[0].take_id, new.buffers[1].take_id) == (second.take_id, first.take_id)
