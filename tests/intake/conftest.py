"""Fixtures for the intake tests: a running engine with a web recorder feeding a probe, an HTTPS client, the skip of
the phone-page tests where tests/browser's playwright-core is not installed, and the Chromium a phone-page module keeps
for its scripts (record_take.js and others)."""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import os
import secrets
import shutil
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest
import soundfile as sf

from exsampling_patch.commands.stage import StageConsole
from exsampling_patch.messages import Take
from exsampling_patch.node import Input, Node
from exsampling_patch.nodes.web_recorder import WebRecorder
from exsampling_patch.nodes.web_recorder.busy import busy_reply
from exsampling_patch.nodes.web_recorder.upload import encode_wav_pcm16
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.ports import TAKE
from exsampling_patch.registry import Registry
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.runtime.events import Event, NodeStatus
from exsampling_patch.takes import PROCESSED_JOURNAL
from tests.worker_services import close_child

BROWSER = Path(__file__).resolve().parents[1] / "browser"  # the phone-page scripts (tests/browser)


class Probe(Node):
    """A sink that keeps every take it receives with the time it arrived."""

    type_name = "test_probe"
    family = "test"
    take = Input(TAKE, "takes", multiple=True)

    def start(self) -> None:
        self.received: list[tuple[float, Take]] = []
        self.arrived = threading.Condition()

    def on_take(self, take: Take) -> None:
        with self.arrived:
            self.received.append((time.monotonic(), take))
            self.arrived.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Take]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout)
            return [t for _, t in self.received]


def probe_of(engine: Engine, node_id: str = "probe") -> Probe:
    return cast(Probe, engine.node(node_id))


class KeepsOpen(Node):
    """A sink that keeps every take it is given open: each is still in flight when the patch stops."""

    type_name = "test_keeps_takes_open"
    family = "test"
    take = Input(TAKE, "takes", multiple=True)

    def start(self) -> None:
        self.kept: list[Take] = []
        self.lock = threading.Lock()

    def on_take(self, take: Take) -> None:
        assert self.keep_open(take)
        with self.lock:
            self.kept.append(take)


def recorder_console(events: list[Event], node_id: str = "rec") -> str:
    """What the stage console prints for the statuses of the web recorder ``node_id`` among ``events``."""
    patch = Patch()
    patch.add_node(NodeSpec(node_id, "web_recorder"))
    err = io.StringIO()
    console = StageConsole(patch, err=err)
    for event in events:
        if isinstance(event, NodeStatus) and event.node_id == node_id:
            console(event)
    return err.getvalue()


def rec_of(engine: Engine, node_id: str = "rec") -> WebRecorder:
    return cast(WebRecorder, engine.node(node_id))


def registry() -> Registry:
    reg = Registry.default(entry_points=False)
    reg.register(Probe, "tests")
    return reg


def recorder_engine(folder: Path, state: Path | None = None, *, check: bool = True, events: list[Any] | None = None,
                    **params: Any) -> Engine:
    """An engine running web_recorder -> test_probe (:func:`probed_recorder`); with ``check`` False, as a restart
    finds it (the recovery thread may report an error at once). ``events`` gets every runtime event from before the
    start on."""
    engine = Engine(registry(), base_dir=folder)
    if events is not None:
        engine.events.subscribe(events.append)
    engine.start(probed_recorder(folder, state, **params))
    assert not check or not engine.errors, engine.errors
    return engine


def probed_recorder(base: Path, state: Path | None = None, /, **params: Any) -> Patch:
    """web_recorder ``rec`` -> test_probe ``probe``, the recorder's takes in ``base/takes``, its state in ``state``
    (``base/state``), on a free port of 127.0.0.1, no QR code; ``params`` added (``folder`` too)."""
    patch = Patch()
    state = state or base / "state"
    settings = {"folder": str(base / "takes"), "state_folder": str(state), "host": "127.0.0.1",
                "port": 0, "print_qr": False, **params}
    patch.add_node(NodeSpec("rec", "web_recorder", settings))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("rec.take", "probe.take")
    return patch


class Client:
    """Talks to a running recorder over HTTPS, verifying its self-signed certificate, as one phone.

    Like the page, it sends its own phone key (``X-Phone-Key``) with every request: the take list shows
    the takes uploaded with that key only.
    """

    def __init__(self, engine: Engine, cert: Path | None, node_id: str = "rec") -> None:
        rec = rec_of(engine, node_id)
        # start() (an edit's too: engine.update returns once it did) sets the server or raises, reported on the node:
        # its error, not a bare AttributeError, says why a phone could not reach it
        assert getattr(rec, "server", None) is not None, f"recorder {node_id!r} has no server: {engine.errors}"
        self.port = rec.server.port
        self.token = rec.server.token
        self.tls = ssl.create_default_context(cafile=str(cert)) if cert else None
        self.phone_key = secrets.token_urlsafe(16)

    def connection(self) -> http.client.HTTPConnection:
        if self.tls is None:
            return http.client.HTTPConnection("127.0.0.1", self.port, timeout=20)
        return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=20, context=self.tls)

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
                token: str | None = "default") -> tuple[int, Any]:
        conn = self.connection()
        sep = "&" if "?" in path else "?"
        if token == "default":
            token = self.token
        url = path if token is None else f"{path}{sep}token={token}"
        headers = {"X-Phone-Key": self.phone_key, **(headers or {})}
        try:
            conn.request(method, url, body=body, headers=headers)
            reply = conn.getresponse()
            data = reply.read()
        finally:
            conn.close()
        kind = reply.getheader("Content-Type", "")
        return reply.status, json.loads(data) if data and kind.startswith("application/json") else data

    def upload(self, wav: bytes, recorder: str = "Mika", **headers: str) -> tuple[int, Any]:
        hdrs = {"Content-Type": "audio/wav", "X-Recorder": recorder}
        hdrs.update({f"X-{k.replace('_', '-').title()}": v for k, v in headers.items()})
        return self.request("POST", "/api/takes", wav, hdrs)


def last_run_take(folder: Path, state: Path, wav: bytes) -> tuple[str, Client, tuple[int, Any]]:
    """A run of :func:`recorder_engine` on the state folder ``state``, writable, in which a phone's take "last-run"
    (``wav``) is stored and passed on: the run's pairing token, the phone, and its upload's answer."""
    engine = recorder_engine(folder, state)
    try:
        token = rec_of(engine).server.token
        phone = Client(engine, state / "recorder-cert.pem")
        first = phone.upload(wav, take_id="last-run")
        assert first[0] == 201, first
        assert len(probe_of(engine).wait_for(1)) == 1
    finally:
        engine.stop()
    return token, phone, first


def sent_again_on_a_copy(engine: Engine, state: Path, token: str, phone: Client, wav: bytes) -> tuple[int, Any]:
    """In a run whose recorder keeps its state on a copy of ``state``: the phones' pairing ``token`` and certificate
    still work, a take "this-run" is passed on, and the answer to ``phone``'s take "last-run" sent again (its reply
    lost), which the test judges."""
    assert rec_of(engine).server.token == token  # the phones' link still works
    client = Client(engine, state / "recorder-cert.pem")  # and their certificate
    client.phone_key = phone.phone_key
    again = client.upload(wav, take_id="last-run")  # its reply lost: the same phone sends it again
    assert client.upload(wav, take_id="this-run")[0] == 201
    assert len(probe_of(engine).wait_for(1)) == 1
    return again


def stored_not_done(folder: Path, state: Path, wav: bytes, recorder: str, take_id: str) -> tuple[Client, Any]:
    """A phone's take uploaded and stored, then the disk as a kill -9 leaves it: the take not written down as
    done in the processed journal. Returns the phone (a retry reuses its key) and the upload's reply."""
    engine = recorder_engine(folder, state)
    try:
        client = Client(engine, state / "recorder-cert.pem")
        status, first = client.upload(wav, recorder=recorder, take_id=take_id)
        assert status == 201 and engine.wait_idle()
    finally:
        engine.stop()
    journal = folder / "takes" / PROCESSED_JOURNAL
    journal.write_text(journal.read_text().replace(first["take_id"] + "\n", ""))
    return client, first


def make_full(path: Path) -> None:
    """The disk under this process's open file ``path`` is full from now on: its descriptor writes to /dev/full."""
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # the listing's own descriptor, closed
        if target == str(path):
            full = os.open("/dev/full", os.O_WRONLY)
            os.dup2(full, int(fd))
            os.close(full)
            return
    raise AssertionError(f"{path} is not open")


needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full")


@contextlib.contextmanager
def take_with_a_full_file(tmp_path: Path, name: str) -> Iterator[tuple[Client, Any, list[Any]]]:
    """A recorder engine over plain HTTP, its state in ``tmp_path/state``, whose state file ``name`` is on a full disk
    from just after its start (:func:`make_full`), sent one take (phone take id ``full-1``) that reached its end: a
    client of it, the upload's reply, and every runtime event; the engine stopped after the block."""
    events: list[Any] = []
    engine = recorder_engine(tmp_path, tmp_path / "state", events=events, https=False)
    try:
        make_full(tmp_path / "state" / name)
        client = Client(engine, None)
        status, reply = client.upload(encode_wav_pcm16(sine(), 48000), take_id="full-1")
        assert status == 201 and engine.wait_idle(settle=0.1)
        yield client, reply, events
    finally:
        engine.stop()


@pytest.fixture
def spare_temp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``tmp_path/temp``, made, as tempfile's folder for the test: where a recorder whose state folder cannot be made
    or written keeps its run's copy of the state."""
    folder = tmp_path / "temp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def lockable_state(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], None]]]:
    """The state folder ``tmp_path/state``, made and writable, and how to lock it."""
    folder = tmp_path / "state"
    folder.mkdir()
    if os.geteuid() != 0:
        yield folder, lambda: folder.chmod(0o555)
        folder.chmod(0o755)
        return
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(folder)],
                      capture_output=True).returncode != 0:
        pytest.skip("running as root, a folder's mode does not stop a write, and mounting a tmpfs failed")

    def lock() -> None:
        done = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"remounting the tmpfs read-only failed: {done.stderr.strip()}")

    try:
        yield folder, lock
    finally:
        subprocess.run(["umount", str(folder)], check=True)


def unlock(state: Path) -> None:
    """``state``, locked by :func:`lockable_state`, writable again."""
    if os.geteuid() != 0:
        state.chmod(0o755)
        return
    done = subprocess.run(["mount", "-o", "remount,rw", str(state)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def sine(freq: float = 440.0, seconds: float = 1.0, rate: int = 48000, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture(scope="session")
def recorder_state(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One certificate for the tests that do not test its making (openssl takes a while)."""
    return tmp_path_factory.mktemp("recorder-state")


@pytest.fixture
def recorder(tmp_path: Path, recorder_state: Path) -> Iterator[tuple[Engine, Client]]:
    engine = recorder_engine(tmp_path, recorder_state)
    try:
        yield engine, Client(engine, recorder_state / "recorder-cert.pem")
    finally:
        engine.stop()


@pytest.fixture
def playwright() -> None:
    """Skips a test run through tests/browser's scripts where playwright-core is not installed there."""
    if shutil.which("node") is None or not (BROWSER / "node_modules" / "playwright-core").exists():
        pytest.skip("playwright-core is not installed (scripts/bootstrap.sh runs npm ci in tests/browser)")


class PhoneScript:
    """A phone script the :class:`PhoneRunner` runs, as the test beside it sees it: what it used of a script's own
    process (poll, communicate, kill, returncode)."""

    def __init__(self, runner: PhoneRunner, node: subprocess.Popen[str], script: str) -> None:
        self._runner, self._node, self.script = runner, node, script
        self._log_from = runner.log.stat().st_size  # the runner's stderr from here on is told with this script's
        self.returncode: int | None = None
        self._output = ("", "")
        self._answer: list[str] = []
        self._done = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        """The runner's line for this script, once its main() has settled (none where the runner ended first)."""
        assert self._node.stdout is not None
        for line in self._node.stdout:
            if line.startswith("PHONE_RUNNER "):
                self._answer.append(line)
                break
        self._done.set()

    def _settle(self) -> None:
        if self.returncode is not None:
            return
        if self._answer:
            done = json.loads(self._answer[0].removeprefix("PHONE_RUNNER "))
            self.returncode, self._output = done["rc"], (done["stdout"], done["stderr"])
        else:
            self.returncode = self._node.wait()
            self._output = ("", f"phone_runner.js ended ({self.returncode}) running {self.script}")
        # What the runner wrote meanwhile (a script answered already failing late, Node's own errors): shown where a
        # test shows this script's stderr, never failing it.
        with self._runner.log.open("rb") as log:
            log.seek(self._log_from)
            told = log.read().decode(errors="replace")
        if told:
            self._output = (self._output[0], f"{self._output[1]}phone_runner.js stderr meanwhile:\n{told}")

    def poll(self) -> int | None:
        if not self._done.is_set():
            return None
        self._settle()
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """What the script printed, stdout and stderr, once it ended: within ``timeout`` or TimeoutExpired."""
        if not self._done.wait(timeout):
            raise subprocess.TimeoutExpired(["phone_runner.js", self.script], timeout or 0)
        self._settle()
        return self._output

    def kill(self) -> None:
        """The script ended where it still runs: with the runner it runs in (the next script starts another)."""
        if not self._done.is_set():
            self._runner.kill(self._node)
            self._done.wait()


class PhoneRunner:
    """One Node process (tests/browser/phone_runner.js) that runs the phone scripts of the test run one after another:
    a script started as a process of its own spent about a second loading Node and playwright-core, more on a loaded
    2-core host, in every test. Started at its first script; a script killed (past its timeout) ends it, and the next
    starts another."""

    def __init__(self) -> None:
        self._node: subprocess.Popen[str] | None = None
        # Its stderr, appended to by every runner of the test run (O_APPEND: read meanwhile from another descriptor).
        handle, name = tempfile.mkstemp(prefix="phone_runner-", suffix=".log")
        os.close(handle)
        self.log = Path(name)

    def start(self, script: str, args: list[str], env: dict[str, str]) -> PhoneScript:
        """``script`` started with ``args`` in the environment ``env`` (whole), the one script the runner runs."""
        if self._node is None or self._node.poll() is not None:
            with self.log.open("a") as log:
                self._node = subprocess.Popen(["node", str(BROWSER / "phone_runner.js")], stdin=subprocess.PIPE,
                                              stdout=subprocess.PIPE, stderr=log, text=True)
        assert self._node.stdin is not None
        self._node.stdin.write(json.dumps({"script": script, "args": args, "env": env}) + "\n")
        self._node.stdin.flush()
        return PhoneScript(self, self._node, script)

    def run(self, script: str, args: list[str], timeout: float, env: dict[str, str]) -> tuple[int, str, str]:
        """``script`` run to its end as :meth:`start` starts it: its exit status, stdout and stderr."""
        running = self.start(script, args, env)
        try:
            out, err = running.communicate(timeout)
        except subprocess.TimeoutExpired:
            running.kill()
            raise
        assert running.returncode is not None
        return running.returncode, out, err

    def kill(self, node: subprocess.Popen[str]) -> None:
        node.kill()
        node.wait()
        if self._node is node:
            self._node = None

    def close(self) -> None:
        node, self._node = self._node, None
        if node is not None:
            close_child(node, 10)
        self.log.unlink(missing_ok=True)


class PhoneBrowsers:
    """Chromium kept for the test run (tests/browser/phone_browser.js), one per microphone: each test's script connects
    to it and opens a context of its own (its own storage, permissions, location), instead of launching a browser
    of its own, a second or so of every test (and of every module, when it was kept per module)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._running: dict[tuple[float, float], tuple[subprocess.Popen[str], Path, str]] = {}
        self.runner = PhoneRunner()

    def microphone(self, frequency: float, amplitude: float) -> tuple[Path, dict[str, str]]:
        """The WAV the microphone plays, an 8 s sine of ``frequency`` Hz (longer than any take; whole periods, so
        seamless where the device plays it again), and the environment that has a script use its browser."""
        key = (frequency, amplitude)
        if key not in self._running:
            fed = microphone_wav(self.folder / f"mic-{frequency:g}-{amplitude:g}.wav", frequency, amplitude)
            server = subprocess.Popen(["node", str(BROWSER / "phone_browser.js"), str(fed)], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            assert server.stdout is not None
            line = server.stdout.readline()
            if not line:
                server.kill()
                raise AssertionError(f"phone_browser.js ended: {server.wait()}")
            self._running[key] = (server, fed, json.loads(line)["endpoint"])
        _, fed, endpoint = self._running[key]
        return fed, {"PHONE_BROWSER": endpoint}

    def close(self) -> None:
        self.runner.close()
        for server, _, _ in self._running.values():
            assert server.stdin is not None
            server.stdin.close()  # phone_browser.js closes its browser
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


_BROWSERS: list[PhoneBrowsers] = []


@pytest.fixture(scope="session")
def phone_browsers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The run's Chromium, one per microphone (:func:`microphone`), launched at the first test that asks for it; a
    phone-page module asks for it in its pytestmark. Each script's context is its own: nothing a test leaves in the
    browser is seen by the next."""
    browsers = PhoneBrowsers(tmp_path_factory.mktemp("phones"))
    _BROWSERS.append(browsers)
    try:
        yield
    finally:
        _BROWSERS.remove(browsers)
        browsers.close()


def microphone(frequency: float = 440.0, amplitude: float = 0.4) -> tuple[Path, dict[str, str]]:
    """The run's browser whose microphone plays a sine of ``frequency`` Hz at ``amplitude``: its WAV, and the
    environment that has a script (tests/browser) use that browser."""
    assert _BROWSERS, "no phone browser: the test module asks for the phone_browsers fixture in its pytestmark"
    return _BROWSERS[-1].microphone(frequency, amplitude)


def record_take(tmp_path: Path, url: str, name: str, seconds: str, frequency: float = 440.0,
                place: tuple[str, str] = ("48.8584", "2.2945"), env: dict[str, str] | None = None) -> dict[str, Any]:
    """Chromium as a phone (``record_take.js``) records a take of ``seconds`` as ``name`` at ``place`` (``""``:
    the location refused), its microphone fed an 8 s sine of ``frequency`` Hz (longer than the take: no loop
    seam), and sends it to ``url``; what the page showed (its JSON report)."""
    fed, browser = microphone(frequency)
    busy = {"PHONE_BUSY_HEADERS": json.dumps(busy_headers()), "PHONE_TLS_DIR": str(tmp_path / "state")}
    result: dict[str, Any] = run_phone("record_take.js", url, fed, *place, seconds, name,
                                       env={**browser, **busy, **(env or {})})
    return result


def microphone_wav(path: Path, frequency: float = 440.0, amplitude: float = 0.4) -> Path:
    """``path`` written as the WAV a phone script's Chromium plays as its microphone: an 8 s sine of ``frequency`` Hz
    (longer than any take)."""
    sf.write(path, sine(frequency, 8.0, 48000, amplitude), 48000, subtype="PCM_16")
    return path


def run_phone(script: str, *args: str | Path, timeout: float = 90, env: dict[str, str] | None = None) -> Any:
    """The phone-page script ``script`` (tests/browser) run to its end with ``args``, ``env`` added to this process's
    environment: the JSON it printed last. Fails, with what it wrote, where it ends in error. Run by the test run's
    :class:`PhoneRunner` where a module keeps the phone browsers, else as a process of its own."""
    full_env = {**os.environ, **(env or {})}
    if _BROWSERS:
        rc, out, err = _BROWSERS[-1].runner.run(script, list(map(str, args)), timeout, full_env)
    else:
        run = subprocess.run(["node", str(BROWSER / script), *map(str, args)], capture_output=True, text=True,
                             timeout=timeout, env=full_env)
        rc, out, err = run.returncode, run.stdout, run.stderr
    assert rc == 0, err + out
    return json.loads(out.strip().splitlines()[-1])


def start_phone(script: str, *args: str | Path, env: dict[str, str] | None = None) -> PhoneScript:
    """The phone-page script ``script`` (tests/browser) started with ``args``, ``env`` added to this process's
    environment, by the test run's :class:`PhoneRunner`, for a test that acts beside it (its signals: wait_for_signal)
    and ends it with :func:`shut_down`."""
    assert _BROWSERS, "no phone browser: the test module asks for the phone_browsers fixture in its pytestmark"
    return _BROWSERS[-1].runner.start(script, list(map(str, args)), {**os.environ, **(env or {})})


def wait_for_signal(phone: subprocess.Popen[str] | PhoneScript, signals: Path, name: str, seconds: float) -> None:
    """Until the phone-page script running as ``phone`` has made ``signals / name``; fails with what the script wrote
    where it ends first, or after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not (signals / name).exists():
        if phone.poll() is not None:  # ended: what it wrote (a process's pipes a child of its own may hold open)
            raise AssertionError(f"ended ({phone.returncode}) before {name}: {phone.communicate(timeout=10)}")
        # Still running: its output comes only at its end, never where it hangs (shut_down kills it)
        assert time.monotonic() < deadline, f"no {name} within {seconds:g} s, the script still running"
        time.sleep(0.05)


def shut_down(phone: subprocess.Popen[str] | PhoneScript, *engines: Engine | None) -> None:
    """The end of a test that ran a phone-page script beside recorders: the script killed where it still runs, then
    the recorders stopped (``None``: one not started)."""
    if phone.poll() is None:
        phone.kill()
        phone.communicate()
    for engine in engines:
        if engine is not None:
            engine.stop()


def busy_headers() -> dict[str, str]:
    """The headers of the recorder's real busy answer to an upload (busy.py), for record_take.js's fake one: all but
    Retry-After (each test says its own, or none), the length and the connection's (the browser's business)."""
    head = busy_reply(api=True).split(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")[1:]
    fields = dict(line.split(": ", 1) for line in head)
    return {name: value for name, value in fields.items()
            if name not in ("Retry-After", "Content-Length", "Connection")}
