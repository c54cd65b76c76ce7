"""OSC send/receive over real UDP on loopback, and MIDI in/out over real JACK MIDI ports."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mido
import pytest

from exsampling_patch.messages import ControlValue, SlotAssignment
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.midi import MidiIn, MidiOut
from exsampling_patch.nodes.osc import OscSend
from exsampling_patch.nodes.osc_receive import OscReceive
from exsampling_patch.takes import write_take

from .helpers import sine_take


def wait_for(condition: Callable[[], Any], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert condition(), "timed out"


def test_osc_round_trip_of_controls_midi_and_slot_assignments(tmp_path: Path) -> None:
    receiver = OscReceive("rx", {"port": 0})
    receiver.start()
    sender = OscSend("tx", {"port": receiver.bound_port, "folder": str(tmp_path)})
    sender.start()
    try:
        take = write_take(sine_take(330.0), tmp_path / "bell.wav")
        sender.on_message(ControlValue("Snare.gain", 0.5))
        sender.on_message(mido.Message("note_on", channel=2, note=64, velocity=90))
        sender.on_message(SlotAssignment("TT", take, "bell", 0.75))
        got = receiver.context.emitted
        wait_for(lambda: len(got) == 3)
    finally:
        sender.stop()
        receiver.stop()
    by_port = dict(got)
    assert by_port["control"] == ControlValue("Snare.gain", 0.5)
    assert by_port["midi"] == mido.Message("note_on", channel=2, note=64, velocity=90)
    assignment = by_port["assignment"]
    assert (assignment.slot, assignment.label, assignment.take.path) == ("TT", "bell", take.path)
    assert assignment.confidence == pytest.approx(0.75) and assignment.take.meta["pitch_hz"] == pytest.approx(330.0)


def test_osc_to_a_dead_or_unknown_host_is_reported_once_and_never_raises(tmp_path: Path) -> None:
    # told about its "port", it stands while the sends fail (test_osc_send_error_stands): one error, not one a message
    context = NodeContext()
    sender = OscSend("tx", {"host": "nowhere.invalid", "folder": str(tmp_path)}, context)
    sender.start()
    for _ in range(3):
        sender.on_message(ControlValue("x", 1.0))
    sender.stop()
    assert len(context.errors) == 1 and "nowhere.invalid" in str(context.errors[0])


def test_an_osc_target_pays_its_imports_when_made_not_on_the_first_send() -> None:
    """pythonosc's first import takes about 10 ms, holding the interpreter lock: it used to land on the show's
    first take (its OSC late, the classifier beside it slowed)."""
    script = ("import sys; from exsampling_patch.nodes.osc import OscTarget; "
              "before = 'pythonosc.osc_message_builder' in sys.modules; OscTarget('127.0.0.1', 9); "
              "print(before, 'pythonosc.osc_message_builder' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert out.stdout.split() == ["False", "True"], out.stderr


@pytest.mark.jack
def test_midi_out_to_midi_in_over_jack_and_a_port_that_comes_back() -> None:
    tag = os.getpid()
    out = MidiOut("mout", {"virtual_port": f"exs-out-{tag}", "api": "UNIX_JACK", "length_ms": 20.0})
    out.start()
    listen = MidiIn("min", {"virtual_port": "", "port": f"exs-out-{tag}", "api": "UNIX_JACK"})
    listen.start()
    try:
        assert out.keeper.wait_open(10)
        listen.keeper.poll_seconds = 0.1
        assert listen.keeper.wait_open(10), listen.context.errors
        out.on_assignment(SlotAssignment("TT", sine_take(100.0), confidence=0.5))
        got = listen.context.emitted
        wait_for(lambda: len(got) >= 2)
        assert got[0][1] == mido.Message("note_on", channel=2, note=60, velocity=100)  # TT is the 3rd slot
        assert got[1][1].type == "note_off"
        # the port disappears: reported; it comes back: re-opened and messages flow again
        out.keeper.stop()
        wait_for(lambda: any("disappeared" in str(e) for e in listen.context.errors))
        out.keeper.opened = None
        out.keeper._stop.clear()
        out.keeper.start()
        wait_for(lambda: listen.keeper.opened is not None and out.keeper.opened is not None, timeout=10)
        before = len(got)
        out.on_midi(mido.Message("control_change", channel=0, control=7, value=64))
        wait_for(lambda: len(got) > before)
        assert got[-1][1].type == "control_change"
    finally:
        listen.stop()
        out.stop()


def test_midi_sent_ahead_keeps_the_time_it_is_heard_at_over_osc(tmp_path: Path) -> None:
    """A pattern's steps go out a lookahead ahead, each with when it is to be heard: over OSC that time was lost,
    so the sampler at the other end played each note on arrival, early, and its note off with it (no sound)."""
    receiver = OscReceive("rx-timed", {"port": 0})
    receiver.start()
    sender = OscSend("tx-timed", {"port": receiver.bound_port, "folder": str(tmp_path)})
    sender.start()
    try:
        due = time.perf_counter() + 0.3
        sender.on_message(mido.Message("note_on", channel=1, note=60, velocity=100, time=due))
        sender.on_message(mido.Message("note_off", channel=1, note=60, time=due + 0.06))
        sender.on_message(mido.Message("note_on", channel=2, note=64, velocity=90))  # untimed: at once, as before
        got = receiver.context.emitted
        wait_for(lambda: len(got) == 3)
    finally:
        sender.stop()
        receiver.stop()
    on, off, now = (message for _, message in got)
    # the wall clock and perf_counter are read at each end: a few microseconds apart, more on a stalled machine
    assert on.time == pytest.approx(due, abs=0.01) and off.time == pytest.approx(due + 0.06, abs=0.01)
    assert (on.type, on.channel, on.velocity, off.type) == ("note_on", 1, 100, "note_off")
    assert now.time == 0 and now.note == 64


def test_a_control_time_tagged_for_later_waits_without_holding_up_the_rest() -> None:
    """A bundle time-tagged ahead (SuperCollider's latency, a sequencer) is acted on at its time; python-osc's
    dispatcher slept on the server's thread for it, so every message after it waited as well."""
    from exsampling_patch.nodes.osc import OscTarget

    receiver = OscReceive("rx-later", {"port": 0})
    receiver.start()
    target = OscTarget("127.0.0.1", receiver.bound_port)
    try:
        assert target.send_bundle([("/exsampling/control/tempo", [90.0])], time.time() + 0.5)
        assert target.send("/exsampling/control/swing", [0.25])
        got = receiver.context.emitted
        wait_for(lambda: len(got) == 2)
    finally:
        target.close()
        receiver.stop()
    assert [message for _, message in got] == [ControlValue("swing", 0.25), ControlValue("tempo", 90.0)]


def test_a_take_still_waiting_for_its_time_tag_at_the_stop_has_an_end(tmp_path: Path) -> None:
    """A ``/take`` or ``/slot`` time-tagged past the stop was dropped with the queue: a take with no end."""
    from exsampling_patch.nodes.osc import OscTarget

    kept = write_take(sine_take(220.0), tmp_path / "kept.wav")  # with a sidecar: its id
    bare = tmp_path / "bare.wav"
    write_take(sine_take(330.0), bare)
    (tmp_path / "bare.wav.json").unlink()
    receiver = OscReceive("rx-stop", {"port": 0})
    receiver.start()
    target = OscTarget("127.0.0.1", receiver.bound_port)
    try:
        later = time.time() + 60.0
        assert target.send_bundle([("/exsampling/take", [str(kept.path)])], later)
        assert target.send_bundle([("/exsampling/slot", ["TT", str(bare)])], later + 1.0)
        assert target.send_bundle([("/exsampling/control/tempo", [90.0])], later)
        assert target.send("/exsampling/control/swing", [0.25])  # after them, in order: they have all been read
        wait_for(lambda: len(receiver.context.emitted) == 1)
    finally:
        target.close()
        receiver.stop()
    reason = "the patch stopped before its time tag"
    assert receiver.context.ended == [(kept.take_id, "", "dropped", reason), ("bare.wav", "", "dropped", reason)]


def test_an_address_with_no_route_is_reported_once() -> None:
    """A controller's own messages (TouchOSC's ping, a page change) come again and again: one error each time."""
    from exsampling_patch.nodes.osc import OscTarget

    receiver = OscReceive("rx-unrouted", {"port": 0})
    receiver.start()
    target = OscTarget("127.0.0.1", receiver.bound_port)
    try:
        for _ in range(3):
            assert target.send("/ping", [])
            assert target.send("/page", ["mixer"])
        assert target.send("/exsampling/control/swing", [0.5])  # after them, in order: they have all been read
        wait_for(lambda: len(receiver.context.emitted) == 1)
    finally:
        target.close()
        receiver.stop()
    errors = [str(e) for e in receiver.context.errors]
    assert len(errors) == 2 and "/ping" in errors[0] and "/page" in errors[1]


def test_midi_out_holds_timed_messages_by_the_time_they_carry() -> None:
    """A timed message (a pattern's step, a clock tick) was held until a time converted to another clock, one
    message at a time: two messages stamped microseconds apart (a step's note off and the next note on of the same
    note, a clock's last tick and its stop) went out in either order when the thread was preempted between the two
    clock reads. They are held by the very time they carry now, so they go out in its order."""
    out = MidiOut("mout-order", {"virtual_port": "", "api": "UNIX_JACK"})
    out.start()
    try:
        base = time.perf_counter() + 5.0
        dues = [base + k * 1e-6 for k in range(100)]
        for k, due in enumerate(dues):
            out.on_midi(mido.Message("note_off" if k % 2 else "note_on", note=60, time=due))
        held = sorted(out._offs)
    finally:
        out.stop()
    assert [when for when, _, _ in held] == dues
    assert [m.type for _, _, m in held] == ["note_on", "note_off"] * 50
