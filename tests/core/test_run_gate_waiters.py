"""Two RunGate.wait_out calls at once: the first one's end turned the wake-ups off (one flag for all waiters) and the
second slept its whole deadline after the act it waited for had left. Each waiter now has its own wake-up."""

from __future__ import annotations

import threading

import pytest

from exsampling_patch.runtime import run_gate
from exsampling_patch.runtime.run_gate import RunGate
from tests.waiting import wait_for


def _act(gate: RunGate, run: int, hold: threading.Event) -> threading.Thread:
    thread = threading.Thread(target=lambda: (gate.enter(run), hold.wait(30), gate.leave()), daemon=True)
    thread.start()
    return thread


def test_a_wait_out_ending_leaves_another_still_woken_by_the_act_it_waits_for(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(run_gate, "WAIT_SECONDS", 120.0)  # slept out, the second wait would outlast the test's joins
    gate = RunGate()
    hold_a, hold_b = threading.Event(), threading.Event()
    acts = [_act(gate, 1, hold_a), _act(gate, 2, hold_b)]
    try:
        assert wait_for(lambda: len(gate._acting) == 2, 10)
        results: dict[int, bool] = {}

        def wait_out(run: int) -> None:
            results[run] = gate.wait_out(run)

        both = threading.Thread(target=wait_out, args=(3,), daemon=True)  # waits for acts A and B
        both.start()
        assert wait_for(lambda: gate.waiting, 10)
        first = threading.Thread(target=wait_out, args=(2,), daemon=True)  # waits for act A alone
        first.start()
        hold_a.set()
        first.join(30)
        assert results.get(2) is True
        assert gate.waiting  # the other still waits (for act B)
        hold_b.set()
        both.join(30)  # woken by B's leave, not at its deadline
        assert not both.is_alive() and results.get(3) is True
        assert not gate.waiting
    finally:
        hold_a.set()
        hold_b.set()
        for act in acts:
            act.join(10)
