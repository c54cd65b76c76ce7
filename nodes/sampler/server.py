"""The sampler's audio process: the audio callback with an interpreter (and a GIL) of its own.

In the node's process the callback shares the GIL with every other node (the classifier, resampling,
the web server): a block could wait for a worker's time slice and, under load, miss its deadline.
Here, the process does little else: its main thread receives takes from the node, and rtmidi's thread
queues notes. Started by :class:`.host.AudioProcess` as a child process
(:mod:`exsampling_patch.child_process`) that runs :func:`serve`; the messages both ways are those of
:mod:`.protocol`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import sys
import threading
import weakref
from collections.abc import Callable
from multiprocessing.connection import Connection

import numpy as np

from exsampling_patch.child_process import Stop, Stopping
from exsampling_patch.nodes.sampler import protocol as msg
from exsampling_patch.nodes.sampler.handoff import Arena, receive_samples
from exsampling_patch.nodes.sampler.prepare import GUARD, SlotBuffer
from exsampling_patch.nodes.sampler.rig import SWITCH_INTERVAL, AudioConfig, AudioRig
from exsampling_patch.nodes.sampler.shared import SharedState

LOADER_PRIORITY = 5  # SCHED_FIFO priority of this process's threads; JACK's clients run near 65
GC_EVERY = 10_000  # allocations between young-generation collections (made by the loader thread)


def serve(connection: Connection) -> int:
    """Run the rig the node describes until it says stop or goes away. Returns the exit status."""
    setup: msg.Setup = connection.recv()
    config = setup.config
    assert isinstance(config, AudioConfig)
    sys.setswitchinterval(SWITCH_INTERVAL)
    _realtime_if_allowed()
    send_lock = threading.Lock()

    def send(message: msg.Rate | msg.Ready | msg.Opened | msg.MidiPorts | msg.Error | msg.Status | msg.Freed
             | Stopping | msg.Stopped) -> None:
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

    def samples(offset: int, frames: int) -> tuple[np.ndarray, int]:
        if offset < 0:  # a file of its own follows
            return receive_samples(connection, frames), -1
        data = arena[offset:offset + frames + GUARD]
        reading[offset] = weakref.ref(data)
        return data, offset

    def load(slot: int, data: np.ndarray, offset: int, frames: int, pitch_hz: float, serial: int,
             due: float) -> None:
        # A view into the arena costs nothing to drop, in the callback or anywhere: keep none of those.
        rig.load(slot, SlotBuffer(data, frames, pitch_hz, serial=serial, offset=offset, due=due), retain=offset < 0)

    code = 0
    try:
        while True:
            if jack_back.is_set():  # the node starts a new process, whose PortAudio finds the server
                code = msg.JACK_BACK_EXIT
                break
            if connection.poll(0.1):
                message: msg.Load | msg.Stage | msg.Unstage | msg.LoadStaged | Stop = connection.recv()
                if isinstance(message, Stop):
                    send(Stopping())  # at once: the node takes a process that does not answer for hung
                    break
                if isinstance(message, msg.Load):
                    m = message
                    load(m.slot, *samples(m.offset, m.frames), m.frames, m.pitch_hz, m.serial, m.due)
                elif isinstance(message, msg.Stage):
                    staged[message.key] = samples(message.offset, message.frames)
                elif isinstance(message, msg.Unstage):
                    staged.pop(message.key, None)
                else:
                    m = message
                    sent = staged.pop(m.key, None)
                    if sent is None:
                        send(msg.Error(f"the take for slot {m.slot} was not sent ahead (key {m.key}); not loaded"))
                    else:
                        load(m.slot, *sent, m.frames, m.pitch_hz, m.serial, m.due)
                    del sent
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
        rig.stop(at_exit=True)  # the process ends next: see AudioOutput.stop
        send(msg.Stopped())
    return code


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
