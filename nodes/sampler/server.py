"""The sampler's audio process: the audio callback with an interpreter (and a GIL) of its own.

In the node's process the callback shares the GIL with every other node (the classifier, resampling,
the web server): a block could wait for a worker's time slice and, under load, miss its deadline.
Here, the process does little else: its main thread receives takes from the node, and rtmidi's thread
queues notes. Started by :class:`.host.AudioProcess` as a child process
(:mod:`exsampling_patch.child_process`) that runs :func:`serve`; the messages both ways are those of
:mod:`.protocol`.
"""

from __future__ import annotations

import array
import contextlib
import dataclasses
import gc
import os
import socket
import sys
import threading
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection
from multiprocessing.reduction import ACKNOWLEDGE, ForkingPickler

import numpy as np

from exsampling_patch.child_process import Stop, Stopping
from exsampling_patch.devices import ended_if_close_hangs, name_jack_client
from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.handoff import Arena, map_samples
from exsampling_patch.nodes.sampler.prepare import GUARD, SlotBuffer
from exsampling_patch.nodes.sampler.rig import SWITCH_INTERVAL, AudioConfig, AudioRig
from exsampling_patch.nodes.sampler.shared import SharedState

LOADER_PRIORITY = 5  # SCHED_FIFO priority of this process's threads; JACK's clients run near 65
GC_EVERY = 10_000  # allocations between young-generation collections (made by the loader thread)


def serve(connection: Connection) -> int:
    """Run the rig the node describes until it says stop or goes away. Returns the exit status."""
    name_jack_client("sampler")  # before anything starts PortAudio: see its why
    setup: msg.Setup = connection.recv()
    config = setup.config
    assert isinstance(config, AudioConfig)
    sys.setswitchinterval(SWITCH_INTERVAL)
    _realtime_if_allowed()
    send_lock = threading.Lock()

    def send(message: msg.Rate | msg.Ready | msg.Opened | msg.MidiPorts | msg.Error | msg.Status | msg.Staged
             | msg.Loaded | msg.Freed | msg.Unread | Stopping | msg.Stopped) -> None:
        with send_lock, contextlib.suppress(OSError):  # the node has gone: the main loop notices and ends
            connection.send(message)

    opened, quiet = threading.Event(), threading.Event()
    threading.Thread(target=_notice_unopened, args=(opened, quiet, send, config.open_notice),
                     name="sampler-open-notice", daemon=True).start()

    def report_error(text: str, about: str = "") -> None:
        if about == "device":  # it says why the stream is not open: no notice on top (a MIDI port's error does not)
            quiet.set()
        send(msg.Error(text, about))

    def on_opened(jack_client: str | None) -> None:
        opened.set()
        send(msg.Opened(jack_client))

    if config.sample_rate <= 0:  # the device's own rate, asked here (the node does not start PortAudio)
        from exsampling_patch.nodes.sampler.stream import device_rate

        config = dataclasses.replace(config, sample_rate=device_rate(config.device))
    send(msg.Rate(config.sample_rate))

    state = SharedState.attach(config.slots, setup.state_fd)
    arena = Arena.attach(setup.arena_fd, setup.arena_bytes)
    jack_back = threading.Event()
    rig = AudioRig(config, state, report_error=report_error, report_status=lambda **values: send(msg.Status(values)),
                   report_about=report_error,
                   on_opened=on_opened, pool=arena,
                   on_jack_back=jack_back.set)
    rig.start()
    # The callback makes no reference cycles, so the cyclic collector has nothing to find here; left on, a
    # full collection (all of numpy's and sounddevice's objects) holds the GIL for milliseconds, mid-block.
    # Freeze what start-up made and collect only now and then, on this thread, when little is new.
    gc.collect()
    gc.freeze()
    gc.disable()
    send(msg.Ready())
    ports: list[str] = []
    staged: dict[int, tuple[np.ndarray, int]] = {}  # samples sent ahead and their arena offset, by key
    reading: dict[int, weakref.ref[np.ndarray]] = {}  # arena offset -> the samples the rig reads there
    received = taken = 0  # the node's messages received so far; the latest whose samples were taken

    def samples(offset: int, frames: int) -> tuple[np.ndarray, int]:
        nonlocal taken
        taken = received
        if offset < 0:  # a file of its own follows
            fd = _receive_file(connection)  # EOFError or OSError here: the node has gone
            try:
                return map_samples(fd, frames), -1
            except (OSError, ValueError) as error:
                raise _NotHandled(f"its samples could not be mapped: {_words(error)}") from error
        data = arena[offset:offset + frames + GUARD]
        reading[offset] = weakref.ref(data)
        return data, offset

    def load(slot: int, data: np.ndarray, offset: int, frames: int, pitch_hz: float, serial: int,
             due: float) -> None:
        # A view into the arena costs nothing to drop, in the callback or anywhere: keep none of those.
        rig.load(slot, SlotBuffer(data, frames, pitch_hz, serial=serial, offset=offset, due=due), retain=offset < 0)

    code = 0
    after_unread = False  # the latest message could not be read: a take's file may follow it
    try:
        while True:
            if jack_back.is_set():  # the node starts a new process, whose PortAudio finds the server
                code = msg.JACK_BACK_EXIT
                break
            if connection.poll(0.1):
                if after_unread:
                    after_unread = False
                    _drop_passed_file(connection)
                received += 1
                try:
                    message = _receive(connection)
                except _NotHandled as error:
                    after_unread = True
                    send(msg.Unread(received))
                    send(msg.Error(f"a message from the sampler node could not be read ({error}): ignored, the "
                                   "sampler plays on"))
                    continue
                if isinstance(message, Stop):
                    send(Stopping())  # at once: the node takes a process that does not answer for hung
                    break
                try:
                    _handle(message, staged, samples, load, send)
                except _NotHandled as error:
                    if taken != received:  # its block, if any, is in no reading: Freed never names it
                        send(msg.Unread(received))
                    if not error.told:  # a take's Load: answered (msg.Loaded), the node names the take
                        send(msg.Error(f"{error}; the sampler plays on"))
            # Blocks nothing reads any more (the callback has moved on, a staged take was dropped) go back.
            freed = [offset for offset, ref in reading.items() if ref() is None]
            if freed:
                for offset in freed:
                    del reading[offset]
                send(msg.Freed(freed))
            if gc.get_count()[0] > GC_EVERY:
                gc.collect(0)
            now_open = rig.midi_open()
            if now_open != ports:
                ports = now_open
                send(msg.MidiPorts(ports))
    except (EOFError, OSError):  # the node's process ended: so does this one
        pass
    finally:
        quiet.set()
        with ended_if_close_hangs(lambda text: send(msg.Error(text)), code, "the audio process"):
            rig.stop(at_exit=True)  # the process ends next: see AudioOutput.stop
        send(msg.Stopped())
    return code


class _NotHandled(Exception):
    """A message from the node that this process could not read or act on: told to the node, and the next one read
    (the audio plays on). Not the connection's end (EOFError, OSError), which ends the process. ``told``: the node
    was answered already (:class:`.protocol.Loaded`), no :class:`.protocol.Error` on top."""

    def __init__(self, text: str, told: bool = False) -> None:
        super().__init__(text)
        self.told = told


def _words(error: BaseException) -> str:
    return str(error) or "no detail given"


def _receive(connection: Connection) -> object:
    """The next message. Raises EOFError or OSError when the node has gone, :class:`_NotHandled` when the message came
    whole but does not unpickle (damaged, or of a class this process does not have): anything unpickling raises,
    EOFError included (an empty message), which must not be taken for the node's end."""
    data = connection.recv_bytes()
    try:
        return ForkingPickler.loads(data)
    except Exception as error:
        raise _NotHandled(_words(error)) from error


def _handle(message: object, staged: dict[int, tuple[np.ndarray, int]],
            samples: Callable[[int, int], tuple[np.ndarray, int]],
            load: Callable[[int, np.ndarray, int, int, float, int, float], None],
            send: Callable[[msg.Error | msg.Staged | msg.Loaded], None]) -> None:
    """Act on one message other than Stop; a Load or LoadStaged is answered (:class:`.protocol.Loaded`), whether its
    take is in its slot or not. Raises EOFError or OSError when the node has gone, :class:`_NotHandled` when the
    message cannot be acted on.

    Before, a Load that failed here was told by the slot's number only ("the take for slot 1 could not be loaded"),
    while the node had told the take loaded, showed it in the slot, and played it after a restart."""
    if isinstance(message, msg.Load | msg.LoadStaged):  # a take this process cannot play: not the others
        try:
            _load(message, staged, samples, load)
        except (EOFError, OSError):
            raise
        except Exception as error:
            send(msg.Loaded(message.slot, message.serial, _words(error)))
            raise _NotHandled(_words(error), told=True) from error
        send(msg.Loaded(message.slot, message.serial))
    elif isinstance(message, msg.Stage):
        try:
            staged[message.key] = samples(message.offset, message.frames)
        except (EOFError, OSError):
            raise
        except Exception as error:  # not kept: the node, told so, sends it whole with its slot
            send(msg.Staged(message.key, kept=False))  # its assignment sends it whole: not waited for
            raise _NotHandled(f"a take sent ahead could not be kept ({_words(error)}): its assignment sends it "
                              "again") from error
        send(msg.Staged(message.key))
    elif isinstance(message, msg.Unstage):
        staged.pop(message.key, None)
    else:
        raise _NotHandled("a message of a kind the sampler's audio process does not know was ignored")


def _load(message: msg.Load | msg.LoadStaged, staged: dict[int, tuple[np.ndarray, int]],
          samples: Callable[[int, int], tuple[np.ndarray, int]],
          load: Callable[[int, np.ndarray, int, int, float, int, float], None]) -> None:
    m = message
    if isinstance(m, msg.Load):
        load(m.slot, *samples(m.offset, m.frames), m.frames, m.pitch_hz, m.serial, m.due)
        return
    sent = staged.pop(m.key, None)
    if sent is None:
        raise _NotHandled(f"its samples were not sent ahead (key {m.key})")
    load(m.slot, *sent, m.frames, m.pitch_hz, m.serial, m.due)


def _receive_file(connection: Connection) -> int:
    """The descriptor of a take's file, passed after its message (as ``recv_handle`` receives it, less its dup of the
    connection). Raises EOFError or OSError when the node has gone, :class:`_NotHandled` where the file did not come:
    the kernel drops a descriptor this process has no room for, its carrier read all the same (the messages after it
    stay in step).

    Before, ``recv_handle`` first made a descriptor of its own for the socket: with none to spare, its OSError (EMFILE)
    was taken for the node's end, and the process exited, restarted a second later, every slot sent again."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=connection.fileno())  # no dup: detached below
    try:
        data, ancillary, flags, _ = sock.recvmsg(1, socket.CMSG_SPACE(array.array("i").itemsize))
        if not data and not ancillary:
            raise EOFError
        if ACKNOWLEDGE:  # as recv_handle (macOS)
            sock.send(b"A")
    finally:
        sock.detach()
    fds = _passed(ancillary)
    if len(fds) == 1:
        return fds[0]
    for fd in fds:
        os.close(fd)
    if flags & socket.MSG_CTRUNC:
        raise _NotHandled("its file could not be received: the audio process has no file descriptor to spare")
    raise _NotHandled(f"its file did not come with it ({len(fds)} descriptors received)")


def _passed(ancillary: list[tuple[int, int, bytes]]) -> list[int]:
    fds = array.array("i")
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
    return list(fds)


def _drop_passed_file(connection: Connection) -> None:
    """After a message that could not be read: if a take's file was passed after it (its offset was -1), receive and
    close it. Left there, its one-byte carrier would be read as the start of the next message's length, and every
    message after it misread (or the loop stuck waiting for a length never sent). Called once data is waiting."""
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM, fileno=connection.fileno())  # no dup: see _receive_file
    try:
        first, ancillary, flags, _ = sock.recvmsg(1, socket.CMSG_SPACE(4 * array.array("i").itemsize),
                                                  socket.MSG_PEEK)
    finally:
        sock.detach()
    peeked = _passed(ancillary)
    for fd in peeked:  # a peek passes descriptors too (copies): close those
        os.close(fd)
    # The carrier's byte is the count of descriptors, 1. A peek's descriptors can be those of a later carrier (Linux
    # walks on past the peeked byte's message): a message's length comes first, and its first byte is 0 (the node's
    # messages are far under 16 MiB). With no descriptor to spare, the peek gets none (cut: MSG_CTRUNC).
    if (peeked or flags & socket.MSG_CTRUNC) and first == b"\x01":
        with contextlib.suppress(_NotHandled):  # dropped by the kernel already
            os.close(_receive_file(connection))


def _notice_unopened(opened: threading.Event, quiet: threading.Event, send: Callable[[msg.Error], None],
                     seconds: float) -> None:
    """Say so when the stream has not opened ``seconds`` (``AudioConfig.open_notice``) after this process began, and
    no error of the device said why.

    Why: a JACK server that hangs (stopped, or stuck) holds PortAudio's first call in this process for good, without
    an error: the show ran silent, the console saying nothing at all about the sampler."""
    if not opened.wait(seconds) and not quiet.is_set():
        send(msg.Error(f"the sound device has not opened in {seconds:g} s: its sound system does not answer (a "
                       "JACK server that hangs?); the sampler is silent until it opens", about="device"))


def _realtime_if_allowed() -> None:
    """Run this process's threads (those started from now on inherit it) at a low realtime priority, below the
    callback's (which JACK or the sound system sets), where the machine allows it.

    Why: the callback needs the GIL, and any thread here may hold it for a moment (receiving a take, a MIDI
    message, a keeper's check). Under the normal scheduler such a thread can lose its core to a busy process
    while holding the GIL, and the callback waits for it: a late block. At realtime priority it cannot.
    """
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or no permission: the normal scheduler
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(LOADER_PRIORITY))
