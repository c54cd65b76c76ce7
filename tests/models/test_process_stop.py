"""Stopping the classifier's process when it hangs, or when it takes its time to finish, with real child processes
(:mod:`tests.child_hangs`) in its place; and the real process's answer to a Stop.

Before: the process never answered a Stop (:class:`~exsampling_patch.child_process.Stopping`), as the sampler's and
the microphone's now do: a hung one held the node's stop 3 s, then was killed (SIGKILL), and nothing was said."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Any

import numpy as np
import pytest

from exsampling_patch.child_process import Stop, Stopping
from exsampling_patch.models.process import ClassifierProcess
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.classify import SoundClassifier


def stopped_classifier_node(mode: dict[str, str], monkeypatch: pytest.MonkeyPatch
                            ) -> tuple[int | None, list[Any], list[dict[str, Any]]]:
    """A classifier node whose process behaves as ``mode`` says, started and stopped; the process's exit status,
    the node's errors and its statuses."""
    for name, value in {"EXS_HANG_AS": "classifier", **mode}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(ClassifierProcess, "child_module", "tests.child_hangs")
    context = NodeContext()
    node = SoundClassifier("classifier", {}, context)
    node.start()  # its process says its model is loaded at once
    process = node._classifier
    assert isinstance(process, ClassifierProcess) and process.labels == ("dog", "rooster")
    child = process._child.process
    assert child is not None
    node.stop()
    assert process.pid is None and child.poll() is not None
    return child.returncode, context.errors, context.statuses


def test_a_hung_classifier_process_is_terminated_once_it_does_not_answer_the_stop_and_told(
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, errors, statuses = stopped_classifier_node({"EXS_INPUT_STOP": "hang"}, monkeypatch)
    assert code == -signal.SIGTERM  # terminated after the grace, not killed after the old 3 s
    warnings = [status["warning"] for status in statuses if "warning" in status]
    assert warnings == ["the classifier's process did not answer the stop in 2 s (hung): it was terminated"]
    assert errors == []


def test_a_classifier_process_that_answered_the_stop_may_take_longer_to_finish(
        monkeypatch: pytest.MonkeyPatch) -> None:
    code, errors, statuses = stopped_classifier_node({"EXS_INPUT_STOP": "slow", "EXS_INPUT_STOP_SECONDS": "2.5"},
                                                     monkeypatch)
    assert code == 0  # it finished by itself: not terminated after the grace
    assert [status for status in statuses if "warning" in status] == [] and errors == []


def test_the_classifier_process_answers_the_stop() -> None:
    """The real process, its model loaded, spoken to directly: it says Stopping, then ends by itself (status 0)."""
    process = ClassifierProcess(threads=1)
    try:
        process.wait_ready()
        child, connection = process._child.process, process._child.connection
        assert child is not None and connection is not None
        process._child.send(Stop())
        said: list[object] = []
        with contextlib.suppress(EOFError):
            while connection.poll(10):
                said.append(connection.recv())
        assert [type(message) for message in said] == [Stopping], said
        assert child.wait(10) == 0
    finally:
        assert process.stop() is True  # it has ended: nothing is left to terminate


def test_a_classifier_process_hung_on_a_take_is_terminated_at_the_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    """A take in hand when the node stops (the engine has waited for the takes in flight first): the process hung
    on it is terminated after the grace, not waited for until the take's answer_timeout, and not started again."""
    for name, value in {"EXS_HANG_AS": "classifier", "EXS_INPUT_STOP": "hang"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr(ClassifierProcess, "child_module", "tests.child_hangs")
    said: list[str] = []
    process = ClassifierProcess(on_restart=said.append, answer_timeout=10.0)
    process.wait_ready()
    child = process._child.process
    assert child is not None
    raised: list[BaseException] = []

    def score() -> None:
        try:
            process.predict(np.zeros(800, np.float32), 8000)
        except BaseException as error:
            raised.append(error)

    scoring = threading.Thread(target=score)
    scoring.start()
    deadline = time.monotonic() + 60  # a lock never taken fails here, not at pytest's 300 s timeout
    while not process._lock.locked() and scoring.is_alive():  # the take is in hand
        assert time.monotonic() < deadline, "predict() never took the take in hand (the process lock) in 60 s"
        time.sleep(0.001)
    assert process.stop() is False  # hung: told by the node
    scoring.join(10)
    assert not scoring.is_alive()
    assert [str(error) for error in raised] == ["the classifier's process was stopped while it scored a take"]
    assert child.returncode == -signal.SIGTERM
    assert said == [] and process.restarts == 0 and process.pid is None  # no new process
