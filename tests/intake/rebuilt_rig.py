"""The rig of the tests of a live edit that rebuilds a web recorder or a microphone (test_recorder_rebuilt_*,
test_recorder_stored_after_rebuild, test_recorder_late_not_recovered, test_*_stored_before_listing,
test_microphone_rebuilt*): a real HTTPS recorder in an engine with a sink downstream that holds the first take, a
phone's upload, the edit made with engine.update; a node that calls the test's hook between the edit's cell swap and its
start(); an observer that holds a take's end; an upload held at the recorder's look at its disk until the edit has
replaced it (:class:`LateUpload`); a take store whose writing down of an end waits for another's reading of the journal
(:class:`WritingWhileListing`)."""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node, NodeContext
from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import NodeStatus, TakeEnded
from exsampling_patch.takes import TakeStore

from .conftest import Client, rec_of, recorder_engine, registry, sine
from .test_recorder_stored_after_stop_wait import HeldLook


def console_text(patch: Patch, events: Iterable[object]) -> str:
    """What the stage console prints of the statuses and take ends among ``events``, for ``patch``."""
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    for event in events:
        if isinstance(event, NodeStatus | TakeEnded):
            console(event)
    return err.getvalue()


class HoldFirst(Node):
    """A sink that keeps the first take in its handler until it is let go, and counts every take it gets."""

    type_name = "test_hold_first"
    family = "test"
    take = Input(TAKE, "takes")

    def start(self) -> None:
        self.got: list[str] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    def on_take(self, take: Take) -> None:
        self.got.append(take.take_id)
        if len(self.got) == 1:
            self.holding.set()
            self.release.wait(30)


class EndsBeforeStart(Node):
    """Mixed into a source node type: once :attr:`at_prepare` is set on its class (the test's edit), calls it from its
    prepare(): after the swap put it in its cell, before its start()."""

    at_prepare: ClassVar[Any] = None

    def __init__(self, node_id: str = "", params: Mapping[str, Any] | None = None,
                 context: NodeContext | None = None) -> None:
        super().__init__(node_id, params, context)
        self.told = threading.Event()  # take_ended has been called on this node (and has returned or raised)

    def prepare(self) -> None:
        super().prepare()
        if type(self).at_prepare is not None:
            type(self).at_prepare(self)

    def take_ended(self, ended: Any) -> None:
        try:
            super().take_ended(ended)
        finally:
            self.told.set()


class HeldEnd:
    """An observer of takes' ends that holds the first one (the runtime between ending it and telling its source)
    until :attr:`go` is set."""

    def __init__(self) -> None:
        self.ending, self.go = threading.Event(), threading.Event()

    def __call__(self, event: Any) -> None:
        if isinstance(event, TakeEnded) and not self.ending.is_set():
            self.ending.set()
            self.go.wait(30)


@contextlib.contextmanager
def hooked(owner: type, name: str, hook: object) -> Iterator[None]:
    """``owner``'s class attribute ``name`` (a test's hook: a callable, or a race's state) is ``hook`` for the block
    only."""
    setattr(owner, name, hook)
    try:
        yield
    finally:
        setattr(owner, name, None)


def recorder_settings(tmp_path: Path, state: Path | None = None, **params: Any) -> dict[str, object]:
    """A web recorder's settings: ``tmp_path``'s take folder, its state in ``state`` (``tmp_path/state``), on a free
    port of 127.0.0.1, no QR code; ``params`` added."""
    return {"folder": str(tmp_path / "takes"), "state_folder": str(state or tmp_path / "state"), "host": "127.0.0.1",
            "port": 0, "print_qr": False, **params}


def recorder_patch(tmp_path: Path, type_name: str = "web_recorder", **params: Any) -> Patch:
    """A recorder ``rec`` of ``type_name`` (:func:`recorder_settings`) -> a :class:`HoldFirst` ``hold``."""
    patch = Patch()
    patch.add_node(NodeSpec("rec", type_name, recorder_settings(tmp_path, **params)))
    patch.add_node(NodeSpec("hold", HoldFirst.type_name, {}))
    patch.connect("rec.take", "hold.take")
    return patch


@contextlib.contextmanager
def holding_recorder(tmp_path: Path, patch: Patch, *types: type[Node],
                     observer: Callable[[Any], None] | None = None) -> Iterator[tuple[Engine, HoldFirst, Client]]:
    """An engine running ``patch`` (a recorder ``rec`` with its state in ``tmp_path/state`` and a :class:`HoldFirst`
    ``hold``), ``types`` registered beside it and ``observer`` told takes' ends from before the start: the engine, the
    sink and a phone of the recorder. After the block the sink lets go and the engine stops."""
    reg = registry()
    node_types: tuple[type[Node], ...] = (HoldFirst, *types)
    for node_type in node_types:
        reg.register(node_type, "tests")
    engine = Engine(reg, base_dir=tmp_path)
    if observer is not None:
        engine.events.subscribe(observer, TakeEnded)
    engine.start(patch)
    hold = engine.node("hold")
    assert isinstance(hold, HoldFirst)
    phone = Client(engine, tmp_path / "state" / "recorder-cert.pem")
    try:
        yield engine, hold, phone
    finally:
        hold.release.set()
        engine.stop()


def upload_held(phone: Client, hold: HoldFirst, take_id: str) -> dict[str, Any]:
    """A take (phone take id ``take_id``) uploaded by ``phone``, received, and held by the sink: the upload's reply."""
    status, reply = phone.upload(encode_wav_pcm16(sine(), 48000), take_id=take_id)
    assert status == 201, reply
    assert hold.holding.wait(20)
    return dict(reply)


def rebuilt(engine: Engine, edited: Patch) -> None:
    """The edit ``edited`` made, the recorder ``rec`` rebuilt (a new node)."""
    old = rec_of(engine)
    assert engine.update(edited) is not None
    assert rec_of(engine) is not old


def phone_listing(engine: Engine, phone: Client) -> tuple[int, Any, dict[str, str]]:
    """Once the engine is idle, the take list ``phone`` gets from the recorder (rebuilt: on its new port), and the
    engine's node errors then."""
    phone.port = rec_of(engine).server.port
    assert engine.wait_idle(10, settle=0.3)
    status, listed = phone.request("GET", "/api/takes")
    return status, listed, dict(engine.errors)


def idle_errors(engine: Engine) -> dict[str, str]:
    """The engine's node errors once it is idle (its takes ended)."""
    assert engine.wait_idle(10, settle=0.3)
    return dict(engine.errors)


class LateUpload:
    """A recorder engine (:func:`recorder_engine`: a probe downstream) whose next look at its take folder's free space
    waits until the test lets it go on, its stop giving up on a request after 0.2 s (``STOP_WAIT``): a phone's upload
    in flight there, on a thread of its own, is stored after the stop of the recorder an edit replaces. Used as a
    context: after the block the look goes on, the phone's thread is joined and the engine stops."""

    def __init__(self, tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch,
                 events: list[Any] | None = None) -> None:
        self.tmp_path, self.state = tmp_path, state
        self.look = HeldLook()
        monkeypatch.setattr(disk_space, "disk_free", self.look)
        monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon
        self.engine = recorder_engine(tmp_path, state, events=events)
        self.answers: list[tuple[int, Any]] = []
        self._phone: threading.Thread | None = None
        self.phone: Client | None = None  # the phone of the upload (:meth:`upload`)

    def __enter__(self) -> LateUpload:
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.goes_on()
        finally:
            self.engine.stop()

    def upload(self, wav: bytes, take_id: str) -> None:
        """The phone sends ``wav`` (phone take id ``take_id``); returns once the recorder looks at its disk for it."""
        self.phone = client = Client(self.engine, self.state / "recorder-cert.pem")
        self.look.hold()
        self._phone = threading.Thread(target=lambda: self.answers.append(client.upload(wav, take_id=take_id)))
        self._phone.start()
        assert self.look.looking.wait(30), "the recorder never looked at its disk for the take"

    def rebuild(self, type_name: str = "web_recorder") -> Patch:
        """The edit that rebuilds the recorder (another setting; a recorder of ``type_name``, registered), made: the
        edited patch."""
        edited = Patch()
        edited.add_node(NodeSpec("rec", type_name, recorder_settings(self.tmp_path, self.state, warn_free_mb=1)))
        edited.add_node(NodeSpec("probe", "test_probe", {}))
        edited.connect("rec.take", "probe.take")
        rebuilt(self.engine, edited)
        return edited

    def goes_on(self) -> None:
        """The old recorder's request goes on (its take is stored after its stop), and is answered."""
        self.look.release()
        if self._phone is not None:
            self._phone.join(30)


class WritingWhileListing(TakeStore):
    """A take store whose next writing down of a take as done, once :meth:`arm` is called, waits until another such
    store (the rebuilt node's start) has read the journal, which then waits until ``old``'s ``take_ended`` is over (the
    end written down, the take forgotten as passed on): the replaced node's end still being written as the rebuilt
    node lists its folder. ``writing`` is set once the end is held."""

    race: ClassVar[WritingWhileListing.Race | None] = None

    class Race:
        def __init__(self, old: EndsBeforeStart) -> None:
            self.old, self.writing, self.read = old, threading.Event(), threading.Event()
            self.writer: WritingWhileListing | None = None

    @classmethod
    @contextlib.contextmanager
    def arm(cls, old: EndsBeforeStart) -> Iterator[WritingWhileListing.Race]:
        race = cls.Race(old)
        with hooked(cls, "race", race):
            yield race

    def mark_done(self, take_id: str) -> None:
        race = WritingWhileListing.race
        if race is not None and race.writer is None:
            race.writer = self
            race.writing.set()
            race.read.wait(30)
        super().mark_done(take_id)

    def processed_ids(self) -> set[str]:
        done = super().processed_ids()
        race = WritingWhileListing.race
        if race is not None and race.writer not in (None, self) and not race.read.is_set():
            race.read.set()
            race.old.told.wait(30)
        return done
