"""The thread that tells the sampler's audio process's answers tells a failure of its telling once (its book raising
at each wake): again only when the error's words change, or once it worked in between and fails again. Before, it
told the same failure at every wake, about every 0.25 s for as long as the show ran: log and console flooded."""

from __future__ import annotations

from exsampling_patch.nodes.sampler.answers import Answer, LoadBook
from exsampling_patch.nodes.sampler.prepare import SlotBuffer

from .test_sampler_answer_telling import Telling


class FailingBook(LoadBook):
    """A book whose look for overdue takes raises the next of ``failures`` ('' for one that works), as a broken one
    would at each wake of the thread."""

    def __init__(self, failures: list[str]) -> None:
        super().__init__()
        self.failures = failures

    def overdue(self, within: float, buffers: dict[int, SlotBuffer]) -> list[Answer]:
        failure = self.failures.pop(0)
        if failure:
            raise RuntimeError(failure)
        return super().overdue(within, buffers)


def test_a_failure_that_lasts_is_told_once_then_on_a_change_or_a_return() -> None:
    telling = Telling()
    telling.book = FailingBook(["broken"] * 5 + ["worse"] * 3 + ["broken", ""] + ["broken"] * 4)
    for _ in range(len(telling.book.failures)):  # a wake each: what the thread does every 0.25 s with no answer
        telling._answers.put((0, "due"))
    telling._answers.put((0, "stopped"))
    telling._answer()  # returns at the stop
    said = "the sampler could not tell what its audio process said: RuntimeError: "
    assert telling.errors == [f"{said}broken", f"{said}worse", f"{said}broken", f"{said}broken"]
