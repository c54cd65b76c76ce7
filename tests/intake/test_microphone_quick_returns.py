"""An input process that ends for its JACK server just after it started, time after time (its PortAudio never finds
a server that its probe reaches): started again after a growing wait, and told once.

Before: exit status 75 ("the server is back") started a new process at once, about once a second for ever, and
silently: the microphone recorded nothing and said nothing. The processes here are real ones that exit 75 at once
(:mod:`tests.jack_never_found`); the first says its stream opened through JACK first, as a first start must."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes.microphone_input import InputProcess, InputRing, Setup
from tests.jack_never_found import starts
from tests.waiting import wait_for


def test_an_input_process_ending_at_once_for_jack_again_and_again_waits_longer_and_is_told(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    log = tmp_path / "starts"
    monkeypatch.setenv("EXS_QUICK_RETURNS_LOG", str(log))
    monkeypatch.setenv("EXS_QUICK_RETURNS_OPEN", "1")
    ring = InputRing.create(4800, 1)
    errors: list[str] = []
    statuses: list[dict[str, Any]] = []
    setup = Setup(device="", channels=1, sample_rate=48000, blocksize=0, frames=4800, ring_fd=ring.fd)
    inputs = InputProcess(setup, ring, errors.append, lambda **values: statuses.append(values))
    inputs.child.module = "tests.jack_never_found"
    try:
        assert inputs.start().jack_client == "PortAudio"
        assert wait_for(lambda: len(starts(log)) >= 4, 20), (starts(log), errors)
    finally:
        inputs.stop()
        ring.close()
    times = starts(log)
    gaps = [later - earlier for earlier, later in itertools.pairwise(times[:4])]
    assert all(gap >= wait for gap, wait in zip(gaps, [0.25, 0.5, 1.0], strict=True)), gaps  # not at once
    assert errors == [
        "the input process ended 3 times in a row just after it started, for a JACK server that answers but that its "
        "PortAudio does not find (exit status 75): nothing is recorded; starting it again after a wait of up to 4 s"
    ], errors
    assert [status["device"] for status in statuses] == ["exs-test"], statuses  # the first opening only


def test_a_first_input_process_ending_for_jack_before_it_opened_is_started_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first two processes end at once with exit status 75 before they opened, the third opens: the start
    returns what it opened, after the same growing waits as later processes get. Before, the first one's exit 75
    failed the start (RuntimeError: the input process ended as it started)."""
    log = tmp_path / "starts"
    monkeypatch.setenv("EXS_QUICK_RETURNS_LOG", str(log))
    monkeypatch.setenv("EXS_QUICK_RETURNS_OPEN", "3")
    ring = InputRing.create(4800, 1)
    errors: list[str] = []
    statuses: list[dict[str, Any]] = []
    setup = Setup(device="", channels=1, sample_rate=48000, blocksize=0, frames=4800, ring_fd=ring.fd)
    inputs = InputProcess(setup, ring, errors.append, lambda **values: statuses.append(values))
    inputs.child.module = "tests.jack_never_found"
    try:
        opened = inputs.start()
    finally:
        inputs.stop()
        ring.close()
    assert opened.device == "exs-test" and opened.jack_client == "PortAudio"
    times = starts(log)
    assert len(times) >= 3, times
    gaps = [later - earlier for earlier, later in itertools.pairwise(times[:3])]
    assert all(gap >= wait for gap, wait in zip(gaps, [0.25, 0.5], strict=True)), gaps  # as later ones: not at once
    assert statuses[0]["device"] == "exs-test", statuses
    # The third quick return in a row (the opened one's) may be told before the stop; nothing else is.
    assert set(errors) <= {
        "the input process ended 3 times in a row just after it started, for a JACK server that answers but that its "
        "PortAudio does not find (exit status 75): nothing is recorded; starting it again after a wait of up to 4 s"
    }, errors
