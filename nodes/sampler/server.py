"""The sampler's audio process: the audio callback with an interpreter (and a GIL) of its own.

In the node's process the callback shares the GIL with every other node (the classifier, resampling,
the web server): a block could wait for a worker's time slice and, under load, miss its deadline.
Here, the process does little else: its main thread receives takes from the node, and rtmidi's thread
queues notes. Started by :class:`.host.AudioProcess` as
``python -m exsampling_patch.nodes.sampler.server CONNECTION_FD``.

Messages from the node (pickled over a Unix socket, :class:`multiprocessing.connection.Connection`):
``(AudioConfig, state_fd, arena_fd, arena_bytes)`` first, then ``("load", slot, serial, frames, pitch_hz,
due, offset)``: the take's samples at ``offset`` in the shared arena, or with offset -1 in a file of their own
whose descriptor follows (:mod:`.handoff`); ``("stage", key, frames, offset)`` likewise for samples sent
ahead of their assignment, ``("load_staged", slot, key, serial, frames, pitch_hz, due)`` that puts them in a slot
and ``("unstage", key)`` that drops them; and ``("stop",)``.
Messages to the node: ``("rate", sample_rate)`` (first), ``("ready",)``, ``("opened", jack_client_name)``,
``("midi", [port names])``, ``("error", text)``, ``("status", values)``, ``("stopped",)``. Gains, notes from
the patch and meters go through the shared state, not messages.
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
import os
import signal
import sys
import threading
import weakref
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from exsampling_patch.nodes.sampler.handoff import Arena, receive_samples
from exsampling_patch.nodes.sampler.prepare import GUARD, SlotBuffer
from exsampling_patch.nodes.sampler.rig import SWITCH_INTERVAL, AudioConfig, AudioRig
from exsampling_patch.nodes.sampler.shared import SharedState

LOADER_PRIORITY = 5  # SCHED_FIFO priority of this process's threads; JACK's clients run near 65
GC_EVERY = 10_000  # allocations between young-generation collections (made by the loader thread)


def serve(connection: Connection) -> int:
    """Run the rig the node describes until it says stop or goes away. Returns the exit status."""
    config, state_fd, arena_fd, arena_bytes = connection.recv()
    assert isinstance(config, AudioConfig)
    sys.setswitchinterval(SWITCH_INTERVAL)
    _realtime_if_allowed()
    send_lock = threading.Lock()

    def send(message: Any) -> None:
        with send_lock, contextlib.suppress(OSError):  # the node has gone: the main loop notices and ends
            connection.send(message)

    if config.sample_rate <= 0:  # the device's own rate, asked here (the node does not start PortAudio)
        from exsampling_patch.nodes.sampler.stream import device_rate

        config = dataclasses.replace(config, sample_rate=device_rate(config.device))
    send(("rate", config.sample_rate))

    state = SharedState.attach(config.slots, state_fd)
    arena = Arena.attach(arena_fd, arena_bytes)
    rig = AudioRig(config, state, report_error=lambda text: send(("error", text)),
                   report_status=lambda **values: send(("status", values)),
                   on_opened=lambda: send(("opened", _jack_client_name())), pool=arena)
    rig.start()
    # The callback makes no reference cycles, so the cyclic collector has nothing to find here; left on, a
    # full collection (all of numpy's and sounddevice's objects) holds the GIL for milliseconds, mid-block.
    # Freeze what start-up made and collect only now and then, on this thread, when little is new.
    gc.collect()
    gc.freeze()
    gc.disable()
    send(("ready",))
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

    try:
        while True:
            if connection.poll(0.1):
                message = connection.recv()
                kind = message[0]
                if kind == "stop":
                    break
                if kind == "load":
                    _, slot, serial, frames, pitch_hz, due, offset = message
                    load(slot, *samples(offset, frames), frames, pitch_hz, serial, due)
                elif kind == "stage":
                    _, key, frames, offset = message
                    staged[key] = samples(offset, frames)
                elif kind == "unstage":
                    staged.pop(message[1], None)
                elif kind == "load_staged":
                    _, slot, key, serial, frames, pitch_hz, due = message
                    sent = staged.pop(key, None)
                    if sent is None:
                        send(("error", f"the take for slot {slot} was not sent ahead (key {key}); not loaded"))
                    else:
                        load(slot, *sent, frames, pitch_hz, serial, due)
                    del sent
            # Blocks nothing reads any more (the callback has moved on, a staged take was dropped) go back.
            freed = [offset for offset, ref in reading.items() if ref() is None]
            if freed:
                for offset in freed:
                    del reading[offset]
                send(("freed", freed))
            if gc.get_count()[0] > GC_EVERY:
                gc.collect(0)
            now_open = rig.midi_open()
            if now_open != ports:
                ports = now_open
                send(("midi", ports))
    except (EOFError, OSError):  # the node's process ended: so does this one
        pass
    finally:
        rig.stop()
        send(("stopped",))
    return 0


def _realtime_if_allowed() -> None:
    """Run this process's threads (those started from now on inherit it) at a low realtime priority, below the
    callback's (which JACK or the sound system sets), where the machine allows it.

    Why: the callback needs the GIL, and any thread here may hold it for a moment (receiving a take, a MIDI
    message, a keeper's check). Under the normal scheduler such a thread can lose its core to a busy process
    while holding the GIL, and the callback waits for it: a late block. At realtime priority it cannot.
    """
    with contextlib.suppress(AttributeError, OSError):  # not Linux, or no permission: the normal scheduler
        os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(LOADER_PRIORITY))


def _jack_client_name() -> str | None:
    from exsampling_patch.devices import jack_client_name

    return jack_client_name()


def main(argv: list[str]) -> int:
    # Ctrl+C in a terminal reaches the whole process group: the node stops this process ("stop", or the end of
    # its connection), never a KeyboardInterrupt here (a traceback, and the node taking it for a crash).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    return serve(Connection(int(argv[1])))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
