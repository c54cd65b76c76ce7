"""The beat clock a ``pattern`` node plays by and publishes: its own tempo, or Ableton Link's session.

A :class:`BeatClock` is one immutable snapshot of a timeline, ``beat = beat0 + (t - t0) * tempo / 60`` on the
``time.perf_counter()`` clock, with a bar of ``quantum`` beats. Times are when a beat is *heard* (at the
sound card's output), as Link defines them. The pattern node publishes a fresh snapshot every few milliseconds
by replacing one dict entry (:func:`publish`); the sampler reads the latest (:func:`current`) to hold a new take
until the next beat or bar. Nothing here locks or waits.

:class:`LinkTimeline` joins the Link session (LinkPython-extern, module ``link``); :class:`LocalTimeline` is the
node's own tempo when Link is off or not installed; :class:`FollowedTimeline` another pattern node's clock.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class BeatClock:
    """A timeline at one moment: beats against ``time.perf_counter()``, bars of ``quantum`` beats."""

    t0: float
    beat0: float
    tempo: float
    quantum: float = 4.0
    playing: bool = True
    peers: int = 0
    link: bool = False
    #: With Link's start/stop sync: the bar the session's transport started on; the steps before it are silent (the
    #: other peers, Live among them, start on that bar: a count-in, not the rest of the bar they were pressed in).
    start_beat: float = -math.inf
    #: The latest time a step may be sent for: a MIDI clock master started with no clock running has its tempo read
    #: from its first ticks, and until then each step waits for its tick (nodes/midi_follow.py).
    placed_until: float = math.inf
    #: A MIDI clock master's starts and continues so far: one more while playing is a new start, where no look saw
    #: the stop before it (a DAW relocating sends stop, song position and continue at once).
    starts: int = 0

    def beat_at(self, t: float) -> float:
        return self.beat0 + (t - self.t0) * self.tempo / 60.0

    def time_at(self, beat: float) -> float:
        return self.t0 + (beat - self.beat0) * 60.0 / self.tempo

    def next_boundary(self, t: float, beats: float) -> float:
        """The time of the first multiple of ``beats`` (1: a beat, ``quantum``: a bar) at or after ``t``."""
        n = math.ceil(self.beat_at(t) / beats - 1e-9) * beats
        return self.time_at(n)


_clocks: dict[str, BeatClock] = {}


def publish(name: str, clock: BeatClock) -> None:
    """Make ``clock`` the latest of the clock ``name`` (a pattern node's id)."""
    _clocks[name] = clock


def withdraw(name: str) -> None:
    _clocks.pop(name, None)


def current(name: str = "") -> BeatClock | None:
    """The latest snapshot of clock ``name``, or with ``''`` of any running clock, a playing one first (None when
    none runs). Before, the first published: a second pattern stopped (its play 0, a MIDI clock master not started)
    had a sampler on ``swap: bar`` load a take at once, mid-bar of the groove that played."""
    if name:
        return _clocks.get(name)
    published = list(_clocks.values())
    return next((clock for clock in published if clock.playing), published[0] if published else None)


_players: dict[str, tuple[str, threading.Event]] = {}


def add_player(name: str, clock: str, can_play: threading.Event) -> None:
    """Say that the node ``name`` (a sampler) plays the notes of clock ``clock`` ('': of any pattern node) once
    ``can_play`` is set (its stream has rendered its first block): a pattern node holds its first step until then
    (:func:`players_ready`), so that its groove starts on the one, not at whichever step the stream opened on."""
    _players[name] = (clock, can_play)


def remove_player(name: str, can_play: threading.Event) -> None:
    """The player stopped (its own entry only: a node rebuilt by an edit may have added its own already)."""
    if _players.get(name, ("", None))[1] is can_play:
        _players.pop(name, None)
    _ready_since.pop(id(can_play), None)


_ready_since: dict[int, float] = {}  # a player's can_play (by id) -> when a pattern node first saw it set


def players_ready_since(name: str) -> float | None:
    """When every player of clock ``name`` (a pattern node's id), or of any clock, could play, as the first pattern
    node to ask saw it (``perf_counter``); None while one cannot, -inf where none plays it. Pattern nodes held for
    the same samplers start their beat 0 from this one moment: each from its own look at them, two grooves started
    with one patch were 3 ms apart (their threads wake every 5 ms, each on its own)."""
    since = -math.inf
    for clock, event in list(_players.values()):
        if clock not in ("", name):
            continue
        if not event.is_set():
            _ready_since.pop(id(event), None)  # a restarted stream: its next first block is a new moment
            return None
        since = max(since, _ready_since.setdefault(id(event), time.perf_counter()))
    return since


def players_ready(name: str) -> bool:
    """Whether every player of clock ``name`` (a pattern node's id), or of any clock, can play now."""
    return players_ready_since(name) is not None


class LocalTimeline:
    """The node's own tempo: beat 0 at ``start``; a tempo change keeps the beat where it is."""

    def __init__(self, tempo: float, quantum: float, start: float) -> None:
        self.clock = BeatClock(start, 0.0, tempo, quantum)

    @property
    def peers(self) -> int:
        return 0

    def capture(self) -> BeatClock:
        return self.clock

    def set_tempo(self, tempo: float, after: float = 0.0) -> None:
        """``tempo`` from now, or from ``after`` where that is later (the last step already sent ahead)."""
        at = max(time.perf_counter(), after)
        self.clock = replace(self.clock, t0=at, beat0=self.clock.beat_at(at), tempo=tempo)

    def set_quantum(self, quantum: float) -> None:
        self.clock = replace(self.clock, quantum=quantum)

    def set_origin(self, start: float) -> None:
        """Beat 0 at ``start``, at the same tempo."""
        self.clock = replace(self.clock, t0=start, beat0=0.0)

    def close(self) -> None:
        pass


class FollowedTimeline:
    """Another pattern node's beat clock as it publishes it (:func:`publish`): its tempo, bars and transport, whether
    its own, a Link session's or a MIDI clock master's. Several pattern nodes on one grid: each on a timeline of its
    own began its beat 0 when its thread came to it, milliseconds apart (one added by a live edit, anywhere in a
    bar). Until the node it follows publishes, a stopped clock; a node an edit rebuilds is away for a moment, one
    it removes gone: its last clock goes on (as a Link session's does when a peer leaves)."""

    def __init__(self, name: str, tempo: float, quantum: float) -> None:
        self.name = name
        self._last = BeatClock(time.perf_counter(), 0.0, tempo, quantum, playing=False)

    @property
    def peers(self) -> int:
        return 0

    def capture(self) -> BeatClock:
        clock = _clocks.get(self.name)
        if clock is not None:
            self._last = clock
        return self._last

    def set_tempo(self, tempo: float) -> None:
        """The followed node's tempo is its own: nothing here sets it."""

    def set_quantum(self, quantum: float) -> None:
        """Its bars are the followed node's."""

    def close(self) -> None:
        pass


class LinkTimeline:
    """A peer of the Ableton Link session on the network (LinkPython-extern): tempo, beat phase within a bar of
    ``quantum`` beats and, with ``start_stop_sync``, playing or not, shared with every other peer.

    Link's clock on Linux is ``CLOCK_MONOTONIC_RAW`` in microseconds; each capture maps it onto
    ``time.perf_counter()`` by reading both together.
    """

    def __init__(self, tempo: float, quantum: float, start_stop_sync: bool) -> None:
        import link  # LinkPython-extern

        self.quantum = quantum
        self.start_stop_sync = start_stop_sync
        self.link: Any = link.Link(tempo)
        self.link.startStopSyncEnabled = start_stop_sync
        self.link.enabled = True
        self._lock = threading.Lock()  # the node's scheduler and its control input both commit states
        self._closed: BeatClock | None = None  # the last capture, once closed

    @property
    def peers(self) -> int:
        return 0 if self.link is None else int(self.link.numPeers())

    def _offset(self) -> tuple[float, int]:
        """(perf_counter - Link seconds, Link micros now), read close together: of three reads, the one that
        took least time (a thread preempted between the two clocks would move the mapping by as long)."""
        best: tuple[float, float, int] | None = None
        for _ in range(3):
            before = time.perf_counter()
            micros = int(self.link.clock().micros())
            after = time.perf_counter()
            if best is None or after - before < best[0]:
                best = (after - before, (before + after) / 2.0 - micros / 1e6, micros)
        assert best is not None
        return best[1], best[2]

    def capture(self) -> BeatClock:
        if self._closed is not None:
            return self._closed
        state = self.link.captureAppSessionState()
        offset, micros = self._offset()
        beat = float(state.beatAtTime(micros, self.quantum))
        playing = bool(state.isPlaying()) if self.start_stop_sync else True
        start_beat = -math.inf
        if self.start_stop_sync and playing:  # the first bar at or after the time the transport started
            started = float(state.beatAtTime(int(state.timeForIsPlaying()), self.quantum))
            start_beat = math.ceil(started / self.quantum - 1e-9) * self.quantum
        return BeatClock(micros / 1e6 + offset, beat, float(state.tempo()), self.quantum, playing, self.peers, True,
                         start_beat)

    def set_tempo(self, tempo: float) -> None:
        with self._lock:
            state = self.link.captureAppSessionState()
            state.setTempo(tempo, self._offset()[1])
            self.link.commitAppSessionState(state)

    def set_quantum(self, quantum: float) -> None:
        self.quantum = quantum

    def start_playing(self, delay: float = 0.0) -> None:
        """Start the session's transport ``delay`` seconds from now, on a bar there (with start/stop sync, alone in
        the session: no one else will)."""
        with self._lock:
            state = self.link.captureAppSessionState()
            state.setIsPlayingAndRequestBeatAtTime(True, self._offset()[1] + round(delay * 1e6), 0.0, self.quantum)
            self.link.commitAppSessionState(state)

    def stop_playing(self) -> None:
        """Stop the session's transport now (with start/stop sync: every peer that syncs stops too)."""
        with self._lock:
            state = self.link.captureAppSessionState()
            state.setIsPlaying(False, self._offset()[1])
            self.link.commitAppSessionState(state)

    def close(self) -> None:
        """Leave the session and release the peer: a disabled one still held its three threads and sockets, and
        each edit that toggled start_stop_sync (a new peer) left one more behind. Observers of the stopped node
        read its last capture."""
        with self._lock:
            if self.link is None:
                return
            self._closed = replace(self.capture(), playing=False, peers=0)
            self.link.enabled = False
            self.link = None


def link_available() -> bool:
    try:
        import link  # noqa: F401
    except ImportError:
        return False
    return True
