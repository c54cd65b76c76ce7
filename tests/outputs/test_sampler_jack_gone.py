"""A JACK server that goes away (stopped, or restarted) under the sampler's audio process, on a server of the test's
own (:mod:`tests.jack_server`).

PortAudio's JACK host cannot stop a stream once JACK's thread is gone (it waits 10 minutes for it), and its
``Pa_Terminate`` at the process's exit asserts that JACK deactivated its client: the audio process died of SIGABRT
at the end of the show, printing ``pa_jack.c:820: Terminate: Assertion `err == 0' failed``. A server started again
under the same name is found by a new audio process only (PortAudio looks for audio hosts once): the sampler was
silent until the patch was started again."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

import pytest

from exsampling_patch.messages import SlotAssignment
from exsampling_patch.node import NodeContext
from tests.jack_server import start_server, stop_server
from tests.jack_tools import jack_command
from tests.outputs.helpers import sine_take
from tests.sampler_start import opened_or_told
from tests.stage.helpers import Run
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")


def test_the_audio_process_exits_cleanly_after_its_jack_server_went_away(
        private_jack: subprocess.Popen[bytes], capfd: pytest.CaptureFixture[str]) -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp-gone", {"virtual_port": ""}, context)
    sampler.start()
    try:
        assert opened_or_told(sampler.audio, lambda: context.errors), context.errors
        private_jack.terminate()
        private_jack.wait(10)
        assert wait_for(lambda: context.errors), "the server's end went unreported"
    finally:
        sampler.stop()
    process = sampler.audio.process
    assert process is not None
    stderr = capfd.readouterr().err  # the audio process writes to this process's descriptor 2
    assert process.returncode == 0 and "pa_jack.c" not in stderr, (process.returncode, stderr)
    assert "the JACK server went away" in str(context.errors[0]), context.errors


def jack_ports() -> list[str]:
    return jack_command("jack_lsp").stdout.split("\n")


def test_the_sampler_plays_its_slots_again_once_its_jack_server_is_back(
        private_jack: subprocess.Popen[bytes], capfd: pytest.CaptureFixture[str]) -> None:
    from exsampling_patch.nodes.sampler import Sampler
    from exsampling_patch.nodes.sampler.host import JACK_BACK

    midi = f"exs-back-{os.getpid()}"
    context = NodeContext()
    sampler = Sampler("smp-back", {"virtual_port": midi, "midi_api": "UNIX_JACK"}, context)
    sampler.start()
    again = None
    try:
        assert opened_or_told(sampler.audio, lambda: context.errors) and sampler.audio.wait_midi(0, 15), \
            context.errors
        take = sine_take(440.0, seconds=0.5)
        sampler.on_assign(SlotAssignment("HH", take))
        assert wait_for(lambda: sampler.sounding("HH") == take.take_id), context.errors
        first = sampler.audio.process
        private_jack.terminate()
        private_jack.wait(10)
        assert wait_for(lambda: context.errors), "the server's end went unreported"
        again = start_server(os.environ["JACK_DEFAULT_SERVER"])
        assert wait_for(lambda: sampler.audio.process is not first and sampler.audio.opened.is_set()
                        and sampler.audio.wait_midi(0, 0), 30), context.errors
        client = sampler.audio.jack_client
        assert client, "the new audio process has no JACK client"
        ports = jack_ports()  # the stream's, and the MIDI input's (a JACK client of rtmidi's)
        assert f"{client}:out_0" in ports and any(port.endswith(f":{midi}") for port in ports), ports
        assert wait_for(lambda: sampler.sounding("HH") == take.take_id), "slot HH was not loaded again"
        assert {"audio": JACK_BACK}.items() <= next((s for s in context.statuses if "audio" in s and "device" in s),
                                                    {}).items(), context.statuses
    finally:
        sampler.stop()
        if again is not None:
            stop_server(again)
    stderr = capfd.readouterr().err
    assert "the JACK server went away" in str(context.errors[0]), context.errors
    assert len(context.errors) == 1 and "pa_jack.c" not in stderr, (context.errors, stderr)


def test_a_run_stopped_after_its_jack_server_went_away_exits_as_designed(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    patch = tmp_path / "gone.yaml"
    patch.write_text("exsampling_patch: 1\nname: gone\nnodes:\n- id: sampler\n  type: sampler\n"
                     "  params: {virtual_port: ''}\nlinks: []\n", encoding="utf-8")
    run = Run(str(patch), "--log", "-")  # libraries' own messages (PortAudio's among them) on its stderr
    try:
        run.wait_for("running gone")
        run.wait_for(f"(JACK server '{os.environ['JACK_DEFAULT_SERVER']}'")  # the sampler's stream is open
        private_jack.terminate()
        private_jack.wait(10)
        run.wait_for("error in node 'sampler'")
        run.signal_group(signal.SIGINT)
        exited = run.wait(30)
    finally:
        if run.process.poll() is None:
            run.kill()
    stderr = "".join(run.stderr)
    assert exited == 130 and "pa_jack.c" not in stderr and "Assertion" not in stderr, (exited, stderr)
    assert "the JACK server went away" in stderr, stderr


def test_a_run_says_its_sampler_is_back_once_its_jack_server_is_back(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    patch = tmp_path / "back.yaml"
    patch.write_text("exsampling_patch: 1\nname: back\nnodes:\n- id: sampler\n  type: sampler\n"
                     "  params: {virtual_port: ''}\nlinks: []\n", encoding="utf-8")
    server = os.environ["JACK_DEFAULT_SERVER"]
    run = Run(str(patch), "--log", "-")
    again = None
    try:
        run.wait_for(f"(JACK server '{server}'")  # the sampler's stream is open
        private_jack.terminate()
        private_jack.wait(10)
        run.wait_for("error in node 'sampler': the JACK server went away")
        again = start_server(server)
        run.wait_for("sampler is back: sampler 'sampler': sound device", 30)
        run.signal_group(signal.SIGINT)
        exited = run.wait(30)
    finally:
        if run.process.poll() is None:
            run.kill()
        if again is not None:
            stop_server(again)
    stderr = "".join(run.stderr)
    back = next(line for line in stderr.splitlines() if "sampler is back:" in line)
    assert f"(JACK server '{server}', client " in back, stderr
    assert exited == 130 and "pa_jack.c" not in stderr and "restarting it" not in stderr, (exited, stderr)
