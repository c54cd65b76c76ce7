"""A type's own name typed into a search (the add-node pop-up's, the palette's) lists that type first, and Enter adds
it (type_name_scenario.py, real keys and clicks on the test display): "sampler" typed and Enter added a pattern
node, whose doc names the sampler and whose family comes first."""

from __future__ import annotations

from typing import Any

import pytest

from exsampling_patch.editor.palette import family_rank, grouped, palette_entries
from exsampling_patch.registry import Registry
from tests.editor.test_keys import run_scenario


def test_every_type_named_in_a_search_is_listed_first() -> None:
    entries = palette_entries(Registry.default())
    for entry in entries:
        for search in (entry.type_name, entry.type_name.replace("_", " ")):
            assert next(iter(grouped(entries, search).values()))[0].type_name == entry.type_name, search


def test_a_type_whose_name_holds_the_search_comes_first_and_no_search_keeps_the_flow_order() -> None:
    entries = palette_entries(Registry.default())
    assert next(iter(grouped(entries, "slot").values()))[0].type_name == "fixed_slot"  # not osc_receive (a source)
    assert list(grouped(entries)) == sorted(grouped(entries), key=family_rank)


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return run_scenario("tests.editor.type_name_scenario")


@pytest.mark.display
def test_a_type_named_in_the_add_popup_is_the_one_enter_adds(result: dict[str, Any]) -> None:
    assert result["popup"] == [["sampler", ["sampler"], ["sampler"]], ["pattern", ["pattern"], ["pattern"]]], result


@pytest.mark.display
def test_a_type_named_in_the_palette_search_is_the_one_enter_adds(result: dict[str, Any]) -> None:
    assert result["palette"] == ["midi in", ["midi_in"], ["midi_in"]], result
