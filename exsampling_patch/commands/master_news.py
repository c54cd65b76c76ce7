"""The stage console's lines for a pattern node following a MIDI clock master (``follow_midi_clock``): when the
master starts, stops, starts again or continues, and when its tempo changes markedly. The node tells these only in
its status, twice a second (``master_playing``, ``master_starts``, ``tempo``, ``tempo_ticks``, ``follows``, and
``from_beat`` while the master plays: 0 after a start, where the master went on from after a continue), which the
console printed none of: a performer in time with a drum machine had no word of the groove starting, stopping or
changing tempo with it. The master's own ``master_playing``, not ``playing``: that one is false while the node's
``play`` control is 0 too, and the performer's play 0 and 1 read as the master stopping and starting again (and a
start with ``playing: false`` went untold). Nor the clock's: a master gone silent (its cable out) is no stop of the
master's, its warning says it (before, "stopped" and, back, "continued" beside it). A start while the master plays
is told by ``master_starts`` (before, no line). A tempo is told once it is read from a full line of ticks
(``tempo_ticks``): read from the few after a start without clock running, or after a silence, it was up to 2 BPM
off (or the node's own tempo, for the first six); amid a ramp, where the node's line never grows full, from half a
beat of them. A start's first full line is told at once as "about" (``tempo about 121 BPM``: two beats on 21.3 ms
JACK periods read up to 1.5 BPM off), and the settled mean after it where that is another tempo.

A pattern node in an Ableton Link session (``link: true``) is told too (:meth:`MasterNews.session_line`): its
joining, the peers coming and going, the session's tempo and, with ``start_stop_sync``, its transport. Before, the
console said nothing of the session: a performer saw no word of a peer found, a tempo set on another laptop or
the session stopped there."""

from __future__ import annotations

import math
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

#: A tempo told again once it is this far (BPM) from the whole BPM last told: half a BPM (it rounds to another one)
#: and the ticks' jitter (+/- 0.3 BPM read from a steady master), so that jitter is not told, while a reading told
#: in the midst of a change (91 on the way to 90) is put right by the next ones.
TEMPO_STEP = 0.8
#: At most one tempo line in this many seconds a node: a master ramping its tempo is told as it goes (from
#: :data:`RAMP_TICKS`), and would be a line a status otherwise.
TEMPO_EVERY = 1.0
#: A tempo read from this many ticks or more is told: two beats' read within 0.3 BPM, where ticks arrive on JACK's
#: 10.7 ms periods (at 120 BPM, simulated: one beat's up to 1.7 BPM off, six ticks' up to 14).
#: The pattern node's full tick line (``nodes/tick_line.FIT_TICKS``, kept equal by a test: the core imports no node
#: module).
STEADY_TICKS = 48
#: A tempo read from this many ticks (half a beat) is told where the node's line stayed short of
#: :data:`STEADY_TICKS` longer than they take to come: the node starts its line again at each tempo change it finds,
#: so amid a ramp it never holds 48 (120 -> 90 BPM over 32 beats with exact ticks, through the node's timeline: 17 to
#: 41 throughout, 18 to 23 in its last five seconds, which a beat's worth told nothing of; 48 two beats after its end)
#: and the performer heard the tempo move and read nothing. A single change fills the line in time. Ticks on JACK's
#: periods, jittered, show the node no change amid a ramp: their full line is told.
RAMP_TICKS = 12
#: MIDI clock's ticks a beat.
TICKS_PER_BEAT = 24
#: Seconds a status may come late (they come twice a second): a line is taken as short too long only past this.
STATUS_SLACK = 0.5
#: A tempo told is the mean of the node's readings over this many beats (SMOOTH_SECONDS at least, and a quarter of one
#: for the statuses' own jitter). Ticks on JACK's periods beat against the master's: from a master at 118 BPM, the
#: node's two beats' line read 117.2-119.0 on 10.7 ms periods, and 117.2-120.9 on 21.3 ms ones (jackd's default
#: 1024 frames) in a cycle of about 3 s, 122 BPM read 122.6-122.8 for 4 s on end. A mean over 1.25 s said 120 -> 118
#: as "119, 117, 118, 119 ..." on those periods (simulated, 1 ms of jitter: 180 of 540 steps wrong at 1024 frames,
#: 300 of 540 at 2048); over 5 s, the cycle and such a spell are averaged out.
SMOOTH_BEATS = 10.0
SMOOTH_SECONDS = 5.0
SMOOTH_SLACK = 0.25
#: A change is told once its mean settles (its means over the last half of its window within SETTLE_BPM), as the
#: node's line and the mean go over from the old tempo to the new one: a step told on the way said 119 then 118.
SETTLE_BPM = 0.5
#: ... and once the mean is read well: from readings that span the whole window, or agree within this (BPM) over
#: :data:`AGREE_SECONDS`. After a change the node found (its line started again) the mean starts anew: told from its
#: first readings, on 21.3 ms periods, 90 -> 120 BPM said 119, then 120. Those of a master heard without JACK's
#: periods agree at once: a change it finds is told two or three seconds after it, as before.
AGREE_BPM = 0.6
AGREE_SECONDS = 1.0
#: ... or once it has gone on this many beats away from the tempo told without settling: a master ramping its tempo,
#: whose ticks on JACK's periods keep the node's line full (not short, as :data:`RAMP_TICKS` finds), told as it goes.
#: Longer than the mean's own way over from one tempo to the next after a step (:data:`SMOOTH_BEATS`).
MOVING_BEATS = 12.0
#: After a change the node found (its line started again), the new tempo is told once this many means of the readings
#: since it agree (within :data:`SETTLE_BPM`, on one whole BPM), not only once they span the whole window: a step on
#: 21.3 ms JACK periods (jackd's default 1024 frames) to 120 BPM or more was told 5-7 s (12-16 beats) after it, its
#: readings swinging 2.4 BPM apart, never within :data:`AGREE_BPM`. Four means (a second and a half of readings, once
#: the node's line is full again) put the first readings' swing right: simulated (1 ms of jitter, steps between 60 and
#: 180 BPM, ``tests/stage/test_master_step_told_soon.py``) none said another tempo on 256 to 1024 frames, and on 2048
#: fewer than before (three means: more).
QUICK_MEANS = 4


@dataclass
class _Heard:
    playing: bool = False
    starts: int = 0  # the master's starts and continues last seen
    tempo: float | None = None  # the tempo last told (None: none since the start, which told none)
    told_at: float = -math.inf  # when (the events' time.monotonic())
    short_since: float = math.inf  # since when the node's line is short of STEADY_TICKS, ticks coming (inf: full)
    readings: list[tuple[float, float]] = field(default_factory=list)  # (at, tempo) of the last SMOOTH_BEATS
    mean: float | None = None  # their mean (None: none since a change the node found)
    means: list[tuple[float, float]] = field(default_factory=list)  # (at, mean) over the last half of its window
    amid_ramp: bool = False  # the readings are from a line short amid a ramp the node found (a mean anew once full)
    ramp: bool = False  # the mean went on moving past a step's time: told as it goes till it settles
    away_since: float = math.inf  # since when the mean is TEMPO_STEP or more from the tempo told (inf: it is not)
    rough: bool = False  # the tempo told was the first reading after a start, said "about": the settled one follows
    fresh: bool = False  # the readings are from after a change the node found, a tempo told before it (QUICK_MEANS)


#: A Link session's tempo told again once it is this far (BPM) from the one last told: Link shares an exact tempo,
#: no ticks' jitter, but a peer's tempo knob moves it in small steps, each of which would be a line.
SESSION_STEP = 0.5


@dataclass
class _Session:
    peers: int = 0
    tempo: float = 0.0  # the tempo last told
    told_at: float = -math.inf
    playing: bool | None = None  # the session's transport last told (None: not told, no start_stop_sync)


class MasterNews:
    """What each node following a MIDI clock last told the performer; :meth:`line` says what is new."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # statuses come from the engine's threads
        self._nodes: dict[str, _Heard] = {}
        self._sessions: dict[str, _Session] = {}
        self._own: dict[str, tuple[float, float]] = {}  # (tempo told, when) of a node on its own tempo

    def session_line(self, node_id: str, status: Mapping[str, Any], at: float) -> str:
        """What ``status`` of node ``node_id`` (at ``at``, monotonic seconds) says of its Link session that was not
        said: "joined the Link session at 120 BPM, alone in it" (or "with 1 peer"), "a peer joined the Link session:
        2 peers in it now", "a peer left the Link session: alone in it now", "the Link session's tempo is 97 BPM"
        (at most one line a second: a knob turned), "the Link session started", "... stopped" (its transport, with
        ``start_stop_sync``: the status's ``session_playing``), or ''. A node that follows another node's clock
        tells nothing: the node it follows tells it."""
        tempo, peers = status.get("tempo"), status.get("peers")
        if status.get("link") is not True or status.get("follows"):
            with self._lock:  # out of the session (an edit turned link off): joining it again is told again
                self._sessions.pop(node_id, None)
            return ""
        if not isinstance(tempo, int | float) or not isinstance(peers, int):
            return ""
        playing = status.get("session_playing")
        with self._lock:
            session = self._sessions.get(node_id)
            if session is None:
                self._sessions[node_id] = _Session(peers, tempo, at, playing if isinstance(playing, bool) else None)
                return f"joined the Link session at {_bpm(tempo)} BPM, {_company(peers)}"
            said = []
            if peers != session.peers:
                came = peers - session.peers
                who = "a peer" if abs(came) == 1 else f"{abs(came)} peers"
                said.append(f"{who} {'joined' if came > 0 else 'left'} the Link session: {_company(peers, True)}")
                session.peers = peers
            if abs(tempo - session.tempo) >= SESSION_STEP and at - session.told_at >= TEMPO_EVERY:
                said.append(f"the Link session's tempo is {_bpm(tempo)} BPM")
                session.tempo, session.told_at = tempo, at
            if isinstance(playing, bool) and playing != session.playing:
                said.append(f"the Link session {'started' if playing else 'stopped'}")
                session.playing = playing
            return "; ".join(said)

    def own_line(self, node_id: str, status: Mapping[str, Any], at: float) -> str:
        """What ``status`` of a pattern node playing on its own tempo (no MIDI clock, no Link session, no other node's
        clock: ``follows`` '' and ``link`` false) says of it that was not said: "own tempo 120 BPM" at its first
        status and at each change (its tempo control; a line a second at most, a knob turning), or ''. Before, the
        console said nothing of it: a performer read a followed master's tempo, never the node's own."""
        tempo = status.get("tempo")
        with self._lock:
            if status.get("follows") != "" or status.get("link") is not False or not isinstance(tempo, int | float):
                self._own.pop(node_id, None)  # following something now: back on its own tempo is told again
                return ""
            told = self._own.get(node_id)
            if told is not None and (_bpm(tempo) == _bpm(told[0]) or at - told[1] < TEMPO_EVERY):
                return ""
            self._own[node_id] = (tempo, at)
            return f"own tempo {_bpm(tempo)} BPM"

    def line(self, node_id: str, status: Mapping[str, Any], at: float) -> str:
        """What ``status`` of node ``node_id`` (at ``at``, monotonic seconds) says of its master that was not said:
        "started at 120 BPM", "started again from bar 1 at 120 BPM", "continued at 120 BPM", "stopped", "tempo 90
        BPM", "started" (its tempo not read well yet: a tempo line follows once it is), "started and stopped" (both
        between two statuses), or ''."""
        tempo, playing = status.get("tempo"), status.get("master_playing")
        if (status.get("follows") != "MIDI clock" or not isinstance(tempo, int | float)
                or not isinstance(playing, bool)):
            return ""
        starts, ticks = status.get("master_starts"), status.get("tempo_ticks")
        steady = not isinstance(ticks, int) or ticks >= STEADY_TICKS  # a status without it: taken as read well
        with self._lock:
            heard = self._nodes.setdefault(node_id, _Heard())
            if steady or not ticks:  # full, or too few ticks for a line (a start or a gap): no run of changes
                heard.short_since = math.inf
            else:
                heard.short_since = min(heard.short_since, at)
            # short longer than a full line's ticks take to come: the node keeps finding changes, the master ramps
            ramping = (isinstance(ticks, int) and ticks >= RAMP_TICKS and tempo > 0
                       and at - heard.short_since > STEADY_TICKS / TICKS_PER_BEAT * 60.0 / tempo + STATUS_SLACK)
            # started again while playing (or stopped and started between two statuses): bar 1 again, no stop seen
            again = playing and heard.playing and isinstance(starts, int) and starts > heard.starts
            # started and stopped between two statuses (a tap on play and stop): each read stopped, nothing was said
            brief = not playing and not heard.playing and isinstance(starts, int) and starts > heard.starts
            if isinstance(starts, int):
                heard.starts = starts
            if brief:
                return "started and stopped"
            if steady or ramping:  # read while stopped too (a master's clock runs), for its start's tempo
                if steady and heard.amid_ramp:  # the ramp's end: its readings would hold the mean back for long
                    heard.readings.clear()
                    heard.means.clear()
                heard.amid_ramp = not steady
                _read(heard, tempo, at)
            else:  # the node found a change (its line started again) or reads none: a mean anew
                heard.readings.clear()
                heard.means.clear()
                heard.mean = None
                heard.fresh = heard.tempo is not None and playing
            if playing != heard.playing or again:
                heard.playing = playing
                if not playing:
                    return "stopped"
                from_beat = status.get("from_beat")
                went_on = isinstance(from_beat, int | float) and from_beat > 0  # a song position of 0 is a start
                what = ("continued again" if again else "continued") if went_on else (
                    "started again from bar 1" if again else "started")
                heard.away_since, heard.ramp, heard.rough = math.inf, False, False
                if not steady:
                    heard.tempo = None
                    return what
                heard.tempo, heard.told_at = heard.mean if heard.mean is not None else tempo, at
                return f"{what} at {round(heard.tempo)} BPM"
            if not (playing and (steady or ramping)):
                return ""
            return _tempo_line(heard, tempo, at, ramping)


def _bpm(tempo: float) -> str:
    """A session's tempo as a performer reads it: 120, 97.5 (Link keeps fractions, which a peer may set)."""
    return f"{round(tempo, 1):g}"


def _company(peers: int, now: bool = False) -> str:
    """Who else is in the session: "alone in it", "with 2 peers" (``now``: "alone in it now", "2 peers in it now")."""
    if peers == 0:
        return "alone in it now" if now else "alone in it"
    many = f"{peers} peer{'s' if peers != 1 else ''}"
    return f"{many} in it now" if now else f"with {many}"


def _read(heard: _Heard, tempo: float, at: float) -> None:
    """Take in the node's reading of ``tempo`` at ``at``: the readings of the last :data:`SMOOTH_BEATS`, their mean,
    and the means over as long."""
    heard.readings.append((at, tempo))
    window = max(SMOOTH_BEATS * 60.0 / tempo, SMOOTH_SECONDS) + SMOOTH_SLACK if tempo > 0 else SMOOTH_SECONDS
    heard.readings = [(when, bpm) for when, bpm in heard.readings if at - when <= window]
    heard.mean = sum(bpm for _, bpm in heard.readings) / len(heard.readings)
    heard.means = [(when, mean) for when, mean in heard.means if at - when <= window / 2] + [(at, heard.mean)]


def _tempo_line(heard: _Heard, tempo: float, at: float, ramping: bool) -> str:
    """The tempo line for a reading of ``tempo`` at ``at`` (the master playing, the node's line full or ramping), or
    '': the mean of the last readings, told once it is :data:`TEMPO_STEP` from the last told and settled, or moving on
    (a ramp), at most once in :data:`TEMPO_EVERY`."""
    mean = heard.mean if heard.mean is not None else tempo
    means = [bpm for _, bpm in heard.means]
    readings = [bpm for _, bpm in heard.readings]
    window = max(SMOOTH_BEATS * 60.0 / tempo, SMOOTH_SECONDS) if tempo > 0 else SMOOTH_SECONDS
    span = at - heard.readings[0][0] if heard.readings else 0.0
    read_well = not readings or span >= window - SMOOTH_SLACK or (
        span >= AGREE_SECONDS and max(readings) - min(readings) < AGREE_BPM)
    settled = (read_well and (not means or max(means) - min(means) < SETTLE_BPM)) or _quick(heard, means)
    if heard.tempo is None:
        # A start whose tempo was not read well yet (no clock before it): its first full line at once, for the
        # performer waiting on it, but "about": from two beats of ticks on 21.3 ms JACK periods it is up to 1.5 BPM
        # off, and within TEMPO_STEP of the one told the settled tempo was never said (118.3 BPM told 119 for good).
        heard.tempo, heard.told_at, heard.away_since, heard.rough = mean, at, math.inf, not settled
        return f"tempo {'about ' if heard.rough else ''}{round(mean)} BPM"
    if heard.rough and settled and at - heard.told_at >= TEMPO_EVERY:
        heard.rough = False  # the settled tempo, once it is another than the "about" one (that one stands else)
        if round(mean) != round(heard.tempo):
            heard.tempo, heard.told_at, heard.away_since = mean, at, math.inf
            return f"tempo {round(mean)} BPM"
    if abs(mean - round(heard.tempo)) < TEMPO_STEP:
        heard.away_since = math.inf
        heard.ramp = heard.ramp and not settled  # a ramp ends where the tempo settles at the one told
        return ""
    heard.away_since = min(heard.away_since, at)
    heard.ramp = heard.ramp or (at - heard.away_since >= MOVING_BEATS * 60.0 / tempo if tempo > 0 else False)
    if (settled or heard.ramp or ramping) and at - heard.told_at >= TEMPO_EVERY:
        heard.tempo, heard.told_at, heard.away_since, heard.rough = mean, at, math.inf, heard.rough and not settled
        heard.fresh = False
        return f"tempo {round(mean)} BPM"
    return ""


def _quick(heard: _Heard, means: list[float]) -> bool:
    """Whether the readings since a change the node found are read well already: their last :data:`QUICK_MEANS` means
    agree on one whole BPM (the whole window's mean waited on beating JACK periods for 6-7 s)."""
    last = means[-QUICK_MEANS:]
    return (heard.fresh and len(last) == QUICK_MEANS and max(last) - min(last) < SETTLE_BPM
            and len({round(bpm) for bpm in last}) == 1)
