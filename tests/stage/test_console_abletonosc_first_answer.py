"""The console's line for AbletonOSC's first answer after its start-up silence (Live opened after the patch): it
said "AbletonOSC answers again", for a Live that had never answered. "again" is for an answer after a silence that
followed answers (Live quit, and opened again).

Live's side is a real UDP socket standing in for AbletonOSC (the one mock the project allows)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.outputs.test_ableton_osc_silent import abletonosc_not_open_yet, wait_for


def test_the_first_answer_after_the_start_up_silence_is_not_said_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with abletonosc_not_open_yet(tmp_path, monkeypatch) as (_, live, err):
        where = f"127.0.0.1:{live.port}"
        wait_for(lambda: "does not answer" in err.getvalue())
        live.answering.set()  # Live opened: its first answer
        wait_for(lambda: "is back" in err.getvalue())
        live.answering.clear()  # Live quits
        wait_for(lambda: "stopped answering" in err.getvalue())
        live.answering.set()  # and is opened again
        wait_for(lambda: err.getvalue().count("is back") == 2)
    backs = [line.split(" aosc is back: ", 1)[1] for line in err.getvalue().splitlines() if " aosc is back: " in line]
    assert backs == [f"ableton_osc 'aosc': AbletonOSC answers on {where}",
                     f"ableton_osc 'aosc': AbletonOSC answers again on {where}"], err.getvalue()
