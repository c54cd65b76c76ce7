"""Errors that name the fix (a busy port, a missing device) and ``exsampling devices``."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
from pathlib import Path

import pytest

from exsampling_patch.node import NodeContext
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine

from .helpers import EXE, REPO, Run


def test_busy_ports_name_the_node_the_port_and_the_parameter(tmp_path: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as tcp, \
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        tcp.bind(("127.0.0.1", 0))
        tcp.listen()
        udp.bind(("127.0.0.1", 0))
        tcp_port, udp_port = tcp.getsockname()[1], udp.getsockname()[1]
        patch = Patch()
        patch.add_node(NodeSpec("phones", "web_recorder", {
            "host": "127.0.0.1", "port": tcp_port, "print_qr": False, "folder": str(tmp_path / "takes"),
            "state_folder": str(tmp_path / "state")}))
        patch.add_node(NodeSpec("remote", "osc_receive", {"host": "127.0.0.1", "port": udp_port}))
        engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
        engine.start(patch)
        try:
            errors = dict(engine.errors)
        finally:
            engine.stop()
    phones, remote = errors["phones"], errors["remote"]
    assert f"TCP port {tcp_port} is already in use" in phones, phones
    assert "node 'phones' (web_recorder)" in phones and "parameter 'port'" in phones, phones
    assert f"UDP port {udp_port} is already in use" in remote, remote
    assert "node 'remote' (osc_receive)" in remote and "parameter 'port'" in remote, remote


@pytest.mark.jack
def test_a_missing_input_device_lists_the_devices_present(tmp_path: Path) -> None:
    from exsampling_patch.nodes.microphone import Microphone

    mic = Microphone("mic", {"device": "no such card", "folder": str(tmp_path / "takes")}, NodeContext(tmp_path))
    with pytest.raises(RuntimeError) as raised:
        mic.start()
    text = str(raised.value)
    assert "'no such card'" in text and "input devices present: 0 'system' (JACK Audio Connection Kit" in text, text
    assert "'device' parameter" in text


@pytest.mark.jack
@pytest.mark.slow
def test_a_missing_output_device_lists_the_devices_present_on_the_console(tmp_path: Path) -> None:
    patch = tmp_path / "sampler.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: sampler\n  type: sampler\n  params: {device: no such card}\n",
                     encoding="utf-8")
    run = Run(str(patch), "--for", "1", "--log", str(tmp_path / "lib.log"))
    run.wait(60)
    output = run.output()
    assert re.search(r"error in node 'sampler': cannot open sound device 'no such card' for output: .*"
                     r"output devices present: 0 'system' \(JACK Audio Connection Kit, 2 in, 2 out, \d+ Hz\)",
                     output), output


@pytest.mark.jack
def test_devices_lists_the_jack_server_its_device_and_midi_ports() -> None:
    from exsampling_patch.midi_ports import backend

    midi = backend("UNIX_JACK")
    port = midi.open_output("exs devices test", virtual=True, client_name="exs-devices-test")
    try:
        listed = subprocess.run([*EXE, "devices", "--json", "--midi-api", "UNIX_JACK"], capture_output=True,
                                text=True, cwd=REPO, timeout=60)
        text = subprocess.run([*EXE, "devices"], capture_output=True, text=True, cwd=REPO, timeout=60)
    finally:
        port.close()
    assert listed.returncode == 0, listed.stderr
    found = json.loads(listed.stdout)
    assert found["jack"]["running"] and "system:playback_1" in found["jack"]["ports"]
    jack_devices = [row for row in found["audio"] if row["host_api"] == "JACK Audio Connection Kit"]
    assert jack_devices and jack_devices[0]["outputs"] >= 2 and jack_devices[0]["default_samplerate"] > 0
    assert any("exs devices test" in name for name in found["midi"]["inputs"]), found["midi"]
    assert text.returncode == 0, text.stderr
    assert "is running" in text.stdout and "(JACK Audio Connection Kit, 2 in, 2 out" in text.stdout, text.stdout


def test_devices_with_no_jack_server_says_so_without_libjack_s_lines() -> None:
    """With no server to list JACK MIDI ports from, a newcomer saw libjack's own lines ("Cannot connect to server
    socket err = ...", "JackShmReadWritePtr::~JackShmReadWritePtr - Init not done") and "cannot list them:
    SystemError: MidiInJack::initialize: JACK server not running?"."""
    env = {**os.environ, "JACK_DEFAULT_SERVER": f"exs-no-server-{os.getpid()}"}
    done = subprocess.run([*EXE, "devices", "--midi-api", "UNIX_JACK"], capture_output=True, text=True, cwd=REPO,
                          timeout=60, env=env)
    assert done.returncode == 0, done.stderr
    assert "Cannot connect to server" not in done.stderr and "JackShm" not in done.stderr, done.stderr
    assert "is not running" in done.stdout, done.stdout
    assert ("cannot list them: no JACK server runs, and the MIDI ports listed are JACK's: start one, then list "
            "them again") in done.stdout, done.stdout
    assert "SystemError" not in done.stdout


def test_a_missing_device_with_none_present_says_what_to_do_instead(monkeypatch: pytest.MonkeyPatch) -> None:
    # It said "set the node's 'device' parameter to one of them" right after "no output devices are present".
    from exsampling_patch.devices import missing_device_text

    monkeypatch.delenv("JACK_DEFAULT_SERVER", raising=False)  # the default server: any JACK server started does
    error = OSError("Error querying device -1")  # PortAudio's words for no default device
    text = missing_device_text("", "output", error, rows=[])
    assert text.startswith("cannot open sound device '(default)' for output: no audio output device was found (no "
                           "sound card, and no JACK server): "), text
    assert "Error querying" not in text and "one of them" not in text, text
    assert "start a JACK server" in text and "sound card" in text, text
    assert "; `.venv/bin/exsampling devices` lists the devices found" in text, text  # as typed, README's way
    assert text.endswith("or, to run without sound (a patch that only feeds Live), set the node's 'device' parameter "
                         "to none"), text
    # The microphone's input process finds a JACK server started later only in a new run: it says so.
    assert "then run the patch again" in text and "no need to run" not in text, text
    later = missing_device_text("", "output", error, rows=[], jack_later=True)
    assert "no need to run" in later and "; `.venv/bin/exsampling devices` lists the devices found" in later, later
    # an input-only card is no output device; with one output present, the parameter to set is named
    card = {"index": 0, "name": "USB mic", "host_api": "ALSA", "inputs": 1, "outputs": 0, "default_samplerate": 48000,
            "default_input": True, "default_output": False}
    assert "no audio output device was found" in missing_device_text("", "output", error, rows=[card])
    text = missing_device_text("", "input", error, rows=[card])
    assert text.startswith("cannot open sound device '(default)' for input: there is no default input device; input "
                           "devices present: 0 'USB mic' (ALSA, 1 in, 0 out, 48000 Hz); set the node's 'device' "
                           "parameter to one of them"), text
    assert "device' parameter to none" not in text, text  # a microphone has no such setting


def test_a_sampler_with_no_sound_device_says_so_in_words_not_portaudio_s(tmp_path: Path) -> None:
    """A sampler on the default device with no sound card and no JACK server (CI; a laptop without JACK) said
    "cannot open sound device '(default)' for output: Error querying device -1; no output devices are present":
    PortAudio's words for no default device. It says none was found, and what to do. Whatever cards this machine
    has, PortAudio's words are not said."""
    patch = tmp_path / "sampler.yaml"
    patch.write_text("exsampling_patch: 1\nnodes:\n- id: sampler\n  type: sampler\n", encoding="utf-8")
    run = Run(str(patch), "--for", "1", "--log", str(tmp_path / "lib.log"), "--show-log", "none",
              env={"JACK_DEFAULT_SERVER": f"exs-absent-{os.getpid()}", "JACK_NO_START_SERVER": "1"})
    run.wait(60)
    output = run.output()
    (line,) = [line for line in run.stderr if "error in node 'sampler': cannot open sound device" in line]
    assert "Error querying device" not in output, output
    assert ("no audio output device was found" in line or "there is no default output device" in line
            or "output devices present" in line), line


def test_a_jack_server_named_by_the_environment_and_not_running_is_named(tmp_path: Path) -> None:
    """JACK_DEFAULT_SERVER left naming a server that no longer runs (an old shell's, a .bashrc's) while another runs:
    the microphone said "start a JACK server" and the MIDI port "no JACK server answers", and the performer, with
    a server running before their eyes, could not tell what was missing."""
    server = f"not-running-{os.getpid()}"
    patch = tmp_path / "patch.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- id: mic
  type: microphone
  params: {folder: takes}
- id: keys
  type: midi_in
  params: {api: UNIX_JACK}
- id: writer
  type: take_writer
  params: {folder: library}
links:
- mic.take -> writer.take
""", encoding="utf-8")
    run = Run(str(patch), "--for", "1", "--log", str(tmp_path / "lib.log"), "--show-log", "none",
              env={"JACK_DEFAULT_SERVER": server, "JACK_NO_START_SERVER": "1"})
    assert run.wait(60) == 3, run.output()
    err = "".join(run.stderr)
    assert ("no audio input device was found (no sound card, and no JACK server): JACK_DEFAULT_SERVER names the "
            f"JACK server '{server}' (unset it for the default one): start that one, or plug in") in err, err
    assert "start a JACK server" not in err, err
    assert f"MIDI input: no JACK server answers as '{server}' (the server JACK_DEFAULT_SERVER names)" in err, err


def test_an_absent_midi_controller_is_said_to_open_once_plugged_in(tmp_path: Path) -> None:
    """"no MIDI input port named 'Launchkey'" said nothing of what came next: the performer who plugged the controller
    in stopped the show to start it again, where the port is looked for at every poll and opens by itself."""
    import rtmidi

    patch = tmp_path / "keys.yaml"
    patch.write_text("""exsampling_patch: 1
nodes:
- id: keys
  type: midi_in
  params: {virtual_port: '', port: 'exs-test-keys', api: UNIX_JACK}
- id: log
  type: log
links:
- keys.midi -> log.message
""", encoding="utf-8")
    run = Run(str(patch), "--log", str(tmp_path / "lib.log"), "--show-log", "none")
    controller = None
    try:
        run.wait_for("error in node 'keys': no MIDI input port named 'exs-test-keys' (ports: ", timeout=60)
        controller = rtmidi.MidiOut(rtmidi.API_UNIX_JACK, name=f"exs-test-keys-{os.getpid()}")
        controller.open_virtual_port("out")
        run.wait_for("keys is back: midi_in 'keys': MIDI port exs-test-keys", timeout=60)
    finally:
        run.signal_group()
        run.wait(60)
        if controller is not None:
            controller.close_port()
            del controller
    (error,) = [line for line in run.stderr if "no MIDI input port named" in line]
    assert error.rstrip().endswith("): it opens as soon as one appears, no need to run the patch again"), error
