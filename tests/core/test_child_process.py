"""One place for child processes: exsampling_patch.child_process starts, speaks to and ends the classifier's and
the sampler's processes; their messages are dataclasses defined once for both ends."""

from __future__ import annotations

import ast
import dataclasses
import os
import signal
import time
from pathlib import Path

import pytest

from exsampling_patch.child_process import Child, Stop

from .test_layers import modules_in, package_dirs

ECHO = '''
from dataclasses import dataclass
from multiprocessing.reduction import recv_handle
import os, time

from exsampling_patch.child_process import Stop


@dataclass(frozen=True)
class Said:
    text: str


def serve(connection):
    first = connection.recv()
    fd = recv_handle(connection)
    connection.send(Said(f"{first} {os.read(fd, 5).decode()}"))
    while True:
        message = connection.recv()
        if isinstance(message, Stop):
            connection.send(Said("stopping"))
            return 3
        if message == "hang":
            time.sleep(60)
        connection.send(Said(str(message)))
'''


@pytest.fixture
def echo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    (tmp_path / "child_echo.py").write_text(ECHO, encoding="utf-8")
    monkeypatch.setenv("PYTHONPATH", f"{tmp_path}{os.pathsep}{os.environ.get('PYTHONPATH', '')}")  # the child's
    monkeypatch.syspath_prepend(str(tmp_path))  # ours: its messages unpickle here
    return "child_echo"


def test_a_child_gets_its_setup_and_descriptors_answers_in_typed_messages_and_stops(echo: str) -> None:
    read, write = os.pipe()
    os.write(write, b"hello")
    child = Child(echo)
    child.start("setup", handles=(read,))
    try:
        assert child.connection is not None and child.connection.poll(30)
        said = child.connection.recv()
        assert type(said).__name__ == "Said" and type(said).__module__ == "child_echo"  # not __main__'s
        assert said.text == "setup hello"
        os.kill(child.pid or 0, signal.SIGINT)  # Ctrl+C reaches the process group: the child goes on
        child.send(42)
        assert child.connection.poll(10) and child.connection.recv().text == "42"
        child.ask_to_stop()
        assert child.connection.recv().text == "stopping"
    finally:
        code = child.end(timeout=10)
        os.close(read)
        os.close(write)
    assert code == 3 and child.pid is None and child.connection is None
    child.ask_to_stop()  # an ended child: nothing to tell, no error
    with pytest.raises(OSError):
        child.send("x")


def test_a_child_that_does_not_end_is_killed(echo: str) -> None:
    read, write = os.pipe()
    os.write(write, b"hello")
    child = Child(echo)
    child.start("setup", handles=(read,))
    assert child.connection is not None and child.connection.poll(30)
    child.connection.recv()
    child.send("hang")
    time.sleep(0.1)
    assert child.end(timeout=0.3) == -signal.SIGKILL  # killed, not waited for (pytest's timeout: a hang's limit)
    os.close(read)
    os.close(write)


def test_processes_are_spawned_in_one_place_and_speak_dataclasses() -> None:
    """No module but child_process makes a socket pair or starts a Python child; the classifier's and the sampler's
    messages are frozen dataclasses (Stop among them, from child_process)."""
    spawners = []
    for module, path in modules_in(package_dirs()).items():
        text = path.read_text(encoding="utf-8")
        if module != "exsampling_patch.child_process" and ("socketpair(" in text or '"-m", "exsampling_patch' in text):
            spawners.append(module)
    assert spawners == []

    from exsampling_patch.models import process
    from exsampling_patch.nodes.sampler import protocol

    for module, names in ((process, ("Setup", "Predict", "NewBuffer", "Ready", "Failed", "Rejected", "Answer")),
                          (protocol, ("Setup", "Load", "Stage", "LoadStaged", "Unstage", "Rate", "Ready", "Opened",
                                      "MidiPorts", "Error", "Status", "Freed", "Stopped"))):
        for name in names:
            kind = getattr(module, name)
            assert dataclasses.is_dataclass(kind) and vars(kind)["__dataclass_params__"].frozen, name
    assert dataclasses.is_dataclass(Stop)

    # Both ends of the sampler's protocol read it from protocol.py; neither unpacks a tuple message by position.
    for end in ("host.py", "server.py"):
        source = (Path(protocol.__file__).parent / end).read_text(encoding="utf-8")
        assert "from exsampling_patch.nodes.sampler import protocol as msg" in source, end
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Compare) and any(isinstance(c, ast.Constant) and c.value in ("load", "stop")
                                                     for c in node.comparators):
                raise AssertionError(f"{end}:{node.lineno} compares a message kind by string")


def test_quick_returns_wait_longer_each_time_up_to_a_bound_and_are_told_once() -> None:
    from exsampling_patch.child_process import QuickReturns

    returns = QuickReturns(first=0.25, longest=4.0, tell_after=3)
    waits, told = [], []
    for _ in range(8):
        returns.started()
        waits.append(returns.returned())  # at once: a quick return
        told.append(returns.to_report)
    assert waits == [0.25, 0.5, 1.0, 2.0, 4.0, 4.0, 4.0, 4.0]
    assert told == [False, False, True, False, False, False, False, False]
    after_a_while = QuickReturns(quick_seconds=0.0)  # every child counts as one that ran a while
    after_a_while.started()
    assert after_a_while.returned() == 0.0 and after_a_while.in_a_row == 0 and not after_a_while.to_report
