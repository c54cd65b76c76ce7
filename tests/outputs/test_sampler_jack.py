"""The sampler for real under the JACK dummy server: MIDI over a JACK MIDI port in, audio looped back and recorded.

The sampler's output port is jack_connect-ed to a recording input of this process's PortAudio client;
a separate rtmidi JACK client plays notes into the sampler's virtual MIDI port.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from exsampling_patch.messages import SlotAssignment, Take
from exsampling_patch.node import NodeContext
from tests.jack_tools import jack_command
from tests.sampler_start import opened_or_told

from .helpers import dominant_hz, sine_take

pytestmark = pytest.mark.jack
RATE = 48000


class Recorder:
    """A PortAudio input stream writing into one preallocated buffer; ``grab(seconds)`` returns the next stretch."""

    def __init__(self, seconds: float = 30.0, blocksize: int = 256) -> None:
        import sounddevice as sd

        self.buffer = np.zeros(int(seconds * RATE), np.float32)
        self.written = 0
        self.overflows = 0
        self.stall_seconds = 0.0  # set it, and the next callback sleeps that long: this JACK client runs late
        self.stream = sd.InputStream(samplerate=RATE, channels=1, blocksize=blocksize, dtype="float32",
                                     callback=self._callback)
        self.stream.start()

    def _callback(self, indata: Any, frames: int, time_info: Any, status: Any) -> None:
        if status.input_overflow:
            self.overflows += 1
        if self.stall_seconds:
            stall, self.stall_seconds = self.stall_seconds, 0.0
            time.sleep(stall)
        n = min(frames, self.buffer.size - self.written)
        self.buffer[self.written : self.written + n] = indata[:n, 0]
        self.written += n

    def mark(self) -> int:
        return self.written

    def since(self, start: int) -> np.ndarray:
        return self.buffer[start : self.written].copy()

    def close(self) -> None:
        self.stream.close()


def client_ports(client: str) -> set[str]:
    listing = jack_command("jack_lsp").stdout.split("\n")
    return {p for p in listing if p.startswith(client + ":")}


def jack_connect(source: str, target: str) -> None:
    """Connect two JACK ports (fine if they already are)."""
    done = jack_command("jack_connect", source, target)
    listing = jack_command("jack_lsp", "-c", source).stdout
    assert f"   {target}" in listing, f"jack_connect {source} {target}: {done.stderr.strip()}"


@pytest.fixture(scope="module", params=[True, False], ids=["audio-process", "in-process"])
def rig(request: Any) -> Iterator[tuple[Any, Recorder, Any, NodeContext]]:
    """One sampler, recorded, with a MIDI keyboard on its port, for all the tests of each kind (starting one, its
    audio process and the JACK connections, takes 1-4 s): each test assigns the takes it plays and plays them."""
    from exsampling_patch.devices import jack_client_name
    from exsampling_patch.midi_ports import backend, jack_link
    from exsampling_patch.nodes.sampler import Sampler

    port_name = f"exs-sampler-test-{os.getpid()}"
    context = NodeContext()
    ours = jack_client_name()  # this process's PortAudio client: the recorder's, and in-process the sampler's too
    assert ours, "PortAudio has no JACK client"
    before = client_ports(ours)  # PortAudio numbers each new stream's ports on: out_0, out_1, then out_2 ...
    sampler = Sampler("smp", {"virtual_port": port_name, "release_ms": 5.0,  # blocksize: JACK's period
                              "midi_api": "UNIX_JACK", "audio_process": request.param}, context)
    sampler.start()
    recorder = None
    sender = None
    try:
        assert opened_or_told(sampler.audio, lambda: context.errors), context.errors
        assert sampler.audio.wait_midi(0, 10), context.errors
        theirs = sampler.audio.jack_client
        assert theirs and (theirs != ours) == request.param, (theirs, ours)
        outputs = {p for p in client_ports(theirs) - before if ":out_" in p}
        marked = client_ports(ours)
        recorder = Recorder(seconds=120.0)  # the tests of the module, one after the other
        inputs = client_ports(ours) - marked
        by_number = lambda port: int(port.rsplit("_", 1)[1])  # noqa: E731
        jack_connect(min(outputs, key=by_number), min(inputs, key=by_number))
        midi = backend("UNIX_JACK")
        target = next(n for n in midi.get_output_names() if n.endswith(port_name))
        sender = midi.open_output(target, client_name=f"exs-keys-{os.getpid()}")
        jack_link(f"exs-keys-{os.getpid()}", target, "output")
        yield sampler, recorder, sender, context
    finally:
        if sender is not None:
            sender.close()
        if recorder is not None:
            recorder.close()
        sampler.stop()


def play(sender: Any, recorder: Recorder, note: int, velocity: int, seconds: float,
         during: Any = None) -> np.ndarray:
    import mido

    start = recorder.mark()
    sender.send(mido.Message("note_on", channel=0, note=note, velocity=velocity))
    if during is not None:
        time.sleep(seconds / 2)
        during()
        time.sleep(seconds / 2)
    else:
        time.sleep(seconds)
    sender.send(mido.Message("note_off", channel=0, note=note))
    time.sleep(0.05)
    return recorder.since(start)


def assign(sampler: Any, take: Take, *rest: Any) -> None:
    """Assigns ``take`` to slot HH and waits until the audio process plays it there (a fixed 0.1 s assumed it had
    taken it up: a busy host's notes then played the slot's old take, or none)."""
    sampler.on_assign(SlotAssignment("HH", take, *rest))
    deadline = time.monotonic() + 10.0
    while sampler.sounding("HH") != take.take_id and time.monotonic() < deadline:
        time.sleep(0.005)
    assert sampler.sounding("HH") == take.take_id, "the audio process did not take up the take within 10 s"


def sounding(signal: np.ndarray, threshold: float = 0.02) -> np.ndarray:
    """The part of ``signal`` after its onset and before its release."""
    loud = np.flatnonzero(np.abs(signal) > threshold)
    assert loud.size, "nothing came back through JACK"
    return signal[loud[0] + 480 : loud[-1] - 480]


def test_midi_note_over_jack_plays_the_take_at_pitch_and_velocity(rig: Any) -> None:
    sampler, recorder, sender, context = rig
    assign(sampler, sine_take(220.0, seconds=3.0, amplitude=0.5), "hi-hat", 0.9)
    loud = sounding(play(sender, recorder, 69, 127, 0.5))  # A4 on a 220 Hz take: an octave up
    soft = sounding(play(sender, recorder, 62, 64, 0.5))  # D4: 293.66 Hz at half velocity
    assert dominant_hz(loud, RATE) == pytest.approx(440.0, rel=0.02)
    assert dominant_hz(soft, RATE) == pytest.approx(293.66, rel=0.02)
    level_loud = float(np.sqrt(np.mean(loud**2)) * np.sqrt(2))
    level_soft = float(np.sqrt(np.mean(soft**2)) * np.sqrt(2))
    assert level_loud == pytest.approx(0.5, rel=0.1)
    assert level_soft / level_loud == pytest.approx(64 / 127, rel=0.1)
    assert sampler.stats()["callbacks"] > 0
    assert any(s.get("slot") == "HH" for s in context.statuses)


def test_slot_swap_under_sustained_playback_has_no_discontinuity(rig: Any) -> None:
    sampler, recorder, sender, _ = rig
    assign(sampler, sine_take(220.0, seconds=4.0, amplitude=0.5))
    new_take = sine_take(330.0, seconds=4.0, amplitude=0.3, phase=2.0)
    swapped = threading.Event()

    def swap() -> None:
        sampler.on_assign(SlotAssignment("HH", new_take))
        swapped.set()

    attempts = 0
    for _ in range(3):  # a JACK xrun on the shared machine drops a block: that is not the sampler's click
        attempts += 1
        xruns, overflows = sampler.stats()["xruns"], recorder.overflows
        signal = sounding(play(sender, recorder, 69, 127, 1.0, during=swap))
        if sampler.stats()["xruns"] == xruns and recorder.overflows == overflows:
            break
        assign(sampler, sine_take(220.0, seconds=4.0, amplitude=0.5))
    assert swapped.is_set()
    # Judge the stretch around the swap (where the level falls from 0.5 to 0.3), so that a JACK xrun
    # elsewhere in the recording cannot pass for the sampler's click.
    windows = np.abs(signal[: signal.size // 240 * 240]).reshape(-1, 240).max(axis=1)
    crossing = int(np.flatnonzero(windows < 0.4)[0]) * 240
    around = signal[max(0, crossing - 4800) : crossing + 4800]
    steady = 0.5 * 2 * np.pi * 440.0 / RATE  # the largest step of the 440 Hz sine itself
    jumps = np.abs(np.diff(around))
    assert jumps.max() < steady * 1.5, f"discontinuity {jumps.max():.4f} (steady {steady:.4f}, attempt {attempts})"
    tail = signal[-RATE // 10 :]
    assert float(np.abs(tail).max()) == pytest.approx(0.3, rel=0.1)  # the new take sounds
    assert dominant_hz(tail, RATE) == pytest.approx(440.0, rel=0.02)


def test_xruns_of_the_stream_show_on_the_node(rig: Any) -> None:
    """A JACK client that runs late makes the server report an xrun to every client: the sampler's stream
    counts it and the node's status says how many there have been."""
    sampler, recorder, _, context = rig
    before = sampler.state.xruns
    recorder.stall_seconds = 0.03  # several periods of 5.3 ms

    def reported() -> list[int]:
        return [s["xruns"] for s in list(context.statuses) if "xruns" in s]

    deadline = time.monotonic() + 5
    while not any(n > before for n in reported()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert sampler.state.xruns > before
    assert max(reported(), default=0) > before, context.statuses


def test_a_sound_device_that_fails_to_open_is_reported_and_slots_still_load() -> None:
    from exsampling_patch.nodes.sampler import Sampler

    context = NodeContext()
    sampler = Sampler("smp", {"device": "no such sound card", "virtual_port": "", "sample_rate": 48000}, context)
    sampler.start()
    try:
        assert not opened_or_told(sampler.audio, lambda: context.errors)
        assert any("no such sound card" in str(e) for e in context.errors)
        sampler.on_assign(SlotAssignment("Snare", sine_take(200.0)))
        assert sampler.slot_states()[1]["take"] is not None
    finally:
        sampler.stop()
