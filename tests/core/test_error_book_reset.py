"""The error book emptied for an engine started again (:meth:`ErrorBook.reset`): its ticks go on, so that a handler of
the last run that returns late, its tick given before the reset, does not end an error this run tells later."""

from __future__ import annotations

from exsampling_patch.runtime import NodeError
from exsampling_patch.runtime.recovery import ErrorBook


def test_reset_forgets_every_error_and_finishing_message() -> None:
    book = ErrorBook()
    book.told(NodeError("add", error="raised", port="inlet"))
    book.told(NodeError("sampler", error="no device", about="device"))
    book.told(NodeError("loader", error="handed over", port="take", later=True))
    book.reset()
    assert book.current("add") is None and book.current("sampler") is None and book.current("loader") is None
    assert book.standing == {} and book.finishing == set() and book.later == {}


def test_a_handler_that_began_before_the_reset_does_not_end_an_error_told_later_after_it() -> None:
    book = ErrorBook()
    began = book.began()  # a handler of the last run, still running at the reset
    book.reset()
    told = NodeError("loader", error="handed over", port="take", later=True)
    book.told(told)
    assert book.ends("loader", "handled", began=began) == []
    assert book.current("loader") is told
    assert book.ends("loader", "handled", began=book.began()) == [told]
