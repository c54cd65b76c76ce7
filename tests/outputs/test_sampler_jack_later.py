"""A patch started before its JACK server (the performer starts JACK after the show): the sampler's audio process
found no JACK host and never would (PortAudio looks for hosts once), so the sampler stayed silent until the patch
was started again, while its MIDI port came back through JACK and the console said "sampler is back". The server is
one of the test's own (:mod:`tests.jack_server`), started once the run has told the device missing."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.jack_server import claim_name, release_name, start_server, stop_server
from tests.stage.helpers import Run

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


@pytest.fixture
def jack_name(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A server name of the pool, claimed, no server of it running yet: the run's default server."""
    name = claim_name()
    monkeypatch.setenv("JACK_DEFAULT_SERVER", name)
    monkeypatch.setenv("JACK_NO_AUDIO_RESERVATION", "1")
    try:
        yield name
    finally:
        release_name(name)


def test_a_jack_server_started_after_the_patch_is_played_through(jack_name: str, tmp_path: Path) -> None:
    patch = tmp_path / "sampler.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: sampler\n  type: sampler\n  params: {virtual_port: ''}\n",
                     encoding="utf-8")
    run = Run(str(patch), "--for", "60", "--log", str(tmp_path / "lib.log"), "--show-log", "none")
    jackd = None
    try:
        run.wait_for("error in node 'sampler': cannot open sound device", timeout=30)
        jackd = start_server(jack_name)
        run.wait_for("sampler 'sampler': sound device", timeout=30)
    finally:
        if run.process.poll() is None:
            run.signal_group()
        run.wait(30)
        if jackd is not None:
            stop_server(jackd)
    # The error told the performer to start JACK, not to run the patch again for it: starting JACK was enough.
    (missing,) = [line for line in run.stderr if "error in node 'sampler': cannot open sound device" in line]
    assert f"JACK_DEFAULT_SERVER names the JACK server '{jack_name}' (unset it for the default one): start that one " \
        "(the node plays through it as soon as it answers, no need to run the patch again)" in missing, missing
    opened = [line for line in run.stderr if "sampler 'sampler': sound device" in line]
    assert len(opened) == 1, run.output()
    assert f"(JACK server '{jack_name}', client " in opened[0], run.output()
