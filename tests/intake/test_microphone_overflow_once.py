"""Input the microphone's stream dropped is told once, even when take assembly fails and is run again after it.

Before, assembly counted the drops it had told from 0 in each run: a run after a failure told the drops of before
again, as new ones. On a JACK server of the test's own (the input process is held up, as in
test_microphone_jack_back.py), with a tone for takes whose emit raises, so that assembly fails and is run again.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from exsampling_patch.nodes.microphone import Microphone
from tests.intake.test_microphone_jack_back import PARAMS, Tone, hold_up_input
from tests.intake.tone_bursts import FailingEmit
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None or shutil.which("jack_simple_client") is None,
                                reason="needs jackd (the JACK dummy driver) and jack_simple_client")


def test_input_dropped_before_assembly_runs_again_is_not_told_again(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    context = FailingEmit(tmp_path)
    mic = Microphone("mic", {**PARAMS, "folder": str(tmp_path / "takes")}, context)
    mic.start()
    tone = None
    try:
        hold_up_input(mic, context)
        client = mic.jack_client
        assert client
        tone = Tone(client)  # a take each 0.3 s: the second failure is in a run of assembly after the first
        assert wait_for(lambda: len(context.errors) >= 2), context.errors
    finally:
        if tone is not None:
            tone.stop()
        mic.stop()
    assert all(isinstance(error, RuntimeError) for error in context.errors), context.errors
    told = [status["input_overflows"] for status in context.statuses if "input_overflows" in status]
    assert told == sorted(set(told)), told  # each count once, none told again
