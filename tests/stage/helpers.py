"""Running ``exsampling run`` as a performer does: a process of its own, stopped with a signal to its group."""

from __future__ import annotations

import contextlib
import http.client
import io
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf
import yaml

REPO = Path(__file__).resolve().parents[2]
EXE = [sys.executable, "-m", "exsampling_patch"]


def free_port(kind: int = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def default_patch(tmp_path: Path, **params: dict[str, Any]) -> Path:
    """The shipped default patch in ``tmp_path/patches`` (its session folder beside it), the recorder on a free
    port, without the QR code; ``params`` update nodes' parameters by node id."""
    data = yaml.safe_load((REPO / "patches" / "exsampling.yaml").read_text(encoding="utf-8"))
    wanted = {"recorder": {"port": free_port(), "print_qr": False}, "live": {"port": free_port(socket.SOCK_DGRAM)}}
    for node_id, values in params.items():
        wanted.setdefault(node_id, {}).update(values)
    for node in data["nodes"]:
        node.setdefault("params", {}).update(wanted.get(node["id"], {}))
    folder = tmp_path / "patches"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "exsampling.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def phones_yaml(port: int, token: str = "the-current-token-0123456789") -> str:
    """A patch's YAML node ``phones``: a web recorder on 127.0.0.1:``port`` over plain HTTP (phones' uploads sent by
    :func:`upload_tone`), no QR code, its takes in ``takes`` and its state in ``state``, its token ``token``."""
    return f"""- id: phones
  type: web_recorder
  params: {{host: 127.0.0.1, port: {port}, https: false, print_qr: false, folder: takes, state_folder: state,
            token: {token}}}"""


def upload_tone(port: int, recorder: str, token: str = "the-current-token-0123456789") -> None:
    """Send a phone's take (0.1 s of a 220 Hz tone, WAV) to the web recorder on ``port``, as ``recorder``."""
    body = io.BytesIO()
    sf.write(body, (0.3 * np.sin(2 * np.pi * 220 * np.arange(4800) / 48000)).astype(np.float32), 48000, format="WAV",
             subtype="PCM_16")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("POST", f"/api/takes?token={token}", body=body.getvalue(), headers={"X-Recorder": recorder})
        assert connection.getresponse().status in (200, 201, 202)
    finally:
        connection.close()


class Run:
    """``exsampling run ARGS`` in a new process group; stdout and stderr lines with when they came."""

    def __init__(self, *args: str, cwd: Path = REPO, env: dict[str, str] | None = None) -> None:
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            [*EXE, "run", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
            start_new_session=True, env={**os.environ, **(env or {})},
        )
        self.lines: queue.SimpleQueue[tuple[float, str, str]] = queue.SimpleQueue()
        self.stdout: list[str] = []
        self.stderr: list[str] = []
        self._readers = [threading.Thread(target=self._read, args=(stream, name, into), daemon=True)
                         for stream, name, into in ((self.process.stdout, "out", self.stdout),
                                                    (self.process.stderr, "err", self.stderr))]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: Any, name: str, into: list[str]) -> None:
        for line in stream:
            into.append(line)
            self.lines.put((time.monotonic(), name, line))

    def wait_for(self, text: str, timeout: float = 120.0) -> float:
        """Wait for a line containing ``text`` on either stream; when it came."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                when, _, line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                self.kill()
                raise AssertionError(f"no line with {text!r} in {timeout} s:\n{self.output()}") from None
            if text in line:
                return when

    def children(self) -> list[int]:
        """Ids of the run's child processes (and theirs)."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            try:
                for task in os.listdir(f"/proc/{pid}/task"):
                    with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as file:
                        kids = [int(k) for k in file.read().split()]
                    found += kids
                    todo += kids
            except OSError:
                continue
        return found

    def signal_group(self, signum: int = signal.SIGINT) -> float:
        """Send ``signum`` to the run's whole process group, as a terminal's Ctrl+C does; when it was sent."""
        os.killpg(self.process.pid, signum)
        return time.monotonic()

    def wait(self, timeout: float = 30.0) -> int:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise
        for reader in self._readers:
            reader.join(5.0)
        return code

    def kill(self) -> None:
        for pid in [self.process.pid, *self.children()]:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(10)

    def output(self) -> str:
        return "".join(self.stdout) + "".join(self.stderr)


def one_node_run(tmp_path: Path, plugin: str, node_id: str, type_name: str, *args: str,
                 env: dict[str, str] | None = None) -> Run:
    """``exsampling run ARGS`` of a patch of one node ``node_id`` of ``type_name``, its plugin's source ``plugin``
    written as ``tmp_path/nodes/TYPE_NAME.py`` (the patch's node_dirs): no show log, its log in ``tmp_path/run.log``,
    ``env`` added."""
    nodes = tmp_path / "nodes"
    nodes.mkdir()
    (nodes / f"{type_name}.py").write_text(plugin, encoding="utf-8")
    patch = tmp_path / "patch.yaml"
    patch.write_text(f"exsampling_patch: 1\nnode_dirs: [{nodes}]\nnodes:\n- {{id: {node_id}, type: {type_name}}}\n"
                     "links: []\n", encoding="utf-8")
    return Run(str(patch), "--show-log", "none", "--log", str(tmp_path / "run.log"), *args, env=env)
