"""The guard around each test (tests/outside_writes.py): what a test writes into the checkout's ../session (or the
other folders the nodes' relative defaults land in) fails it; what a real show left there does not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.outside_writes import REPO, WATCHED, guard


def around(roots: list[Path], during: Callable[[], object]) -> None:
    steps = guard(roots)
    next(steps)
    during()
    next(steps, None)


def test_a_file_written_into_a_folder_that_was_not_there_fails_the_test(tmp_path: Path) -> None:
    session = tmp_path / "session"  # not there before: a fresh checkout's parent

    def write() -> None:
        (session / "live").mkdir(parents=True)
        (session / "live" / ".sent-live.txt.lock").touch()

    with pytest.raises(pytest.fail.Exception) as failed:
        around([session, tmp_path / "takes"], write)
    message = str(failed.value)
    assert message.startswith(f"the test wrote outside its tmp_path: {session}, {session / 'live'}, "
                              f"{session / 'live' / '.sent-live.txt.lock'}. ")
    assert "pass folder=tmp_path/..." in message


def test_a_shows_state_is_not_flagged_but_a_test_adding_to_it_is(tmp_path: Path) -> None:
    sent = tmp_path / "session" / "osc" / ".sent-tx.txt"
    sent.parent.mkdir(parents=True)
    sent.write_text("take-1\n")  # a real show's list of takes sent
    around([tmp_path / "session"], lambda: sent.read_text())

    with pytest.raises(pytest.fail.Exception, match=r"outside its tmp_path: \S+/\.sent-tx\.txt\. "):
        around([tmp_path / "session"], lambda: sent.write_text("take-1\ntake-2\n"))


def test_the_guard_runs_around_every_test_and_watches_the_checkouts_parent(request: pytest.FixtureRequest) -> None:
    assert "_writes_only_under_tmp_path" in request.fixturenames  # autouse, from tests/conftest.py
    assert REPO.parent / "session" in WATCHED and REPO.parent / "takes" in WATCHED
    assert REPO / "session" in WATCHED, "a patch of patches/ run in place: ../session is the checkout's session/"
