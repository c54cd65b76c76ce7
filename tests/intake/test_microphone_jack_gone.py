"""A JACK server that goes away (stopped, or restarted) under the microphone, on a server of the test's own
(:mod:`tests.jack_server`). PortAudio's JACK host then waits 10 minutes for JACK's process thread, gone with the
server, to stop the stream: Ctrl+C left the run hanging in the microphone's stop. The microphone said nothing of
the server's end meanwhile: it recorded nothing, silently."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.stage.helpers import Run

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")

HANG_SECONDS = 30.0  # a hang's limit, far above any stop


def test_a_run_stopped_after_the_microphones_jack_server_went_away_exits_as_designed(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    patch = tmp_path / "mic.yaml"
    patch.write_text("exsampling_patch: 1\nname: mic\nnodes:\n- id: mic\n  type: microphone\n"
                     "  params: {folder: takes}\nlinks: []\n", encoding="utf-8")
    run = Run(str(patch), "--log", "-")  # libraries' own messages (PortAudio's among them) on its stderr
    try:
        run.wait_for("running mic")  # the microphone's stream is open and started by then
        private_jack.terminate()
        private_jack.wait(10)
        run.wait_for("error in node 'mic': the JACK server went away", HANG_SECONDS)
        run.signal_group(signal.SIGINT)
        try:
            exited = run.wait(HANG_SECONDS)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"still running {HANG_SECONDS} s after Ctrl+C (killed):\n{run.output()}") from None
    finally:
        if run.process.poll() is None:
            run.kill()
    stderr = "".join(run.stderr)
    assert exited == 130 and "pa_jack.c" not in stderr and "Assertion" not in stderr, (exited, stderr)
    assert "stopped after" in stderr and "quit at once:" not in stderr, stderr
