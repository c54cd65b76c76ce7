"""A source tells a take's length (its status: the console's take line, the editor) before the take flows on: a take
handled and ended downstream before its source's thread reached its status had its console line written without its
length ("take 0002233f from Bo: slot HH, not in Live", no ", 0.10 s"). The web recorder told it after its emit until
93d9a3ec; its recovered takes and the folder node told it first already.

The race made deterministic: the source's thread is held at a take's status for as long as that take, already
emitted, is not yet handled downstream. Told first, the status is out before the emit and nothing is held; told
after, the downstream handler runs before the status is out, and says so."""

from __future__ import annotations

import io
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import MessageHop, NodeStatus, TakeEnded
from tests.waiting import wait_for

from .conftest import Client, registry, sine, stored_not_done

HOLD_SECONDS = 10.0  # the longest a source's thread is held: a handler that never runs fails the test, not hangs it


@dataclass
class Told:
    """What the source ``source`` told of its takes' lengths, as the console reads them (its NodeStatus events), and
    what the downstream node found told as it handled each take."""

    source: str
    lengths: dict[str, float] = field(default_factory=dict)  # take id -> its duration, as published
    emitted: set[str] = field(default_factory=set)  # takes whose hop left the source
    seen: dict[str, float | None] = field(default_factory=dict)  # take id -> its length told by then (None: not yet)
    handled: dict[str, threading.Event] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _handled(self, take_id: str) -> threading.Event:
        with self.lock:
            return self.handled.setdefault(take_id, threading.Event())

    def hop(self, event: MessageHop) -> None:
        # Published on the source's thread as it emits, before the take is queued for its handler.
        if event.node_id == self.source and isinstance(event.message, Take):
            with self.lock:
                self.emitted.add(event.message.take_id)

    def status(self, event: NodeStatus) -> None:
        take_id, duration = event.status.get("take"), event.status.get("duration")
        if event.node_id != self.source or not isinstance(take_id, str) or not isinstance(duration, int | float):
            return
        with self.lock:
            gone = take_id in self.emitted
        if gone:  # told after its emit: the take is let through downstream first, as a quick take's end is
            self._handled(take_id).wait(HOLD_SECONDS)
        with self.lock:
            self.lengths[take_id] = float(duration)

    def look(self, take: Take) -> None:
        """The downstream handler's check: whether the take's length was told before it got here."""
        with self.lock:
            self.seen[take.take_id] = self.lengths.get(take.take_id)
        self._handled(take.take_id).set()


def checker_type(told: Told) -> type[Node]:
    class LengthChecker(Node):
        """A sink that looks, in its handler, for its take's length told by the take's source."""

        type_name = "test_length_checker"
        family = "test"
        take = Input(TAKE, "takes")

        def on_take(self, take: Take) -> None:
            told.look(take)

    return LengthChecker


@dataclass
class Source:
    """One source of takes ``src``, each callable given the test's folder and the recorder's state folder."""

    node: Callable[[Path, Path], NodeSpec]
    send: Callable[[Engine, Path, Path], None]  # one take, once the engine runs
    line: str  # the take's line on the console, from its length on
    before: Callable[[Path, Path], None] = lambda base, state: None  # before the engine starts


def _recorder(base: Path, state: Path) -> NodeSpec:
    return NodeSpec("src", "web_recorder", {"folder": str(base / "takes"), "state_folder": str(state),
                                            "host": "127.0.0.1", "port": 0, "print_qr": False})


def _upload(engine: Engine, base: Path, state: Path) -> None:
    status, reply = Client(engine, state / "recorder-cert.pem", "src").upload(
        encode_wav_pcm16(sine(seconds=0.5), 48000), recorder="Bo")
    assert status == 201, reply


def _left_by_the_last_run(base: Path, state: Path) -> None:
    # Stored and passed on by a run killed before it wrote the take down as done: this start passes it on again.
    stored_not_done(base, state, encode_wav_pcm16(sine(seconds=0.5), 48000), "Bo", "left-1")


def _folder(base: Path, state: Path) -> NodeSpec:
    (base / "inbox").mkdir()
    return NodeSpec("src", "folder_source", {"folder": str(base / "inbox"), "poll_interval": 0.01,
                                             "settle_time": 0.05})


def _drop(engine: Engine, base: Path, state: Path) -> None:
    sf.write(base / "inbox" / "clap.wav", np.full(4000, 0.25, np.float32), 8000, subtype="PCM_16")


SOURCES = {
    "upload": Source(_recorder, _upload, ", 0.50 s: done (check)"),
    # None sent: the start passes on the take the last run left
    "recovered": Source(_recorder, lambda engine, base, state: None, ", 0.50 s, recovered from the last run: done "
                        "(check)", _left_by_the_last_run),
    "folder": Source(_folder, _drop, ", 0.50 s: done (check)"),
}


@pytest.mark.parametrize("kind", list(SOURCES))
def test_a_takes_length_is_told_before_it_is_handled_downstream(kind: str, tmp_path: Path,
                                                                  recorder_state: Path) -> None:
    source = SOURCES[kind]
    source.before(tmp_path, recorder_state)
    told = Told("src")
    reg = registry()
    reg.register(checker_type(told), "tests")
    patch = Patch()
    patch.add_node(source.node(tmp_path, recorder_state))
    patch.add_node(NodeSpec("check", "test_length_checker", {}))
    patch.connect("src.take", "check.take")
    engine = Engine(reg, base_dir=tmp_path)
    engine.events.subscribe(told.hop, MessageHop)
    engine.events.subscribe(told.status, NodeStatus)
    console_err = io.StringIO()
    console = StageConsole(patch, err=console_err)
    engine.events.subscribe(console, TakeEnded, NodeStatus)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    try:
        assert not engine.errors, engine.errors
        source.send(engine, tmp_path, recorder_state)
        assert wait_for(lambda: ended), engine.errors
    finally:
        engine.stop()
    take_id = ended[0].take_id
    assert told.seen == {take_id: 0.5}, f"the length of {take_id} was told after its handler ran: {told.seen}"
    # And so the take's line the console wrote at its end has it.
    lines = [line for line in console_err.getvalue().splitlines() if "(check)" in line]
    assert len(lines) == 1 and source.line in lines[0], console_err.getvalue()
