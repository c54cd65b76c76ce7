"""A take's own end line says when its slot's output did not load it: Live not answering, Live's error, the
built-in sampler's unknown slot.

Before, a take assigned to a slot ended "slot HH" whatever became of its load: the failure was told on a line
apart (Live's answer came after the take had ended), and a performer reading the take's line believed it loaded.
Now ``ableton_live`` keeps the take open until Live answers (or ``answer_within`` passes), and its end reads
"slot HH, not loaded into Live: ...". Run in the real engine, over real UDP; Live's side is the remote script
against ``live_standin`` (the one mock the project allows), ticked as Live's display timer would.
"""

from __future__ import annotations

import io
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import SlotAssignment
from exsampling_patch.nodes.sampler.replay import read_show
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import NodeStatus, TakeEnded
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.showlog import KINDS, ShowLog
from exsampling_patch.takes import write_take
from tests.stage.helpers import free_port

from .helpers import sine_take
from .live_standin import CInstance, Song, Track


class Ticking:
    """The remote script in a stand-in Live whose tracks are ``names``, its display timer ticking."""

    def __init__(self, names: list[str], port: int = 0) -> None:
        self.tracks = [Track(name) for name in names]
        self.surface = ableton_remote.ExSamplingSurface(CInstance(Song(self.tracks)), port=port)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(0.01):
            self.surface.update_display()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.surface.disconnect()


@pytest.fixture
def live() -> Iterator[Ticking]:
    made = Ticking(["HH"])
    yield made
    made.close()


def run(tmp_path: Path, node: NodeSpec, assignment: SlotAssignment,
        at_end: Callable[[], object] = lambda: None) -> tuple[TakeEnded, str, object]:
    """The take's end, the console's line for it, and what ``at_end`` said as the take ended, ``assignment`` given
    to ``node`` in a running engine."""
    patch = Patch()
    patch.add_node(node)
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    ended: list[TakeEnded] = []
    said: list[object] = []

    def end(event: object) -> None:
        said.append(at_end())
        ended.append(event)  # type: ignore[arg-type]

    engine.events.subscribe(console, TakeEnded, NodeStatus)
    engine.events.subscribe(end, TakeEnded)
    engine.start(patch)
    try:
        engine.inject(node.id, "assign" if node.type == "sampler" else "assignment", assignment)
        deadline = time.monotonic() + 60  # a deadline: the loop waits for state
        while not ended and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        engine.stop()
    assert len(ended) == 1
    lines = [line for line in err.getvalue().splitlines() if assignment.take.name in line]
    assert len(lines) == 1, err.getvalue()
    return ended[0], lines[0], said[0]


#: How the console's take line says a take Live did not load ("not loaded into Live: ..."): the reason goes on the
#: node's line, once
SHOWN = "slot HH, not in Live"


def live_node(tmp_path: Path, port: int, answer_within: float = 0.3) -> NodeSpec:
    """``answer_within`` 0.3 s where Live is silent (a short test); where it answers, 2 s: a stall of its ticking
    thread on loaded cores is no "not loaded"."""
    return NodeSpec("live", "ableton_live", {"port": port, "answer_within": answer_within,
                                             "folder": str(tmp_path / "live")})


def test_a_take_live_does_not_answer_ends_not_loaded(tmp_path: Path) -> None:
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    node = live_node(tmp_path, free_port(socket.SOCK_DGRAM))
    ended, line, _ = run(tmp_path, node, SlotAssignment("HH", take, "knock", 0.9))
    assert ended.fate == "slot" and ended.slots == ("HH",)
    assert ended.reason == "slot HH, not loaded into Live: Live did not answer within 0.3 s"
    assert line.endswith(f": {SHOWN}; no output has it ({ended.seconds * 1e3:.0f} ms)")
    assert ended.seconds >= 0.3  # it ended once the wait was over, not as the load went


def test_a_take_live_refuses_ends_with_its_reason(tmp_path: Path, live: Ticking) -> None:
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    ended, line, _ = run(tmp_path, live_node(tmp_path, live.surface.port, 2.0),
                         SlotAssignment("Chorus", take, "knock", 0.9))
    assert ended.reason == "slot Chorus, not loaded into Live's track 'Chorus': no track named 'Chorus' (tracks: HH)"
    assert ended.reason in line


def test_a_take_live_loads_ends_in_its_slot_once_loaded(tmp_path: Path, live: Ticking) -> None:
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    ended, line, loaded = run(tmp_path, live_node(tmp_path, live.surface.port, 2.0),
                              SlotAssignment("HH", take, "knock", 0.9), at_end=lambda: live.surface.loaded)
    assert ended.reason == "slot HH" and line.endswith(f": slot HH ({ended.seconds * 1e3:.0f} ms)")
    assert loaded == 1  # Live had loaded it when the take ended
    assert live.tracks[0].clip_slots[0].clip is not None


def test_a_take_for_a_slot_the_sampler_lacks_ends_not_loaded(tmp_path: Path) -> None:
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    sampler = NodeSpec("sampler", "sampler", {"device": "none", "virtual_port": "", "audio_process": False})
    ended, line, _ = run(tmp_path, sampler, SlotAssignment("Kick", take, "knock", 0.9))
    assert ended.reason.startswith("slot Kick, not loaded into sampler 'sampler': no slot named 'Kick'; slots are HH")
    assert ended.reason in line


def test_the_console_says_the_label_then_what_was_not_loaded() -> None:
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_live"))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    console(NodeStatus("classifier", {"take": "take7", "label": "hi-hat", "confidence": 0.94}))
    console(TakeEnded("live", take_id="take7", recorder="Mika", fate="slot", slots=("HH",), seconds=0.5,
                      reason="slot HH, not loaded into Live: Live did not answer within 2 s"))
    # Live's reason on its node's line, once; the take's line says "not in Live" (commands/take_words.py)
    node_line, take_line = err.getvalue().splitlines()
    assert node_line.endswith(" ableton_live 'live': not loaded into Live: Live did not answer within 2 s; take lines "
                              "say \"not in Live\" while it lasts"), node_line
    assert take_line.endswith(" take7 from Mika: hi-hat 94% -> HH, not in Live (500 ms)"), take_line


def test_takes_live_has_not_answered_at_the_stop_are_named(tmp_path: Path) -> None:
    # Before, a take sent less than answer_within before the stop was never told unanswered.
    port = free_port(socket.SOCK_DGRAM)
    patch = Patch()
    patch.add_node(NodeSpec("live", "ableton_live", {"port": port, "answer_within": 30.0,
                                                     "folder": str(tmp_path / "live")}))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    err = io.StringIO()
    ended: list[object] = []
    engine.events.subscribe(StageConsole(patch, err=err), TakeEnded, NodeStatus)
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    knock = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    bell = write_take(sine_take(880.0, seconds=0.2), tmp_path / "bell.wav")
    engine.inject("live", "assignment", SlotAssignment("HH", knock, "knock", 0.9))
    engine.inject("live", "assignment", SlotAssignment("Snare", bell, "bell", 0.9))
    deadline = time.monotonic() + 60  # a deadline: the loop waits for state
    while engine.status.get("live", {}).get("slot") != "Snare" and time.monotonic() < deadline:
        time.sleep(0.01)
    engine.stop()
    assert err.getvalue().splitlines()[-1].endswith(
        f" warning from node 'live': stopped before Live answered 2 takes sent to 127.0.0.1:{port}: {knock.name} (HH), "
        f"{bell.name} (Snare); not known to be loaded")
    assert ended == [] and len(engine.ledger) == 2  # not done: their sources pass them on again at the next start


def test_an_output_that_fails_on_the_assignment_is_told_on_the_takes_line(tmp_path: Path) -> None:
    # Before, the slot outranked the error: "slot Kick", and AbletonOSC's KeyError on a line apart.
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    aosc = NodeSpec("aosc", "ableton_osc",
                    {"port": free_port(socket.SOCK_DGRAM), "reply_port": 0, "folder": str(tmp_path / "live")})
    ended, line, _ = run(tmp_path, aosc, SlotAssignment("Kick", take, "knock", 0.9))
    assert ended.fate == "slot"
    assert ended.reason.startswith("slot Kick, error in aosc: ") and "'Kick' has no track" in ended.reason
    assert ended.reason in line


def test_a_take_sent_while_live_is_known_silent_ends_at_once_and_goes_when_it_answers(tmp_path: Path) -> None:
    # Before, each take sent while Live was known silent (the last one unanswered, no pong since) was held open the
    # full answer_within before its end said "not loaded": a second wait for what was known.
    port = free_port(socket.SOCK_DGRAM)
    patch = Patch()
    patch.add_node(live_node(tmp_path, port))
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    live = None
    try:
        first = write_take(sine_take(440.0, seconds=0.2), tmp_path / "first.wav")
        second = write_take(sine_take(220.0, seconds=0.2), tmp_path / "second.wav")
        engine.inject("live", "assignment", SlotAssignment("HH", first, "knock", 0.9))
        deadline = time.monotonic() + 60  # a deadline: the loops wait for state
        while not ended and time.monotonic() < deadline:
            time.sleep(0.01)
        assert [e.reason for e in ended] == ["slot HH, not loaded into Live: Live did not answer within 0.3 s"]
        engine.inject("live", "assignment", SlotAssignment("HH", second, "bell", 0.9))
        while len(ended) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(ended) == 2 and ended[1].slots == ("HH",)
        assert re.fullmatch(r"slot HH, not loaded into Live: Live is not answering since \d\d:\d\d:\d\d",
                            ended[1].reason), ended[1].reason
        live = Ticking(["HH"], port=port)  # Live opens: the newest take of HH goes to it at its pong
        while not live.tracks[0].clip_slots[0].has_clip and time.monotonic() < deadline + 5:
            time.sleep(0.01)
        clip = live.tracks[0].clip_slots[0].clip
        assert clip is not None and clip.file_path == str(second.path)  # loaded, and the newest take
    finally:
        engine.stop()
        if live is not None:
            live.close()


def run_map(tmp_path: Path, live_port: int, sampler: bool, aosc: bool = False,
            send: Callable[[Engine, Callable[[], None]], None] = lambda _, inject: inject(), max_port: int = 0
            ) -> tuple[TakeEnded, str, dict[str, Any]]:
    """A take a fixed_slot map assigns to HH, for ableton_live on ``live_port`` (and the built-in sampler, which has
    HH; and ableton_osc, on a UDP port where nothing listens; and ableton_max on ``max_port``); its end, the console's
    line for it and the show log's. ``send`` injects the take (given the running engine and the injecting call)."""
    patch = Patch()
    patch.add_node(NodeSpec("map", "fixed_slot", {"slot": "HH"}))
    patch.add_node(live_node(tmp_path, live_port))
    patch.connect("map.assignment", "live.assignment")
    if sampler:
        patch.add_node(NodeSpec("sampler", "sampler", {"device": "none", "virtual_port": "", "audio_process": False}))
        patch.connect("map.assignment", "sampler.assign")
    if aosc:
        patch.add_node(NodeSpec("aosc", "ableton_osc", {"port": free_port(socket.SOCK_DGRAM), "reply_port": 0}))
        patch.connect("map.assignment", "aosc.assignment")
    if max_port:
        patch.add_node(NodeSpec("max", "ableton_max", {"port": max_port, "folder": str(tmp_path / "live")}))
        patch.connect("map.assignment", "max.assignment")
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    err = io.StringIO()
    ended: list[TakeEnded] = []
    show = ShowLog(tmp_path / "show.jsonl", patch, sources=[], samplers=[])
    engine.events.subscribe(StageConsole(patch, err=err), TakeEnded, NodeStatus)
    engine.events.subscribe(ended.append, TakeEnded)
    engine.events.subscribe(show, *KINDS)
    engine.start(patch)
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    try:
        send(engine, lambda: engine.inject("map", "take", take))
        deadline = time.monotonic() + 60  # a deadline: the loop waits for state
        while not ended and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        engine.stop()
        show.close()
    assert len(ended) == 1
    lines = [line for line in err.getvalue().splitlines() if take.name in line]
    assert len(lines) == 1, err.getvalue()
    (fate,) = [line for line in read_show(tmp_path / "show.jsonl") if line["event"] == "fate"]
    return ended[0], lines[0], fate


def test_a_takes_end_names_the_outputs_that_loaded_it(tmp_path: Path) -> None:
    """A take in its slot that an output did not load ended "slot HH, not loaded into Live: ..." whether the
    sampler beside had it or no output had it (Live alone linked): the phone showed both amber, the console alike.
    Its end names the outputs that loaded it: the sampler where it has it, none where Live alone missed it."""
    missed = "slot HH, not loaded into Live: Live did not answer within 0.3 s"
    both, line, logged = run_map(tmp_path / "both", free_port(socket.SOCK_DGRAM), sampler=True)
    assert both.reason == missed and both.loaded == ("sampler",)
    assert line.endswith(f": {SHOWN} ({both.seconds * 1e3:.0f} ms)")
    assert logged["reason"] == missed and logged["loaded"] == ["sampler"], logged
    alone, line, logged = run_map(tmp_path / "alone", free_port(socket.SOCK_DGRAM), sampler=False)
    assert alone.reason == missed and alone.loaded == ()
    assert line.endswith(f": {SHOWN}; no output has it ({alone.seconds * 1e3:.0f} ms)")
    assert logged["reason"] == missed and logged["loaded"] == [], logged


def test_a_take_live_loads_names_live_as_loading_it(tmp_path: Path, live: Ticking) -> None:
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    ended, _, _ = run(tmp_path, live_node(tmp_path, live.surface.port, 2.0), SlotAssignment("HH", take, "knock", 0.9))
    assert ended.reason == "slot HH" and ended.loaded == ("live",)


def test_a_take_the_sampler_lacks_a_slot_for_is_loaded_by_no_output(tmp_path: Path) -> None:
    take = write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
    sampler = NodeSpec("sampler", "sampler", {"device": "none", "virtual_port": "", "audio_process": False})
    ended, line, _ = run(tmp_path, sampler, SlotAssignment("Kick", take, "knock", 0.9))
    assert ended.loaded == ()
    assert line.endswith(f"; no output has it ({ended.seconds * 1e3:.0f} ms)")


def test_a_take_live_missed_beside_ableton_osc_is_loaded_by_no_output(tmp_path: Path) -> None:
    """Every output that took the assignment without an error counted as having the take: ableton_osc (a track's
    colour, a clip fired: nothing loaded) beside Live not answering made the end "loaded ('aosc',)", amber on the
    phone, though no instrument had the take. Real ableton_live and ableton_osc, real UDP where nothing listens."""
    missed = "slot HH, not loaded into Live: Live did not answer within 0.3 s"
    ended, line, logged = run_map(tmp_path, free_port(socket.SOCK_DGRAM), sampler=False, aosc=True)
    assert ended.reason == missed and ended.loaded == (), ended
    assert line.endswith(f": {SHOWN}; no output has it ({ended.seconds * 1e3:.0f} ms)")
    assert logged["loaded"] == [], logged


def test_a_take_the_max_device_got_beside_live_missing_it_is_had_by_ableton_max(tmp_path: Path) -> None:
    """ableton_max did not declare it loads takes (its device loads each take's file): beside Live not answering,
    a take its device got ended "no output has it", red on the phone. The device's side is a plain socket."""
    missed = "slot HH, not loaded into Live: Live did not answer within 0.3 s"
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as device:
        device.bind(("127.0.0.1", 0))
        ended, line, logged = run_map(tmp_path, free_port(socket.SOCK_DGRAM), sampler=False,
                                      max_port=device.getsockname()[1])
    assert ended.reason == missed and ended.loaded == ("max",), ended
    assert line.endswith(f": {SHOWN} ({ended.seconds * 1e3:.0f} ms)")
    assert logged["loaded"] == ["max"], logged


def test_an_error_told_from_another_thread_while_the_sampler_loads_leaves_it_having_the_take(tmp_path: Path) -> None:
    """Any error told on the sampler while its handler ran, from any thread (its audio device's), took it out of the
    outputs that have the take: "no output has it" for a take in its slot. The sampler's handler is kept at its load
    (its records' lock held here) until an error is told on it from this thread, as its device thread would."""

    def with_device_error(engine: Engine, inject: Callable[[], None]) -> None:
        sampler = engine.node("sampler")
        with sampler._records_lock:  # type: ignore[attr-defined]
            inject()
            deadline = time.monotonic() + 60  # a deadline: the loop waits for state
            while (not any(state.busy is not None and state.busy[0] is sampler for state in engine._states)
                   and time.monotonic() < deadline):
                time.sleep(0.01)
            sampler.report_error("the audio device went away")
        assert engine.error_counts["sampler"] == 1

    missed = "slot HH, not loaded into Live: Live did not answer within 0.3 s"
    ended, line, logged = run_map(tmp_path, free_port(socket.SOCK_DGRAM), sampler=True, send=with_device_error)
    assert ended.reason == missed and ended.loaded == ("sampler",), ended
    assert line.endswith(f": {SHOWN} ({ended.seconds * 1e3:.0f} ms)")
    assert logged["loaded"] == ["sampler"], logged
