"""A link dropped on a node's body rather than on a pin says why no link was made (body_drop_scenario.py, in a
subprocess on the test display)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.editor.test_keys import run_scenario


@pytest.mark.display
def test_a_link_dropped_on_a_nodes_body_says_to_drop_it_on_a_pin() -> None:
    result: dict[str, Any] = run_scenario("tests.editor.body_drop_scenario")
    assert result["output_dropped"] == ("no link: dropped on log, not on a pin; drop it on an input's pin (left "
                                        "edge), lit yellow where it fits"), result
    assert result["input_dropped"] == ("no link: dropped on inbox, not on a pin; drop it on an output's pin "
                                       "(right edge), lit yellow where it fits"), result
    assert result["links_kept"], result
