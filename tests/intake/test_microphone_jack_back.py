"""A JACK server restarted under the microphone, on a server of the test's own (:mod:`tests.jack_server`): the
microphone records again once the server is back, by itself, and says so.

Before: its stream was PortAudio's in the patch's own process; PortAudio looks for audio hosts once, so its dead
JACK host was all it had of JACK: it reported "JACK gone" and recorded nothing until the patch was started again.

An input process that dies (killed) is started again too, after a short wait, and records.

What it hears: ``jack_simple_client``, a sine at -14 dBFS, connected to its input port; with ``max_length`` short,
a steady tone is a take every 0.3 s.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import microphone_input
from exsampling_patch.nodes.microphone import Microphone
from tests.jack_server import start_server, stop_server
from tests.jack_tools import jack_command
from tests.stage.helpers import Run
from tests.waiting import wait_for

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None or shutil.which("jack_simple_client") is None,
                                reason="needs jackd (the JACK dummy driver) and jack_simple_client")

PARAMS = {"sample_rate": 48000, "threshold_db": -30.0, "pre_roll": 0.0, "hang": 0.05, "min_length": 0.05,
          "max_length": 0.3, "buffer_seconds": 5.0}


class Tone:
    """``jack_simple_client`` on the test's server, its output connected to ``client``'s first input port."""

    def __init__(self, client: str) -> None:
        self.name = f"exs-tone-{os.getpid()}"  # jack2 names a client's socket by the client alone: one of our own
        env = {**os.environ, "JACK_NO_START_SERVER": "1"}
        self.process = subprocess.Popen(["jack_simple_client", self.name], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL)
        try:
            assert wait_for(lambda: f"{self.name}:output1" in jack_command("jack_lsp").stdout), "no tone client"
            listed = jack_command("jack_lsp").stdout.split("\n")
            target = next(port for port in listed if port.startswith(f"{client}:in_"))
            jack_command("jack_connect", f"{self.name}:output1", target).check_returncode()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def quick_retry(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dead input process started again after 0.25 s, not 2 s (its longest wait cut as much): what these tests
    judge is that it is started again and records, not the wait before it, which was most of their time."""
    monkeypatch.setattr(microphone_input, "RETRY_SECONDS", microphone_input.RETRY_SECONDS / 8)
    monkeypatch.setattr(microphone_input, "RETRY_LONGEST_SECONDS", microphone_input.RETRY_LONGEST_SECONDS / 8)


def take_ids(context: NodeContext) -> list[str]:
    return [take.take_id for port, take in list(context.emitted) if port == "take"]


def hold_up_input(mic: Microphone, context: NodeContext) -> None:
    """``mic``'s input process held up for 0.3 s, as the scheduler of a busy machine may; back once the input it
    dropped meanwhile is told."""
    process = mic.audio.child.process
    assert process is not None
    process.send_signal(signal.SIGSTOP)
    time.sleep(0.3)
    process.send_signal(signal.SIGCONT)
    assert wait_for(lambda: any("input_overflows" in status for status in context.statuses)), context.statuses


def test_the_microphone_records_again_once_its_jack_server_is_back(
        private_jack: subprocess.Popen[bytes], tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {**PARAMS, "folder": str(tmp_path / "takes")}, context)
    mic.start()
    tone = again = None
    try:
        first_client = mic.jack_client
        assert first_client, "the microphone's stream has no JACK client"
        tone = Tone(first_client)
        assert wait_for(lambda: len(take_ids(context)) >= 2), context.errors
        tone.stop()
        tone = None
        private_jack.terminate()
        private_jack.wait(10)
        assert wait_for(lambda: context.errors), "the server's end went unreported"
        assert "the JACK server went away" in str(context.errors[0]), context.errors
        opened_before = sum("device" in status for status in context.statuses)
        cut_before = len(take_ids(context))

        again = start_server(os.environ["JACK_DEFAULT_SERVER"])
        assert wait_for(lambda: sum("device" in status for status in context.statuses) > opened_before, 30), \
            context.errors
        reopened = [status for status in context.statuses if "device" in status][-1]
        assert reopened["sample_rate"] == 48000 and reopened["label"] == "listening at 48000 Hz", reopened
        client = mic.jack_client
        assert client, "the new input process has no JACK client"
        tone = Tone(client)  # through the new process's input port: recorded again
        assert wait_for(lambda: len(take_ids(context)) >= cut_before + 2), context.errors
    finally:
        if tone is not None:
            tone.stop()
        mic.stop()
        if again is not None:
            stop_server(again)
    takes = [take for port, take in context.emitted if port == "take"]
    assert all(take.path is not None and take.path.exists() and take.duration >= 0.05 for take in takes), takes
    assert len(context.errors) == 1, context.errors  # the server's end, told once; nothing restarted in error
    stderr = capfd.readouterr().err  # the input processes write to this process's descriptor 2
    assert "pa_jack.c" not in stderr and "Assertion" not in stderr, stderr


def test_a_run_says_its_microphone_is_back_once_its_jack_server_is_back(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    patch = tmp_path / "mic.yaml"
    patch.write_text("exsampling_patch: 1\nname: mic\nnodes:\n- id: mic\n  type: microphone\n"
                     f"  params: {{folder: takes, max_length: {PARAMS['max_length']}, threshold_db: -30}}\n"
                     "links: []\n", encoding="utf-8")
    server = os.environ["JACK_DEFAULT_SERVER"]
    run = Run(str(patch), "--log", "-")
    again = tone = None
    try:
        run.wait_for(f"microphone 'mic': sound device system (JACK server '{server}'", 30)
        private_jack.terminate()
        private_jack.wait(10)
        run.wait_for("error in node 'mic': the JACK server went away")
        again = start_server(server)
        run.wait_for("mic is back: microphone 'mic': sound device system", 30)
        client = next(line for line in run.output().splitlines() if "mic is back:" in line).split("client ")[1]
        tone = Tone(client.split(")")[0])
        run.wait_for("take mic-")  # a take line: recorded after the restart, ended in the patch
        run.signal_group(signal.SIGINT)
        exited = run.wait(30)
    finally:
        if tone is not None:
            tone.stop()
        if run.process.poll() is None:
            run.kill()
        if again is not None:
            stop_server(again)
    stderr = "".join(run.stderr)
    assert exited == 130 and "pa_jack.c" not in stderr and "starting it again" not in stderr, (exited, stderr)


def test_a_killed_input_process_is_started_again_and_records(
        private_jack: subprocess.Popen[bytes], tmp_path: Path, quick_retry: None) -> None:
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {**PARAMS, "folder": str(tmp_path / "takes")}, context)
    mic.start()
    tone = None
    try:
        process = mic.audio.child.process
        assert process is not None
        process.kill()
        assert wait_for(lambda: context.errors), "the process's end went unreported"
        assert wait_for(lambda: mic.audio.opened.is_set() and mic.audio.child.process is not process, 15), \
            context.errors
        client = mic.jack_client
        assert client, "the new input process has no JACK client"
        tone = Tone(client)
        assert wait_for(lambda: len(take_ids(context)) >= 2), context.errors
    finally:
        if tone is not None:
            tone.stop()
        mic.stop()
    assert [str(error) for error in context.errors] == [
        f"the input process ended (exit status {-signal.SIGKILL}); starting it again"], context.errors
    assert sum("device" in status for status in context.statuses) == 2, context.statuses  # opened, then again


def test_a_take_the_servers_end_cut_short_is_passed_on_at_once(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    """Before: the take being recorded when the server went away waited for audio to come again; it was passed on
    only once the server was back, joined to what came then (or never, if the patch stopped first)."""
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {**PARAMS, "max_length": 10.0, "folder": str(tmp_path / "takes")}, context)
    mic.start()
    tone = None
    try:
        client = mic.jack_client
        assert client, "the microphone's stream has no JACK client"
        tone = Tone(client)
        assert wait_for(lambda: any("level" in s and s["level"] > 0.1 for s in context.statuses)), context.errors
        # a take of half a second at least is being recorded (the tone never stops): counted in the ring's frames,
        # not slept (a busy machine's input may lag the clock)
        counted = mic._ring.written
        assert wait_for(lambda: mic._ring.written >= counted + mic.sample_rate // 2, 15), (mic._ring.written, counted)
        assert take_ids(context) == []
        private_jack.terminate()
        private_jack.wait(10)
        assert wait_for(lambda: context.errors), "the server's end went unreported"
        assert wait_for(lambda: take_ids(context)), "the take cut short was not passed on"
    finally:
        if tone is not None:
            tone.stop()
        mic.stop()
    (take,) = [take for port, take in context.emitted if port == "take"]
    assert take.duration >= 0.5 and take.path is not None and take.path.exists(), take
    assert [str(error) for error in context.errors] == [
        "the JACK server went away (stopped or restarted): nothing is recorded until it is back"], context.errors


def test_a_microphone_stopped_just_after_its_jack_server_went_away_stops_its_process(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    """Before: stopped in the 0.25 s before its input process had seen the server's end (a patch stopped, or rebuilt
    live, along with its server), the process stopped its stream, which PortAudio's JACK host waits on for 10
    minutes: the node's stop waited 8 s and then killed it."""
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {**PARAMS, "folder": str(tmp_path / "takes")}, context)
    mic.start()
    process = mic.audio.child.process
    try:
        private_jack.terminate()
        private_jack.wait(10)
    finally:
        mic.stop()
    assert process is not None and process.returncode == 0, process.returncode  # ended by itself, not killed


# An ALSA capture device of the test's own (silence), for a microphone through another host than JACK.
ALSA_SILENCE = 'pcm.exs_silence {\n    type null\n    hint { show on description "exs silence" }\n}\n'


def test_a_microphone_through_alsa_starts_again_while_its_jack_server_is_down(
        private_jack: subprocess.Popen[bytes], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, quick_retry: None
) -> None:
    """Before: where a JACK server ran, the input process told PortAudio's JACK client whatever host its stream
    took, and the node started every later process for JACK only: one started again while the server was down (a
    card through ALSA, the sampler's JACK server being restarted) waited for that server and recorded nothing."""
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(ALSA_SILENCE, encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))  # read by the input processes' ALSA
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {**PARAMS, "device": "exs_silence", "folder": str(tmp_path / "takes")}, context)
    mic.start()
    try:
        assert mic.jack_client is None, "a stream through ALSA has no JACK client to connect"
        private_jack.terminate()
        private_jack.wait(10)
        process = mic.audio.child.process
        assert process is not None
        process.kill()
        assert wait_for(lambda: sum("device" in status for status in context.statuses) == 2, 15), context.errors
    finally:
        mic.stop()
    opened = [status["device"] for status in context.statuses if "device" in status]
    assert opened == ["exs_silence", "exs_silence"] and mic.jack_client is None, opened
    assert [str(error) for error in context.errors] == [
        f"the input process ended (exit status {-signal.SIGKILL}); starting it again"], context.errors


def test_input_the_stream_dropped_while_its_process_was_held_up_is_told(
        private_jack: subprocess.Popen[bytes], tmp_path: Path) -> None:
    """Before: PortAudio's word that input was dropped (its input overflow: the process held up, on a busy machine)
    went unread in the callback, and the takes had a gap that nothing told."""
    context = NodeContext(tmp_path)
    mic = Microphone("mic", {**PARAMS, "folder": str(tmp_path / "takes")}, context)
    mic.start()
    try:
        hold_up_input(mic, context)
    finally:
        mic.stop()
    told = next(status for status in context.statuses if "input_overflows" in status)
    assert told["input_overflows"] >= 1 and re.fullmatch(
        r"the input stream dropped audio \d+ times? so far: its process was held up \(a busy machine\)",
        told["warning"]), told
