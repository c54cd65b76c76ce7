"""A count and its noun, in words: the helper the messages count with."""

from __future__ import annotations

import pytest

from exsampling_patch.wording import counted


@pytest.mark.parametrize(("count", "said"), [(0, "0 nodes"), (1, "1 node"), (2, "2 nodes"), (12, "12 nodes"),
                                             (-1, "-1 nodes")])
def test_the_noun_is_plural_for_any_count_but_one(count: int, said: str) -> None:
    assert counted(count, "node") == said


def test_a_noun_that_does_not_take_an_s_is_given_its_plural() -> None:
    assert [counted(n, "copy", "copies") for n in (0, 1, 3)] == ["0 copies", "1 copy", "3 copies"]


def test_a_noun_of_several_words_takes_the_s_on_its_last() -> None:
    assert [counted(n, "late step") for n in (1, 2)] == ["1 late step", "2 late steps"]
