"""A sampler playing through ALSA beside a JACK server: it reports no JACK client.

PortAudio has a JACK client wherever a JACK server ran as it started, whatever host a stream takes. Before, the
sampler reported that client for any stream: the console's 'sound device ... (JACK server ..., client PortAudio)'
named a client the stream had no port on, and whoever connected the sampler's ports looked for them there.

The device: an ALSA null playback device (it takes the sound and drops it) from an .asoundrc under a HOME of the
test's own, read by the PortAudio of a process started after it is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from tests.sampler_start import opened_or_told

pytestmark = pytest.mark.jack  # the JACK server whose client PortAudio makes, beside the ALSA stream

ALSA_NULL = 'pcm.exs_null_out {\n    type null\n    hint { show on description "exs null playback" }\n}\n'
DEVICE = "exs_null_out"


@pytest.fixture
def alsa_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / ".asoundrc").write_text(ALSA_NULL, encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))  # read by the ALSA of the processes started from here on
    return home


def test_the_audio_process_through_alsa_reports_no_jack_client(alsa_home: Path) -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"virtual_port": "", "device": DEVICE, "blocksize": 256}, context)
    sampler.start()
    try:
        assert opened_or_told(sampler.audio, lambda: context.errors), context.errors
        assert sampler.core is None, "the stream is the audio process's"
        assert sampler.audio.jack_client is None, "a stream through ALSA has no JACK client's ports"
        (index,) = [status["device"] for status in context.statuses if "device" in status]
    finally:
        sampler.stop()
    assert not context.errors, context.errors
    assert device_name(int(index)) == DEVICE, "the stream was the ALSA device's"


def device_name(index: int) -> str:
    """The name of PortAudio's device ``index`` in a process started as the audio process was (same HOME)."""
    script = f"import sounddevice as sd; print(sd.query_devices({index})['name'])"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip().splitlines()[-1]


IN_PROCESS = """
from exsampling_patch.devices import jack_client_name
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.sampler import Sampler

context = NodeContext()
sampler = Sampler("smp", {"virtual_port": "", "device": %r, "audio_process": False}, context)
sampler.start()
try:
    assert sampler.audio.opened.wait(15), context.errors
    import sounddevice as sd

    name = sd.query_devices(sampler.audio.rig.output.stream.device)["name"]
    print(repr(jack_client_name()), repr(name), repr(sampler.audio.jack_client), repr(context.errors))
finally:
    sampler.stop()
"""


def test_the_stream_in_the_nodes_process_through_alsa_reports_no_jack_client(alsa_home: Path) -> None:
    """In a process of its own, whose PortAudio starts after HOME is set (this one's may have started before)."""
    done = subprocess.run([sys.executable, "-c", IN_PROCESS % DEVICE], capture_output=True, text=True, timeout=60,
                          env=os.environ.copy(), cwd=Path(__file__).parents[2])
    assert done.returncode == 0, done.stderr[-2000:]
    pa_client, device, reported, errors = done.stdout.strip().splitlines()[-1].split(" ", 3)
    assert pa_client not in ("None", ""), "PortAudio has a JACK client here: the JACK server ran as it started"
    assert device == repr(DEVICE), device
    assert reported == "None", reported
    assert errors == "[]", errors
