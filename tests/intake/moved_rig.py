"""The rig of the tests of a live edit that moves both a web recorder's take folder and its state folder while a
phone's upload is held at the recorder's look at its disk (test_recorder_late_*): the patch, the held looks, and a
running engine with its phone and the moved state folder ready (:func:`moved_folders`)."""

from __future__ import annotations

import contextlib
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from exsampling_patch.nodes import disk_space
from exsampling_patch.nodes.web_recorder import server as server_module
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from tests.waiting import wait_for

from .conftest import Client, probe_of, registry
from .rebuilt_rig import recorder_settings
from .test_recorder_stored_after_stop_wait import HeldLook


def moved_patch(tmp_path: Path, state: Path, takes: str) -> Patch:
    """A web recorder ``rec`` on the take folder ``tmp_path/takes`` and the state folder ``state`` -> a probe."""
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", recorder_settings(tmp_path, state, folder=str(tmp_path / takes))))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("rec.take", "probe.take")
    return patch


class HeldLooks:
    """The take folder's free space, 10 GB; each :meth:`hold` holds the next look until its :meth:`release`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[tuple[threading.Event, threading.Event]] = []

    def __call__(self, folder: Path) -> int:
        with self._lock:
            held = self._pending.pop(0) if self._pending else None
        if held is not None:
            held[0].set()
            assert held[1].wait(30), "the test never released the disk's look"
        return 10_000 * 10**6

    def hold(self) -> tuple[threading.Event, threading.Event]:
        """(set once the look is held, set to let it go)."""
        held = (threading.Event(), threading.Event())
        with self._lock:
            self._pending.append(held)
        return held


@dataclass
class MovedFolders:
    """A running recorder on ``tmp_path/takes`` and ``state``, its phone, and ``moved``: a copy of ``state`` (its
    certificate and token with it) for the edit to move the state folder to."""

    tmp_path: Path
    state: Path
    moved: Path
    engine: Engine
    phone: Client

    def edit(self, takes: str) -> None:
        """The live edit onto the moved state folder and the take folder ``tmp_path/takes``, made."""
        assert self.engine.update(moved_patch(self.tmp_path, self.moved, takes)) is not None

    def retry_phone(self) -> Client:
        """The same phone, which gave up waiting and sends the take again, to the rebuilt recorder."""
        retry = Client(self.engine, self.moved / "recorder-cert.pem")
        retry.phone_key = self.phone.phone_key
        return retry

    def received(self) -> list[str]:
        """Once the engine is idle, the take ids the probe got, in order."""
        assert self.engine.wait_idle(10, settle=0.3)
        return [take.take_id for _, take in probe_of(self.engine).received]


def slow_disk(monkeypatch: pytest.MonkeyPatch, look: Callable[[Path], int]) -> None:
    """The recorders' looks at their disk are ``look``'s; a stop gives up on a held request after 0.2 s."""
    monkeypatch.setattr(disk_space, "disk_free", look)
    monkeypatch.setattr(server_module, "STOP_WAIT", 0.2)  # the stop gives up on the held request soon


def held_look_on(monkeypatch: pytest.MonkeyPatch, recorder_state: Path, *states: Path) -> HeldLook:
    """Each of ``states`` a copy of ``recorder_state``, the disk slowed (:func:`slow_disk`) by the returned look."""
    for copy in states:
        shutil.copytree(recorder_state, copy)  # its certificate made once for the tests
    look = HeldLook()
    slow_disk(monkeypatch, look)
    return look


@contextlib.contextmanager
def upload_held_at_look(phone: Client, look: HeldLook, take: bytes) -> Iterator[list[tuple[int, Any]]]:
    """``phone``'s upload of ``take`` (phone take id "held") held at the recorder's look at its disk while the block
    runs, then let go: the yielded list gets its answer once the block is done."""
    answers: list[tuple[int, Any]] = []
    look.hold()
    sending = threading.Thread(target=lambda: answers.append(phone.upload(take, take_id="held")))
    sending.start()
    try:
        assert look.looking.wait(30), "the recorder never looked at its disk for the take"
        yield answers
    finally:
        look.release()
        sending.join(30)


@contextlib.contextmanager
def moved_folders(tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch,
                  look: Callable[[Path], int]) -> Iterator[MovedFolders]:
    """A recorder engine whose looks at its disk are ``look``'s, its stop giving up on a held request after 0.2 s
    (``STOP_WAIT``); stopped after the block."""
    state, moved = tmp_path / "state", tmp_path / "state-moved"
    shutil.copytree(recorder_state, state)  # its certificate made once for the tests
    slow_disk(monkeypatch, look)
    engine = Engine(registry(), base_dir=tmp_path)
    engine.start(moved_patch(tmp_path, state, "takes"))
    try:
        phone = Client(engine, state / "recorder-cert.pem")
        shutil.copytree(state, moved)
        yield MovedFolders(tmp_path, state, moved, engine, phone)
    finally:
        engine.stop()


@dataclass
class Answers:
    """The replies to the phone's held upload (``late``) and to its retry (``retried``)."""

    late: list[tuple[int, Any]] = field(default_factory=list)
    retried: list[tuple[int, Any]] = field(default_factory=list)


@contextlib.contextmanager
def retry_held_as_late_one_stored(rig: MovedFolders, looks: HeldLooks, take: bytes) -> Iterator[Answers]:
    """The phone's upload of ``take`` held at the recorder's look at its disk, the edit onto ``takes-moved`` made, the
    phone's retry held at the rebuilt recorder's look, then the late one let go (stored and handed on while the retry
    is still being stored) and answered: the block runs then; after it the retry is let go and answered."""
    answers = Answers()
    first = looks.hold()
    sending = threading.Thread(target=lambda: answers.late.append(rig.phone.upload(take, take_id="held")))
    sending.start()
    second: tuple[threading.Event, threading.Event] | None = None
    again: threading.Thread | None = None
    try:
        assert first[0].wait(30), "the recorder never looked at its disk for the take"
        rig.edit("takes-moved")
        retry = rig.retry_phone()
        second = looks.hold()  # after the start: its own look at the disk is not held
        again = threading.Thread(target=lambda: answers.retried.append(retry.upload(take, take_id="held")))
        again.start()
        assert second[0].wait(30), "the rebuilt recorder never looked at its disk for the retry"
        first[1].set()
        sending.join(30)
        yield answers
    finally:
        first[1].set()
        if second is not None:
            second[1].set()
        sending.join(30)
        if again is not None:
            again.join(30)


def kept_late_for_next_run(tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch,
                           take: bytes) -> tuple[str, Answers, Path]:
    """The late take kept when no recorder ran (the patch stopped while its phone's retry was being stored), told
    kept on the node: its take id, the phone's answers, and ``state-again``, a copy of the moved state folder for the
    next run."""
    looks = HeldLooks()
    with moved_folders(tmp_path, recorder_state, monkeypatch, looks) as rig:
        with retry_held_as_late_one_stored(rig, looks, take) as answers:
            rig.engine.stop()  # the retry's recorder stopped, none after it: the retry stored after its stop
        take_id = answers.late[0][1]["take_id"]
        assert wait_for(lambda: f"take {take_id}, stored late, is kept" in rig.engine.errors.get("rec", ""), 30)
    again = tmp_path / "state-again"
    shutil.copytree(rig.moved, again)
    return take_id, answers, again
