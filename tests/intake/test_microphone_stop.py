"""Stopping the microphone's input process when it hangs, or when it takes its time to finish, with real child
processes (:mod:`tests.child_hangs`).

Before: a process that never answered the Stop (hung for a reason other than its JACK server going away) held the
node's stop for 8 s (5 s waiting for its last messages, 3 s before a kill), silently."""

from __future__ import annotations

import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import microphone_input
from exsampling_patch.nodes.microphone_input import InputProcess, InputRing, Setup


def started_and_stopped(module_env: dict[str, str], answer_seconds: float, monkeypatch: pytest.MonkeyPatch
                        ) -> tuple[InputProcess, subprocess.Popen[bytes], str, list[str], list[dict[str, Any]]]:
    """An input process of :mod:`tests.child_hangs`, acting as ``module_env`` says, started and then stopped, the
    stop waiting ``answer_seconds`` for its answer: the input, its process, the device it opened, what it told."""
    monkeypatch.setattr(microphone_input, "STOP_ANSWER_SECONDS", answer_seconds)
    for name, value in module_env.items():
        monkeypatch.setenv(name, value)
    ring = InputRing.create(4800, 1)
    errors: list[str] = []
    statuses: list[dict[str, Any]] = []
    setup = Setup(device="", channels=1, sample_rate=48000, blocksize=0, frames=4800, ring_fd=ring.fd)
    inputs = InputProcess(setup, ring, errors.append, lambda **values: statuses.append(values))
    inputs.child.module = "tests.child_hangs"
    try:
        device = inputs.start().device
        process = inputs.child.process
        assert process is not None
    finally:
        inputs.stop()
        ring.close()
    return inputs, process, device, errors, statuses


def test_a_hung_input_process_is_terminated_once_it_does_not_answer_the_stop_and_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    inputs, process, device, errors, statuses = started_and_stopped({"EXS_INPUT_STOP": "hang"}, 0.5, monkeypatch)
    assert device == "exs-test"
    assert process.poll() == -signal.SIGTERM  # gone, terminated (not killed after the old 8 s)
    assert inputs.child.process is None and not inputs.opened.is_set()
    warnings = [status["warning"] for status in statuses if "warning" in status]
    assert warnings == ["the input process did not answer the stop in 0.5 s (hung): it was terminated"], statuses
    assert errors == []


def test_an_input_process_that_answered_the_stop_may_take_longer_to_finish(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, process, _, errors, statuses = started_and_stopped(
        {"EXS_INPUT_STOP": "slow", "EXS_INPUT_STOP_SECONDS": "1.0"}, 0.2, monkeypatch)
    assert process.poll() == 0  # it finished by itself: not terminated after the grace
    assert [status for status in statuses if "warning" in status] == [] and errors == []


def test_an_input_process_that_answered_the_stop_but_does_not_end_is_terminated_after_the_readers_wait(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: once the reader's 5 s had passed, the stop waited 3 s more for the process, then killed it."""
    _, process, _, errors, statuses = started_and_stopped(
        {"EXS_INPUT_STOP": "slow", "EXS_INPUT_STOP_SECONDS": "60"}, 0.2, monkeypatch)
    assert process.poll() == -signal.SIGTERM  # terminated once the reader's wait ran out: not killed 3 s later
    assert [status for status in statuses if "warning" in status] == [] and errors == []
