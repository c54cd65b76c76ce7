"""A classifier's process killed while it starts (the OOM killer as the patch's other processes start, a kill by
hand), with a real stand-in process (:mod:`tests.child_dies_at_start`). Before, the node never started and the whole
show went on unclassified, told "exit status -9" and nothing more."""

from __future__ import annotations

import signal
from pathlib import Path

import pytest

from exsampling_patch.models.process import ClassifierProcess, ClassifierProcessError

KILLED = f"exit status {-signal.SIGKILL}"


def started(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dies: int) -> tuple[ClassifierProcess, list[str]]:
    monkeypatch.setenv("EXS_DIES_COUNT", str(tmp_path / "starts"))
    monkeypatch.setenv("EXS_DIES_TIMES", str(dies))
    monkeypatch.setattr(ClassifierProcess, "child_module", "tests.child_dies_at_start")
    said: list[str] = []
    return ClassifierProcess(on_restart=said.append), said


def test_a_process_killed_at_its_first_start_is_started_once_more(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    process, said = started(tmp_path, monkeypatch, dies=1)
    try:
        process.wait_ready()
        assert process.labels == ("dog", "rooster")
        assert said == [f"the classifier's process ended while starting ({KILLED}); started again"]
        assert (tmp_path / "starts").read_text(encoding="utf-8") == "2"
    finally:
        process.stop()


def test_a_process_killed_twice_at_its_start_is_told_and_not_started_a_third_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    process, said = started(tmp_path, monkeypatch, dies=2)
    try:
        with pytest.raises(ClassifierProcessError) as raised:
            process.wait_ready()
        assert str(raised.value) == (f"the classifier's process ended while starting, twice ({KILLED}); the rest of "
                                     "the patch runs without it: stop the run and start it again")
        assert said == [f"the classifier's process ended while starting ({KILLED}); started again"]
        assert (tmp_path / "starts").read_text(encoding="utf-8") == "2"
    finally:
        process.stop()


def test_a_process_that_exits_by_itself_at_its_start_is_not_started_again(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """Status 1: its own Python failed (a broken install) and would again: a second start only doubled the wait."""
    monkeypatch.setenv("EXS_DIES_HOW", "exit")
    process, said = started(tmp_path, monkeypatch, dies=1)
    try:
        with pytest.raises(ClassifierProcessError) as raised:
            process.wait_ready()
        assert str(raised.value) == "the classifier's process ended while starting (exit status 1)"
        assert said == []
        assert (tmp_path / "starts").read_text(encoding="utf-8") == "1"
    finally:
        process.stop()
