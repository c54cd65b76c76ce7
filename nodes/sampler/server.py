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
from multiprocessing.reduction import ForkingPickler, recv_handle

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
             | msg.Freed | msg.Unread | Stopping | msg.Stopped) -> None:
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
            fd = recv_handle(connection)  # EOFError or OSError here: the node has gone
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
    (the audio plays on). Not the connection's end (EOFError, OSError), which ends the process."""


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
            send: Callable[[msg.Error | msg.Staged], None]) -> None:
    """Act on one message other than Stop. Raises EOFError or OSError when the node has gone (a take's file not
    passed), :class:`_NotHandled` when the message cannot be acted on."""
    try:
        if isinstance(message, msg.Load):
            m = message
            load(m.slot, *samples(m.offset, m.frames), m.frames, m.pitch_hz, m.serial, m.due)
        elif isinstance(message, msg.Stage):
            try:
                staged[message.key] = samples(message.offset, message.frames)
            except (EOFError, OSError):
                raise
            except Exception:
                send(msg.Staged(message.key, kept=False))  # its assignment sends it whole: not waited for
                raise
            send(msg.Staged(message.key))
        elif isinstance(message, msg.Unstage):
            staged.pop(message.key, None)
        elif isinstance(message, msg.LoadStaged):
            m = message
            sent = staged.pop(m.key, None)
            if sent is None:
                send(msg.Error(f"the take for slot {m.slot} was not sent ahead (key {m.key}); not loaded"))
            else:
                load(m.slot, *sent, m.frames, m.pitch_hz, m.serial, m.due)
            del sent
        else:
            raise _NotHandled("a message of a kind the sampler's audio process does not know was ignored")
    except (EOFError, OSError, _NotHandled):
        raise
    except Exception as error:  # a take this process cannot play (a slot it does not have, ...): not the others
        if isinstance(message, msg.Stage):  # not kept: the node, told nothing kept, sends it whole with its slot
            raise _NotHandled(f"a take sent ahead could not be kept ({_words(error)}): its assignment sends it "
                              "again") from error
        raise _NotHandled(f"the take for slot {getattr(message, 'slot', '?')} could not be loaded: "
                          f"{_words(error)}") from error


def _drop_passed_file(connection: Connection) -> None:
    """After a message that could not be read: if a take's file was passed after it (its offset was -1), receive and
    close it. Left there, its one-byte carrier would be read as the start of the next message's length, and every
    message after it misread (or the loop stuck waiting for a length never sent). Called once data is waiting."""
    with socket.fromfd(connection.fileno(), socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        first, ancillary, _, _ = sock.recvmsg(1, socket.CMSG_SPACE(4 * array.array("i").itemsize), socket.MSG_PEEK)
    peeked = array.array("i")
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            peeked.frombytes(data[:len(data) - len(data) % peeked.itemsize])
    for fd in peeked:  # a peek passes descriptors too (copies): close those
        os.close(fd)
    # The carrier's byte is the count of descriptors, 1. A peek's descriptors can be those of a later carrier (Linux
    # walks on past the peeked byte's message): a message's length comes first, and its first byte is 0 (the node's
    # messages are far under 16 MiB).
    if peeked and first == b"\x01":
        os.close(recv_handle(connection))


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
