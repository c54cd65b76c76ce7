"""Arrival times of a MIDI input read from rtmidi's queue (exsampling_patch/midi_reader.py): rtmidi's delta times,
measured as each message came, anchored to ``time.perf_counter()`` by the looks that saw them soonest; and its reader,
through a real JACK MIDI port: what it keeps from the port's first moment, what a handler's failure leaves it."""

from __future__ import annotations

import ctypes
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mido
import pytest

from exsampling_patch.midi_ports import backend
from exsampling_patch.midi_reader import DRIFT, ArrivalClock, ArrivedMessage, arrival_of, open_polled
from tests.outputs.jack_clock import JackClock
from tests.outputs.test_midi_in_jack_listing import hold_the_gil
from tests.waiting import wait_for

REPO = Path(__file__).resolve().parents[2]


def test_a_burst_read_late_keeps_the_spacing_it_came_with() -> None:
    """Ten ticks 20 ms apart, queued while the GIL was held, read at once 0.2 s on: stamped as read, they were ten
    ticks at the same time."""
    clock = ArrivalClock()
    assert clock.arrival(0.0, 10.0) == 10.0  # the first, read at once
    burst = [clock.arrival(0.02, 10.2) for _ in range(10)]
    assert burst == pytest.approx([10.0 + 0.02 * n for n in range(1, 11)], abs=DRIFT * 0.25)  # drift allowed for


def test_a_look_sooner_than_any_before_moves_the_arrivals_earlier() -> None:
    """The first message read 0.1 s late (the GIL held): its arrival is then taken as when it was read; the next,
    read at once, shows the offset, and from it on each arrival is its own."""
    clock = ArrivalClock()
    assert clock.arrival(0.0, 5.1) == 5.1
    assert clock.arrival(0.05, 5.05 + 0.001) == pytest.approx(5.051)  # read 1 ms after it came
    assert clock.arrival(0.05, 5.2) == pytest.approx(5.101, abs=DRIFT * 0.15)  # read late, placed where it came


def test_an_arrival_is_never_after_it_was_read_and_follows_a_clock_running_apart() -> None:
    """rtmidi's clock (JACK's: CLOCK_MONOTONIC_RAW) may run slower than ours: the offset rises, by DRIFT a second at
    most, never past what a look saw."""
    clock = ArrivalClock()
    clock.arrival(0.0, 0.0)
    now = 0.0
    for _ in range(100):  # one a second, rtmidi's clock 100 ppm slow, each read at once
        now += 1.0
        assert clock.arrival(1.0 - 1e-4, now) <= now
    assert clock.arrival(1.0 - 1e-4, now + 1.0) == pytest.approx(now + 1.0, abs=DRIFT)


def test_an_arrived_message_is_the_message_and_keeps_its_time_through_pickling() -> None:
    message = ArrivedMessage.from_bytes([0x90, 60, 100])
    object.__setattr__(message, "arrived", 12.5)
    assert message == mido.Message("note_on", note=60, velocity=100)
    again = pickle.loads(pickle.dumps(message))  # as it goes to a sampler's process
    assert again == message and arrival_of(again) == 12.5
    assert arrival_of(message.copy(velocity=1)) is None  # a changed copy is another message, not when it came
    assert arrival_of(mido.Message("clock")) is None


def test_after_messages_dropped_by_a_full_queue_the_next_look_anchors_the_arrivals_again() -> None:
    """rtmidi's queue full, it drops messages: the delta of the next counts from the last dropped, and the sum lost
    the gap (here 5 s) for good: without a new anchor, the arrivals stayed 5 s early, rising back 1 ms a second."""
    clock = ArrivalClock()
    assert clock.arrival(0.0, 100.0) == 100.0
    assert clock.arrival(0.01, 105.5) == pytest.approx(100.01, abs=DRIFT * 5.5)  # 5 s of messages dropped before it
    clock.anchor_again()
    assert clock.arrival(0.01, 105.52) == 105.52  # the reader caught up: this one it read at once
    assert clock.arrival(0.01, 105.531) == pytest.approx(105.53)


def linker(name: str) -> JackClock:
    """A JACK client of the test's to connect ports with (through libjack: a JACK tool's run is 0.1-0.3 s)."""
    client = JackClock(name)
    client.lib.jack_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
    return client


@pytest.fixture
def source() -> Iterator[tuple[Any, str]]:
    """A JACK MIDI output of the test's, and its name."""
    name = f"exs-reader-src-{os.getpid()}"
    out = backend("UNIX_JACK").open_output(name, virtual=True, client_name=name)
    yield out, f"{name}:{name}"
    out.close()


@pytest.mark.jack
def test_a_handler_that_raises_anything_leaves_the_input_hearing(source: tuple[Any, str],
                                                                  capfd: pytest.CaptureFixture[str]) -> None:
    """A SystemExit (a node's sys.exit()) or KeyboardInterrupt raised in on_message ended the reader's thread, and
    anything raised by on_error too: the input went deaf, and nobody was told. Each is told now, the next heard."""
    out, name = source
    client = f"exs-raising-{os.getpid()}"
    raised: list[BaseException] = [SystemExit(1), KeyboardInterrupt(), ValueError("no such slot")]
    heard: list[int] = []
    told: list[BaseException] = []

    def on_message(message: Any) -> None:
        heard.append(message.note)
        if message.note < len(raised):
            raise raised[message.note]

    def on_error(error: BaseException) -> None:
        told.append(error)
        if isinstance(error, ValueError):
            raise RuntimeError("the report failed too")

    port = open_polled("UNIX_JACK", "in", client, on_message, on_error)
    link = linker(f"{client}-linker")
    try:
        assert link.lib.jack_connect(link.client, name.encode(), f"{client}:in".encode()) == 0
        for note in range(len(raised) + 1):
            out.send(mido.Message("note_on", note=note))
        assert wait_for(lambda: len(heard) > len(raised)), heard
    finally:
        port.close()
        link.close()
    assert heard == [0, 1, 2, 3] and told == raised
    assert "'in': a message was not taken (ValueError('no such slot')), and reporting it failed" in \
        capfd.readouterr().err


#: A master that connects itself to the input ``argv[2]`` the moment JACK lists it, then sends 20 ticks and a note.
MASTER_AT_ONCE = """
import ctypes, sys, time
import mido
from tests.outputs.jack_clock import JackClock
mido.set_backend("mido.backends.rtmidi/UNIX_JACK")
source, target = sys.argv[1], sys.argv[2].encode()
port = mido.open_output(source, virtual=True, client_name=source)
link = JackClock(source + "-linker")
link.lib.jack_connect.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
print("up", flush=True)
while not link.lib.jack_port_by_name(link.client, target):
    time.sleep(0.0002)
assert link.lib.jack_connect(link.client, f"{source}:{source}".encode(), target) == 0
for _ in range(20):
    port.send(mido.Message("clock"))
    time.sleep(0.001)
port.send(mido.Message("note_on"))
print("sent", flush=True)
time.sleep(0.2)
"""


@pytest.mark.jack
def test_clock_ticks_that_come_as_the_port_opens_are_heard() -> None:
    """rtmidi ignores clock until told not to, and it was told after the port opened: a master connected at once
    (a patchbay, a session manager) lost its first ticks while another thread held the GIL. Told before now."""
    source, client = f"exs-at-once-{os.getpid()}", f"exs-at-once-in-{os.getpid()}"
    master = subprocess.Popen([sys.executable, "-c", MASTER_AT_ONCE, source, f"{client}:in"], cwd=REPO,
                              stdout=subprocess.PIPE, text=True)
    heard: list[str] = []
    stop, held = threading.Event(), list[float]()
    hog = threading.Thread(target=hold_the_gil, args=(stop, held), daemon=True)
    switch = sys.getswitchinterval()
    port = None
    try:
        assert master.stdout is not None and master.stdout.readline().strip() == "up"
        hog.start()
        sys.setswitchinterval(1e-4)  # the opening thread gives the GIL up at once, right after the port is there
        try:
            port = open_polled("UNIX_JACK", "in", client, lambda message: heard.append(message.type), print)
        finally:
            sys.setswitchinterval(switch)
            stop.set()
            hog.join()
        assert master.stdout.readline().strip() == "sent"
        assert wait_for(lambda: "note_on" in heard), heard
    finally:
        if port is not None:
            port.close()
        master.kill()
        master.wait()
    assert heard == ["clock"] * 20 + ["note_on"], heard


#: A master that sends 100 ticks 2 ms apart, says "burst", then 20 more 10 ms apart, when it sent the last, and a note.
MASTER_OVERFLOW = """
import sys, time
import mido
mido.set_backend("mido.backends.rtmidi/UNIX_JACK")
port = mido.open_output(sys.argv[1], virtual=True, client_name=sys.argv[1])
print("up", flush=True)
sys.stdin.readline()
for gap, n in ((0.002, 100), (0.01, 20)):
    for _ in range(n):
        port.send(mido.Message("clock"))
        sent = time.perf_counter()
        time.sleep(gap)
    print("burst" if n == 100 else f"last {sent}", flush=True)
port.send(mido.Message("note_on"))
time.sleep(0.2)
"""


@pytest.mark.jack
def test_arrivals_after_rtmidis_queue_overflowed_are_when_the_messages_came(monkeypatch: pytest.MonkeyPatch) -> None:
    """A reader held up (its on_message stuck) while rtmidi's queue filled: rtmidi dropped what came then, and the
    arrivals after counted without that time (here 170 ms early, and for minutes after). The reader, having taken a
    queue's worth without seeing it empty, anchors them again once it has caught up."""
    from exsampling_patch import midi_reader

    monkeypatch.setattr(midi_reader, "QUEUE_SIZE", 16)  # filled in 32 ms, not 8 s: the same queue, smaller
    source, client = f"exs-overflow-{os.getpid()}", f"exs-overflow-in-{os.getpid()}"
    master = subprocess.Popen([sys.executable, "-c", MASTER_OVERFLOW, source], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    arrived: list[tuple[str, float | None]] = []
    release = threading.Event()

    def stuck_first(message: Any) -> None:
        release.wait(30)
        arrived.append((message.type, arrival_of(message)))

    port = open_polled("UNIX_JACK", "in", client, stuck_first, print)
    link = linker(f"{client}-linker")
    try:
        assert master.stdout is not None and master.stdin is not None
        assert master.stdout.readline().strip() == "up"
        assert link.lib.jack_connect(link.client, f"{source}:{source}".encode(), f"{client}:in".encode()) == 0
        master.stdin.write("go\n")
        master.stdin.flush()
        assert master.stdout.readline().strip() == "burst"
        release.set()
        last = float(master.stdout.readline().split()[1])
        assert wait_for(lambda: arrived and arrived[-1][0] == "note_on"), arrived
    finally:
        port.close()
        link.close()
        master.kill()
        master.wait()
    assert len(arrived) < 100 + 20 + 1  # rtmidi dropped some: else the test proves nothing
    tick = arrived[-2][1]  # the last tick's
    assert tick is not None and -0.005 < tick - last < 0.5, (tick, last)


def test_a_message_read_late_after_a_minutes_silence_is_stamped_near_its_arrival() -> None:
    """The allowance for the clocks' drift lets the offset rise during a silence: at 1000 ppm a note read 100 ms late
    (the GIL held elsewhere) after a minute without MIDI was stamped 60 ms late; now within 12 ms."""
    clock = ArrivalClock()
    assert clock.arrival(0.0, 10.0) == pytest.approx(10.0)
    late = clock.arrival(60.0, 70.1)  # came at 70.0, read 0.1 s later
    assert 70.0 <= late <= 70.0 + 0.0125
