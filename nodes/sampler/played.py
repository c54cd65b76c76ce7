"""What the sampler's audio callback did, read back for the show log (:meth:`Sampler.played
<exsampling_patch.nodes.sampler.Sampler.played>`): the records it left in its played ring, its xrun counters and its
block clock, turned into plain records on the reader's thread (the callback does no I/O and never waits)."""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Any

from exsampling_patch.nodes.sampler.ring import ALL_OFF, GAIN, MASTER, MUTE, NOTE_OFF, NOTE_ON, STREAM, SWAP
from exsampling_patch.nodes.sampler.shared import BLOCK_FRAME, BLOCK_TIME, XRUNS_NOTED, SharedState

CLOCK_EVERY = 1.0  # seconds between the stream clock points played() gives (the show log's clock lines)

SERIALS_KEEP = 256  # loads remembered by serial, to name the take in each swap the callback reports


class PlayedReader:
    """One sampler's reader of what its callback did: ``names`` are its slots, ``sources`` its MIDI rings as
    records name them (``midi``, ``port:<name>``). One reader only: what it takes from the ring is gone."""

    def __init__(self, state: SharedState, names: list[str], sources: list[str]) -> None:
        self.state, self.names, self.sources = state, names, sources
        self.serials: OrderedDict[int, str] = OrderedDict()  # serial of a load -> its take id
        self.epoch = 0  # the audio process whose records are read now (see .shared.EPOCH)
        self.clock_read = 0.0  # when the stream's clock was last given (time.monotonic())
        self.xruns_read = 0  # xruns given so far

    def loaded(self, serial: int, take_id: str) -> None:
        """A load of ``serial`` sent to the audio: a swap the callback reports of it names ``take_id``."""
        self.serials[serial] = take_id
        while len(self.serials) > SERIALS_KEEP:
            self.serials.popitem(last=False)

    def read(self, limit: int) -> list[dict[str, Any]]:
        """The records since the last call (:meth:`Sampler.played <exsampling_patch.nodes.sampler.Sampler.played>`
        says what each holds)."""
        kinds = {NOTE_ON: "note_on", NOTE_OFF: "note_off", ALL_OFF: "all_off"}
        names, sources = self.names, self.sources
        out: list[dict[str, Any]] = []
        for kind, channel, note, velocity, source, frame, stamp, sender in self.state.played.take_tagged(limit):
            if kind == STREAM:
                self.epoch = int(stamp)
                continue
            if kind in (GAIN, MUTE, MASTER):
                target = "master" if kind == MASTER else names[source] if source < len(names) else str(source)
                out.append({"type": "control", "frame": frame, "value": stamp,
                            "name": f"{target}.{'mute' if kind == MUTE else 'gain'}"})
            elif kind == SWAP:
                serial = int(stamp)
                out.append({"type": "swap", "frame": frame, "slot": names[source] if source < len(names)
                            else str(source), "take_id": self.serials.get(serial) if serial else None,
                            "serial": serial})
            else:
                out.append({"type": kinds.get(kind, str(kind)), "frame": frame, "channel": channel, "note": note,
                            "velocity": velocity, "stamp": stamp,
                            "source": sources[source] if source < len(sources) else str(source)})
                if sender:  # the tag of the node that sent it: whose notes a timed all-notes-off of its ended
                    out[-1]["sender"] = sender
            out[-1]["epoch"] = self.epoch
        noted = int(self.state.counters[XRUNS_NOTED])
        if noted > self.xruns_read:  # the callback's counters: no I/O there, read here
            frames = self.state.xrun_frames(self.xruns_read)
            for i, xrun_frame in enumerate(frames):
                out.append({"type": "xrun", "count": noted - frames.size + i + 1, "frame": int(xrun_frame),
                            "epoch": self.epoch})
            self.xruns_read = noted
        now = time.monotonic()
        if now - self.clock_read >= CLOCK_EVERY:  # after the ring: its STREAM record comes before a new core's clock
            clock = self.state.clock
            frame, block_time = clock[BLOCK_FRAME], float(clock[BLOCK_TIME])
            if block_time > 0.0 and clock[BLOCK_FRAME] == frame:  # not torn by a block written meanwhile
                self.clock_read = now
                out.append({"type": "clock", "frame": int(frame), "block_time": block_time, "epoch": self.epoch})
        return out
