"""Asking whether a JACK server answers opens a client of a name of its own, on a server of the test's own
(:mod:`tests.jack_server`). jack2 names a client's socket after the client alone, not its server: probes of the
fixed name ``exs-probe`` opening at once on two servers (two runs, two shows) could clash, and a server that runs
seemed gone. The names are those JACK itself announces to a client watching the server."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("jackd") is None, reason="needs jackd (the JACK dummy driver)")

REGISTRATION = ctypes.CFUNCTYPE(None, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p)


class Watcher:
    """An active JACK client that records the name of each client the server registers."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(ctypes.util.find_library("jack") or "libjack.so.0")
        self.lib.jack_client_open.restype = ctypes.c_void_p
        self.lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
        self.lib.jack_set_client_registration_callback.argtypes = [ctypes.c_void_p, REGISTRATION, ctypes.c_void_p]
        self.lib.jack_activate.argtypes = [ctypes.c_void_p]
        self.lib.jack_deactivate.argtypes = [ctypes.c_void_p]
        self.lib.jack_client_close.argtypes = [ctypes.c_void_p]
        self.names: list[str] = []
        self.seen = threading.Condition()
        self.callback = REGISTRATION(self._registered)  # referenced here: libjack calls it until the close
        status = ctypes.c_int(0)
        self.client = self.lib.jack_client_open(f"exs-watch-{os.getpid()}".encode(), 0x01, ctypes.byref(status))
        assert self.client, f"status {status.value:#x}"
        assert self.lib.jack_set_client_registration_callback(self.client, self.callback, None) == 0
        assert self.lib.jack_activate(self.client) == 0

    def _registered(self, name: bytes, registered: int, arg: object) -> None:
        if registered:
            with self.seen:
                self.names.append(name.decode())
                self.seen.notify_all()

    def wait_for(self, count: int) -> list[str]:
        with self.seen:
            self.seen.wait_for(lambda: len(self.names) >= count, timeout=10)
            return list(self.names)

    def close(self) -> None:
        self.lib.jack_deactivate(self.client)
        self.lib.jack_client_close(self.client)


def test_each_probe_opens_a_client_of_a_name_of_its_own(private_jack: subprocess.Popen[bytes]) -> None:
    from exsampling_patch.devices import jack_server_answers
    from exsampling_patch.nodes.sampler.stream import JackGraph

    watcher = Watcher()
    try:
        assert jack_server_answers() and jack_server_answers()
        JackGraph().close()  # the sampler's reading of the playback latency: a client opened the same way
        names = watcher.wait_for(3)
    finally:
        watcher.close()
    assert len(names) == 3 and len(set(names)) == 3, names
    probes, graph = names[:2], names[2]
    assert all(name.startswith(f"exs-probe-{os.getpid()}-") for name in probes), names
    assert graph.startswith(f"exs-latency-{os.getpid()}-"), names
    private_jack.terminate()
    private_jack.wait(10)
    assert not jack_server_answers(), "the server gone: a probe tells it"


# A test process whose PortAudio runs on the shared server (an earlier test imported sounddevice), then probes a
# private server (tests.jack_server) and stops it, as the test above does; then uses PortAudio again.
PORTAUDIO_THEN_PRIVATE = """
import os
import pytest
import sounddevice as sd
from exsampling_patch.devices import JACK_HOST_API, jack_client_name, jack_server_answers
from tests.jack_server import private_server

assert JACK_HOST_API in {api["name"] for api in sd.query_hostapis()}  # its JACK client, active on the shared server
shared = os.environ["JACK_DEFAULT_SERVER"]
with pytest.MonkeyPatch.context() as monkeypatch:
    servers = private_server(monkeypatch)
    jackd = next(servers)
    assert jack_server_answers()
    jackd.terminate()
    jackd.wait(10)
    assert not jack_server_answers()
    next(servers, None)
assert os.environ["JACK_DEFAULT_SERVER"] == shared
print("PortAudio's JACK client:", jack_client_name())
"""


@pytest.mark.jack
def test_a_private_server_probed_and_stopped_leaves_the_test_process_portaudio_whole() -> None:
    """Before: libjack's client of PortAudio's JACK host on the shared server died of SIGSEGV once this process had
    opened a client on the private server (tests/core/test_jack_probe.py crashed pytest after
    tests/intake/test_microphone.py). Now PortAudio is set aside while a private server runs, and back after."""
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", PORTAUDIO_THEN_PRIVATE], cwd=repo, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    client = done.stdout.strip().rpartition(": ")[2]
    assert client not in ("", "None"), done.stdout  # initialised again, on the shared server
