"""What this machine offers a patch: audio devices, MIDI ports, a JACK server, and errors that name the fix.

Used by ``exsampling devices``, and by nodes when a device is missing or a network port is taken: the
performer reads which devices there are, or which parameter of which node to change, not a bare errno.
sounddevice and mido are imported inside functions (importing sounddevice starts PortAudio).
"""

from __future__ import annotations

import contextlib
import errno
import itertools
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any

from exsampling_patch.jack_cli import jack_tool, named_server

JACK_HOST_API = "JACK Audio Connection Kit"  # PortAudio's name for its JACK host
_JACK_NO_START_SERVER = 0x01  # libjack's JackNoStartServer: a probe must never start a server of its own


class PortInUse(OSError):
    """A network port a node must listen on is held by another program; the message names the fix."""

    def __str__(self) -> str:
        # An OSError's own text leads with "[Errno 98]", which the run's console showed before the port and the fix.
        return self.strerror or super().__str__()


@contextlib.contextmanager
def naming_busy_port(node: Any, param: str, port: int, protocol: str) -> Iterator[None]:
    """Turn "Address already in use" while binding ``port`` into a :class:`PortInUse` that names the node,
    the port and the parameter to change."""
    try:
        yield
    except OSError as error:
        if error.errno != errno.EADDRINUSE:
            raise
        raise PortInUse(errno.EADDRINUSE, busy_port_text(node, param, port, protocol)) from None


def busy_port_text(node: Any, param: str, port: int, protocol: str, zero: str = "0 for any free one") -> str:
    where = f"node '{node.node_id}' ({type(node).type_name})"
    return (f"{protocol} port {port} is already in use (another program, or another exsampling run, holds it): "
            f"{where} cannot listen on it; set its parameter '{param}' to a free port, or {zero}")


# -- audio -------------------------------------------------------------------------------------------------------


def audio_devices() -> list[dict[str, Any]]:
    """Every PortAudio device: index, name, host API, channels in and out, default rate, and whether it is
    the default input or output."""
    import sounddevice as sd

    apis = sd.query_hostapis()
    default_in, default_out = (sd.default.device[0], sd.default.device[1])
    rows = []
    for info in sd.query_devices():
        index = int(info["index"])
        rows.append({
            "index": index, "name": str(info["name"]), "host_api": str(apis[info["hostapi"]]["name"]),
            "inputs": int(info["max_input_channels"]), "outputs": int(info["max_output_channels"]),
            "default_samplerate": int(info["default_samplerate"]),
            "default_input": index == default_in, "default_output": index == default_out,
        })
    return rows


def describe_audio_device(row: dict[str, Any]) -> str:
    return (f"{row['index']} '{row['name']}' ({row['host_api']}, {row['inputs']} in, {row['outputs']} out, "
            f"{row['default_samplerate']} Hz)")


#: What to do when no device of a kind is there at all: a device parameter has nothing to name yet. PortAudio
#: looks for devices once, as the process starts: a server or card that comes later needs the patch run again.
NO_DEVICE_FIX = ("start a JACK server, or plug in and switch on the sound card, then run the patch again; "
                 "`.venv/bin/exsampling devices` lists the devices found")

#: The same, for a node that starts its audio process again once a JACK server answers (the sampler on its default
#: device): JACK alone needs no new run; a card plugged in later still does, PortAudio having looked once.
JACK_LATER_FIX = ("start a JACK server (the node plays through it as soon as it answers, no need to run the patch "
                  "again), or plug in and switch on the sound card, then run the patch again; `.venv/bin/exsampling "
                  "devices` lists the devices found")


#: For an output (the sampler): going on without sound, where none is to be had (docs/sampler.md, `device: none`).
SILENT_FIX = "; or, to run without sound (a patch that only feeds Live), set the node's 'device' parameter to none"


def missing_device_text(device: str, kind: str, error: BaseException,
                        rows: list[dict[str, Any]] | None = None, jack_later: bool = False) -> str:
    """The error of a device that would not open, with the devices present (``rows``, as :func:`audio_devices`
    lists them; asked here when not given) and the parameter to set, or what to do when there are none
    (``jack_later``: the node opens a JACK server started from now on by itself, :data:`JACK_LATER_FIX`)."""
    fix = JACK_LATER_FIX if jack_later else NO_DEVICE_FIX
    server = named_server()
    if server:  # the server looked for is that one, not any: another may well run
        fix = (f"JACK_DEFAULT_SERVER names the JACK server '{server}' (unset it for the default one): "
               + fix.replace("start a JACK server", "start that one", 1))
    if kind == "output":
        fix += SILENT_FIX
    head = f"cannot open sound device {device or '(default)'!r} for {kind}"
    why = error_words(error, kind)
    if rows is None:
        try:
            rows = audio_devices()
        except Exception as listing:  # PortAudio itself failed: say that instead
            said = str(listing) or "PortAudio gave no reason"
            return f"{head}: {why}; no audio devices could be listed ({said}); {fix}"
    key = "inputs" if kind == "input" else "outputs"
    found = [describe_audio_device(row) for row in rows if row[key] > 0]
    if not found:
        # PortAudio's own words then say nothing more ("Error querying device -1": no default device, as none is)
        missing = f"no audio {kind} device was found (no sound card, and no JACK server)"
        return f"{head}: {missing if why.startswith('there is no default') else f'{why}; {missing}'}: {fix}"
    return (f"{head}: {why}; {kind} devices present: {'; '.join(found)}; "
            f"set the node's 'device' parameter to one of them (number or part of the name)")


def error_words(error: BaseException, kind: str) -> str:
    """PortAudio's error in words: "Error querying device -1" is its way of saying that there is no default device
    (a device index of -1, paNoDevice); the console showed it as it came."""
    text = str(error)
    if text.startswith("Error querying device -1"):
        return f"there is no default {kind} device"
    return text


def parse_device(device: str) -> int | str | None:
    """A device parameter as sounddevice takes it: ``""`` is the default device, digits an index, anything else a
    (part of a) device name."""
    device = device.strip()
    if not device:
        return None
    return int(device) if device.isdigit() else device


def through_jack(device: int | str | None, kind: str | None = None) -> bool:
    """Whether a stream for ``kind`` (``"input"``, ``"output"``, or None: a stream's own device) on ``device`` (as
    :func:`parse_device` gives it) runs through PortAudio's JACK host: False for a device of another host, and for
    one no device matches."""
    import sounddevice as sd

    try:
        info: Any = sd.query_devices(device, kind)
        return bool(sd.query_hostapis(info["hostapi"])["name"] == JACK_HOST_API)
    except Exception:
        return False


def not_on_jack_text(device: str, kind: str) -> str:
    """The error of a ``device`` that the JACK server has not, for a stream that must run through JACK (it ran there
    before, and a new process opens it there or nowhere): the server's devices of ``kind``, no other host's."""
    try:
        rows = [row for row in audio_devices() if row["host_api"] == JACK_HOST_API]
    except Exception:  # PortAudio itself failed: missing_device_text asks again and says so
        rows = None
    return missing_device_text(device, kind, OSError("the JACK server has no such device"), rows)


# -- MIDI and JACK -----------------------------------------------------------------------------------------------


def midi_ports(api: str = "auto") -> dict[str, Any]:
    """The MIDI inputs and outputs that the nodes' backend (see :mod:`.midi_ports`) sees."""
    from exsampling_patch.midi_ports import backend

    chosen = backend(api)
    return {"backend": str(getattr(chosen, "name", "")), "api": str(getattr(chosen, "api", "") or ""),
            "inputs": list(chosen.get_input_names()), "outputs": list(chosen.get_output_names())}


def jack_client_name() -> str | None:
    """The JACK client name PortAudio registered for this process, to connect its ports (None without
    PortAudio's JACK host). Used by the microphone and the sampler's audio process."""
    import ctypes

    import sounddevice as sd

    try:
        lib = ctypes.CDLL(sd._libname)  # the library sounddevice loaded: the same PortAudio state
        name = ctypes.c_char_p()
        lib.PaJack_GetClientName.argtypes = [ctypes.POINTER(ctypes.c_char_p)]
        if lib.PaJack_GetClientName(ctypes.byref(name)) != 0 or not name.value:
            return None
        return name.value.decode()
    except (OSError, AttributeError):
        return None


_jack_client_name_kept: Any = None  # PortAudio keeps a pointer to the name, not a copy: held for the process's life


def name_jack_client(role: str) -> None:
    """Have PortAudio name this process's JACK client ``exsampling-<role>-<pid>``, not "PortAudio": called before
    the process first imports sounddevice (whose import starts PortAudio); afterwards it does nothing.

    Why: jack2 names a client's notification socket ``/dev/shm/jack_<client>_<uid>_0`` after the client alone, not
    its server (as :func:`probe_name` says), and binds it after unlinking whatever is there. Two processes whose
    clients of one name open at once on two servers (two runs or shows on one machine, each with its server) take
    each other's socket: one of them opens no JACK client, and its PortAudio has no JACK host for the process's life
    (its device cannot be opened: no input devices are present). Measured with two servers, each with processes
    starting the microphone's input process in a loop beside others opening PortAudio: 8 of 239 starts failed so,
    none of 197 named apart."""
    global _jack_client_name_kept
    if "sounddevice" in sys.modules or _jack_client_name_kept is not None:
        return
    import ctypes
    import ctypes.util

    try:
        # the library sounddevice loads (find_library's name): the same library, so the same PortAudio state
        lib = ctypes.CDLL(ctypes.util.find_library("portaudio") or "libportaudio.so.2")
        set_name = lib.PaJack_SetClientName
    except (OSError, AttributeError):  # no PortAudio, or one built without JACK: sounddevice says so itself
        return
    name = ctypes.create_string_buffer(f"exsampling-{role}-{os.getpid()}".encode()[:60])
    set_name.argtypes = [ctypes.c_char_p]
    if set_name(name) == 0:
        _jack_client_name_kept = name


def jack_client_died(stream: Any) -> bool:
    """Whether PortAudio's JACK client died under ``stream`` (a sounddevice stream): its JACK server stopped, or was
    restarted. PortAudio's JACK host then marks its streams inactive but not stopped, which nothing else does to
    a stream whose callback never ends it (the sampler's and the microphone's)."""
    if not through_jack(stream.device):
        return False
    try:
        return not stream.active and not stream.stopped
    except Exception:
        return False


def probe_name(prefix: str = "exs-probe") -> str:
    """A JACK client name no other process uses, nor another probe of this one: ``<prefix>-<pid>-<n>``.

    Why: jack2 names a client's socket ``/dev/shm/jack_<client>_<uid>_0`` after the client alone, not its server.
    Where several servers run (several runs, a second show on one machine), probes of one fixed name opening at
    once on two servers could clash: a server that runs then seemed gone."""
    return f"{prefix}-{os.getpid()}-{next(_probe_numbers)}"


_probe_numbers = itertools.count(1)


def jack_server_answers(client_name: str | None = None) -> bool:
    """Whether a JACK server answers now: a client of our own (named ``client_name``, else :func:`probe_name`),
    opened through libjack and closed at once (the server named by ``JACK_DEFAULT_SERVER``, never one started for
    it). Where none runs it fails at once, quietly. Works in a process whose PortAudio JACK client died with its
    server: libjack opens a fresh client."""
    import ctypes
    import ctypes.util

    try:
        lib = ctypes.CDLL(ctypes.util.find_library("jack") or "libjack.so.0")
    except OSError:
        return False
    lib.jack_client_open.restype = ctypes.c_void_p
    lib.jack_client_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    lib.jack_client_close.argtypes = [ctypes.c_void_p]
    status = ctypes.c_int(0)
    name = client_name or probe_name()
    client = lib.jack_client_open(name.encode(), _JACK_NO_START_SERVER, ctypes.byref(status))
    if not client:
        return False
    lib.jack_client_close(client)
    return True


@contextlib.contextmanager
def stderr_held() -> Iterator[list[bytes]]:
    """What this process (its C libraries too) writes to stderr meanwhile, held back: the list yielded holds it
    once the block ends, for the caller to pass on or drop."""
    import tempfile

    said: list[bytes] = []
    sys.stderr.flush()
    with tempfile.TemporaryFile() as held:
        saved = os.dup(2)
        os.dup2(held.fileno(), 2)
        try:
            yield said
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            if text := held.read():
                said.append(text)


_abandoned: list[Any] = []  # streams left open for good: see abandon_stream


def abandon_stream(stream: Any) -> None:
    """Leave ``stream``, whose JACK client died (:func:`jack_client_died`), open for good, and PortAudio
    unterminated. Stopping or closing it, PortAudio's JACK host waits 10 minutes for JACK's process thread, gone
    with the server; and ``Pa_Terminate`` (sounddevice's exit handler) asserts that JACK deactivated the client:
    the process died of SIGABRT at its exit (``pa_jack.c:820: Terminate: Assertion `err == 0' failed``). Nothing
    is lost: the process's end frees what PortAudio holds."""
    import atexit

    import sounddevice as sd

    _abandoned.append(stream)
    atexit.unregister(sd._exit_handler)


#: The exit status of a process whose PortAudio aborted as :func:`close_at_exit` closed its stream: SIGABRT's number,
#: which the signal handler passes to ``_exit``.
ABORTED_AT_CLOSE_EXIT = int(signal.SIGABRT)


#: How long closing a stream may take as its process ends (it takes some 60 ms) before the process ends without it.
CLOSE_SECONDS = 2.0


@contextlib.contextmanager
def ended_if_close_hangs(tell: Callable[[str], None], code: int, process: str) -> Iterator[None]:
    """Around the closing of a process's stream as the process ends: where it has not returned in
    :data:`CLOSE_SECONDS`, tell so (``process`` names the process) and end the process (exit status ``code``, as it
    would have had).

    Why: a JACK server that timed out on the process's client (the process suspended a few seconds: SIGSTOP, a
    debugger, a machine that stalled) answers none of its requests after that; PortAudio's close waits for the
    answer for good. The node's stop waited 8 s for it (its wait for the last messages, then for the exit) and
    killed it, and meanwhile the server, stuck on this client, answered no other client either. A process that
    ends leaves the server a dead client, which it removes."""
    closed = threading.Event()

    def watch() -> None:
        if closed.wait(CLOSE_SECONDS):
            return
        tell(f"the sound device did not close in {CLOSE_SECONDS:g} s (its JACK server no longer answers this "
             f"process, as after it was suspended): {process} ended without closing it")
        with contextlib.suppress(Exception):
            sys.stderr.flush()
        os._exit(code)

    threading.Thread(target=watch, name="close-watch", daemon=True).start()
    try:
        yield
    finally:
        closed.set()


def close_at_exit(stream: Any) -> None:
    """Stop and close ``stream`` (a sounddevice stream) and terminate PortAudio, in a process about to end.

    Why guarded: the stream's JACK server may go away under any of these calls (a patch stopped together with its
    server, within milliseconds). PortAudio's JACK host then asserts (``pa_jack.c:983 CleanUpStream``: unregistering
    the stream's ports fails; ``pa_jack.c:820`` in ``Pa_Terminate``) and the process died of SIGABRT, the assertion
    in the log. No check beforehand closes that window (the server can go just after it), so meanwhile an abort ends
    the process at once (``_exit``, exit status :data:`ABORTED_AT_CLOSE_EXIT`) without a word: the server is gone,
    nothing is left to free. What is written to stderr meanwhile is held back, and passed on once all went through.
    A live server gets the clean end (ports unregistered, client closed): a process that just exits leaves JACK to
    find its client dead, an xrun for every other client now and then."""
    import atexit
    import ctypes
    import tempfile

    import sounddevice as sd

    libc = ctypes.CDLL(None)
    libc.signal.restype = ctypes.c_void_p
    libc.signal.argtypes = [ctypes.c_int, ctypes.c_void_p]
    sys.stderr.flush()
    with tempfile.TemporaryFile() as held:
        saved = os.dup(2)
        os.dup2(held.fileno(), 2)
        previous = libc.signal(signal.SIGABRT, ctypes.cast(libc._exit, ctypes.c_void_p))
        try:
            stream.stop(ignore_errors=True)
            stream.close(ignore_errors=True)
            with contextlib.suppress(Exception):
                sd._terminate()  # here, not at the interpreter's exit: still guarded
                atexit.unregister(sd._exit_handler)
        finally:
            libc.signal(signal.SIGABRT, previous)
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            said = held.read()
    if said:
        os.write(2, said)


def jack_server() -> dict[str, Any]:
    """Whether a JACK server runs (``jack_lsp`` answers), which one, and its ports."""
    name = os.environ.get("JACK_DEFAULT_SERVER", "default")
    if shutil.which("jack_lsp") is None:
        return {"running": False, "server": name, "ports": [], "note": "jack_lsp not installed"}
    try:
        # asked again where it fails (jack_cli): one clash with another server's jack_lsp said none runs
        done = jack_tool("jack_lsp", env={**os.environ, "JACK_NO_START_SERVER": "1"})
    except (OSError, subprocess.TimeoutExpired) as error:
        return {"running": False, "server": name, "ports": [], "note": str(error)}
    running = done.returncode == 0
    ports = [line for line in done.stdout.splitlines() if line.strip()] if running else []
    return {"running": running, "server": name, "ports": ports}
