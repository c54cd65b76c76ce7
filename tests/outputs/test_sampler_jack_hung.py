"""A JACK server that hangs (here stopped with SIGSTOP, on a server of the test's own: :mod:`tests.jack_server`) holds
the sampler's audio process in PortAudio's first call, with no error: the show ran silent and the console said
nothing about the sampler, for as long as it ran (25 s tried). It now says so, and that the sampler is back once the
server answers."""

from __future__ import annotations

import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from tests.stage.helpers import Run

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


def test_a_jack_server_that_hangs_is_told_and_the_sampler_is_back_once_it_answers(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    patch = tmp_path / "sampler.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: sampler\n  type: sampler\n  params: {virtual_port: ''}\n",
                     encoding="utf-8")
    private_jack.send_signal(signal.SIGSTOP)
    run = Run(str(patch), "--for", "60", "--log", str(tmp_path / "lib.log"), "--show-log", "none")
    try:
        run.wait_for("running", timeout=30)
        run.wait_for("error in node 'sampler'", timeout=30)
        private_jack.send_signal(signal.SIGCONT)
        run.wait_for("sampler is back", timeout=30)
    finally:
        private_jack.send_signal(signal.SIGCONT)
        if run.process.poll() is None:
            run.signal_group()
        run.wait(30)
    errors = [line for line in run.stderr if "error in node 'sampler'" in line]
    assert len(errors) == 1, run.output()
    assert errors[0].rstrip().endswith(
        "error in node 'sampler': the sound device has not opened in 5 s: its sound system does not answer (a JACK "
        "server that hangs?); the sampler is silent until it opens"), run.output()
    assert any("sampler is back: sampler 'sampler': sound device" in line for line in run.stderr), run.output()
