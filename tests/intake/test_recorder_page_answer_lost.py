"""A take whose upload's answer was lost is not sent again once the recorder lists it (a real headless Chromium, its
microphone fed from a WAV file, against the real recorder). On a poor network the connection is cut after the
recorder stored the take: the page sent the whole take again, the takes after it waiting their turn, only for the
recorder to answer that it had it already."""

from __future__ import annotations

from pathlib import Path
from typing import cast

import pytest

from .conftest import microphone, probe_of, rec_of, recorder_engine, run_phone

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.usefixtures("playwright", "phone_browsers")]


def answer_lost(tmp_path: Path, *late: str) -> dict[str, object]:
    """answer_lost.js run against a real recorder: its result, once the recorder's probe got the take once."""
    fed, browser = microphone()
    engine = recorder_engine(tmp_path)
    try:
        result = run_phone("answer_lost.js", rec_of(engine).local_url, fed, *late, env=browser)
        assert len(probe_of(engine).wait_for(1)) == 1
        return cast(dict[str, object], result)
    finally:
        engine.stop()


def test_a_take_stored_whose_answer_was_lost_is_received_without_a_second_upload(tmp_path: Path) -> None:
    result = answer_lost(tmp_path)
    assert result["statuses"] == [201], result  # stored once, and not sent again
    assert str(result["info"]).startswith("Received"), result


def test_the_take_list_answering_after_the_retry_delay_is_waited_for(tmp_path: Path) -> None:
    """The list was asked and not waited on: answered after the try's delay (1 s here, run out on the page's own
    clock before the list is answered), the take was sent again all the same."""
    result = answer_lost(tmp_path, "late")
    assert result["statuses"] == [201], result
    assert str(result["info"]).startswith("Received"), result
