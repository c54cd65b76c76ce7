"""A step sequencer that plays the sampler's slots: per slot a pattern of steps, timed ahead against a beat clock.

Each MIDI message it emits carries in ``time`` the ``time.perf_counter()`` at which it should be *heard*; it is
emitted ``lookahead_ms`` before that. The sampler places such a note at its frame within the audio block it
falls in (after its own output latency), and ``midi_out`` holds it until its time: the jitter of this
node's thread and of the patch's workers never reaches the audio. See docs/pattern.md.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from exsampling_patch.messages import ControlValue
from exsampling_patch.midi_reader import arrival_of
from exsampling_patch.node import Input, Node, Output, Param
from exsampling_patch.nodes import clock as clocks
from exsampling_patch.nodes.midi_follow import MidiClockTimeline
from exsampling_patch.nodes.midi_sender import sender_tag, sent_message
from exsampling_patch.nodes.pattern_gate import gate_seconds, slot_index, step_beat
from exsampling_patch.nodes.pattern_handover import give_handover, regrid, take_handover
from exsampling_patch.nodes.pattern_master import MasterWatch, master_fields
from exsampling_patch.nodes.pattern_steps import NOTE_NAMES as NOTE_NAMES  # where they were
from exsampling_patch.nodes.pattern_steps import VELOCITIES as VELOCITIES
from exsampling_patch.nodes.pattern_steps import SlotPattern as SlotPattern
from exsampling_patch.nodes.pattern_steps import parse_note as parse_note
from exsampling_patch.nodes.pattern_steps import parse_patterns as parse_patterns
from exsampling_patch.nodes.pattern_steps import parse_steps as parse_steps
from exsampling_patch.nodes.pattern_steps import pattern_parts, pattern_problems
from exsampling_patch.ports import CONTROL, MIDI

DEFAULT_SLOTS = ["HH", "Snare", "TT", "BD", "Piano", "Wind", "Bass", "Chorus"]
TICK_SECONDS = 0.005  # how often the scheduler looks ahead
#: How often the node reports its tempo, beat, peers and transport: twice a second is what its status in the editor and
#: the console's clock lines need (docs/pattern.md); on every tick (TICK_SECONDS) it would be 200 statuses a second.
STATUS_SECONDS = 0.5
LATE_DROP = 0.02  # a step whose time passed by more than this (a stalled thread, a jump of the session) is skipped
#: At its start the node holds its first step until the samplers that play its clock can play (their streams open
#: in a process of their own, a second or so later), for at most this long (a sampler whose device never opens).
PLAYER_WAIT = 10.0


class Pattern(Node):
    """Play the sampler's slots from step patterns (x..x ..x.), in time with Ableton Link or its own tempo.

    ``patterns`` maps each slot (by name, in ``slots`` order: channel N plays slot N, as the sampler expects)
    to its steps, one character each: ``X`` 127 (an accent), ``x`` 110 (a hit), ``O`` 100, ``o`` 80, ``1``-``9`` a
    velocity, ``.`` a rest; spaces group. A pitched slot takes ``{steps: "x.x.", notes: "0 . +7 C5"}``: per step
    a transposition from ``root_note``, or a note name. ``length`` steps make a loop (0: each slot loops its own
    pattern); ``steps_per_beat`` sets the grid and ``swing`` delays every second step by that fraction of a step.
    New patterns (:meth:`set_pattern`, or an edit of the patch) take effect at the next step or bar
    (``change_at``). With ``link`` the node joins the Ableton Link session: tempo and beat phase (within
    ``quantum`` beats) are the session's, and with ``start_stop_sync`` it plays while the session plays.
    """

    type_name = "pattern"
    family = "sources"

    control = Input(CONTROL, "tempo (BPM), swing (0..0.75), play (0/1), <slot>.mute (0/1)", multiple=True)
    sync = Input(MIDI, "MIDI clock, start, stop, continue, song position (midi_in), with follow_midi_clock",
                 multiple=True)
    midi = Output(MIDI, "note on/off per step; channel N plays slot N; time: when it is heard (perf_counter)")

    patterns = Param(dict, {}, "slot name -> steps ('x..x ..x.'), or -> {steps: ..., notes: '0 +3 . C5'}")
    slots = Param(list, list(DEFAULT_SLOTS), "slot names in MIDI channel order (the sampler's slot_names)")
    tempo = Param(float, 120.0, "beats per minute without Link, or proposed to the Link session", minimum=20.0,
                  maximum=999.0, unit="BPM")
    steps_per_beat = Param(int, 4, "steps in one beat (4: sixteenth notes)", minimum=1, maximum=16)
    length = Param(int, 0, "steps in the loop (0: each slot loops its own pattern)", minimum=0, maximum=256)
    swing = Param(float, 0.0, "delay of every second step in a beat, as a fraction of a step (1/3: triplet feel)",
                  minimum=0.0, maximum=0.75)
    gate = Param(float, 0.5, "note length in steps (a note off ends every voice of its note: keep it under 1 "
                 "to let the next hit of the same note ring)", minimum=0.01, maximum=64.0)
    root_note = Param(int, 60, "note of a step without one (the sampler plays an unpitched take at its own rate "
                      "on its root_note, 60)", minimum=0, maximum=127)
    change_at = Param(str, "bar", "when new patterns take over: the next step, or the next bar", choices=("step",
                      "bar"))
    lookahead_ms = Param(float, 100.0, "how far ahead notes are sent (covers the patch's delivery, the sampler's "
                         "latency and its busy moments)", minimum=20.0, maximum=1000.0, unit="ms")
    link = Param(bool, False, "join the Ableton Link session on the network (tempo, beat phase, start/stop)")
    quantum = Param(float, 4.0, "beats in a bar: Link aligns phase within it; change_at bar and the sampler's "
                    "swap: bar use it", minimum=1.0, maximum=64.0)
    start_stop_sync = Param(bool, False, "with link: play only while the session plays (and start it when alone)")
    follow_midi_clock = Param(bool, False, "play at the tempo, and start, stop and continue with, the MIDI clock on "
                              "the sync input (a drum machine's, a DAW's)")
    playing = Param(bool, True, "play (the control 'play' switches it live)")
    clock = Param(str, "", "another pattern node's id: play by its beat clock (its tempo, bars, start and stop, its "
                  "Link session or MIDI clock), on one grid with it; '': a clock of this node's own")
    needs_when = {"follow_midi_clock": "sync"}  # without the master's clock the groove never starts

    @classmethod
    def check_params(cls, params: Mapping[str, Any]) -> dict[tuple[str, ...], str]:
        """Each slot's pattern parsed as :meth:`start` parses it: a step or note it cannot play, a slot it has not."""
        return pattern_problems(params)

    @classmethod
    def midi_parts(cls, params: Mapping[str, Any]) -> dict[str, tuple[str, int, tuple[int, ...]]]:
        """Per slot of ``patterns``: the slot it means (its name in ``slots``), its channel and the notes of its hits,
        parsed as :meth:`start` parses them; ``exsampling check`` holds them to the slots a sampler plays them on."""
        return pattern_parts(params)

    # -- lifecycle ------------------------------------------------------------------------------------------------

    def start(self) -> None:
        self._patterns = parse_patterns(self.patterns, self.slots, self.root_note)  # what plays
        self._pending: dict[str, SlotPattern] | None = None  # waiting for the next bar
        self._muted: set[int] = set()
        self._unknown: set[str] = set()  # control names reported as not this node's
        self._swing = self.swing
        self._play = self.playing
        self._next_step: int | None = None
        self._sent_step: int | None = None  # the last step sent: a quick stop and start must not send it again
        self._channels: set[int] = set()  # those notes were sent on since the last cancel (see _cancel)
        self._tag = sender_tag(self.node_id)  # its cancel voids its own notes, not others' on the channel
        self._last_due = 0.0
        self.steps_played = 0
        self.late_steps = 0
        self._looked = time.perf_counter()  # the scheduler's last look: a start due since was one it came to late
        self._lock = threading.Lock()  # set_pattern from other threads against the scheduler's snapshot
        handed = take_handover(self.node_id)
        self._handed = handed  # until its Link peer is taken up or closed: stop() closes it if start() fails first
        start = time.perf_counter() + self.lookahead_ms / 1000.0  # beat 0: the first step is on time
        self._hold_until = start + PLAYER_WAIT  # see _players_ready
        self._held = False  # the first step waited for a sampler: it goes out on the next bar line
        self._ready_at = -math.inf  # when the samplers it waited for could play (see _players_ready)
        self._quiet_until: int | None = None  # the steps before this bar line stay silent, uncounted (see _held)
        self._own_timeline = False  # a LocalTimeline of this node's own, which it may move beat 0 of
        self.timeline: clocks.LocalTimeline | clocks.LinkTimeline | MidiClockTimeline | clocks.FollowedTimeline
        if self.link and not clocks.link_available():
            self.report_error("link: the Link library is not installed (pip install LinkPython-extern); playing "
                              "on its own tempo")
        # not a patch run again: on another engine (its context), or on the same one (its next run)
        edited = (handed is not None and handed.get("context") is self.context
                  and handed.get("run_id") == self.context.run_id)
        if self.clock:  # several pattern nodes on one grid, whatever drives the one they follow
            # an edit goes on by the last clock it had (the followed node rebuilt too may not have published yet); a
            # patch run again played by the last run's, playing when it stopped, till its own followed node published
            reuse = handed.get("timeline") if handed and edited else None
            self.timeline = (reuse if isinstance(reuse, clocks.FollowedTimeline) and reuse.name == self.clock
                             else clocks.FollowedTimeline(self.clock, self.tempo, self.quantum))
        elif self.follow_midi_clock:  # an edit goes on with the position and tempo the master's ticks gave
            # a patch run again hears the master afresh: what it did meanwhile (a stop, a start) reached no node, and
            # the last run's transport had the groove play on the ticks of a master stopped between the runs
            reuse = handed.get("timeline") if handed and edited else None
            self.timeline = reuse if isinstance(reuse, MidiClockTimeline) else MidiClockTimeline(self.tempo,
                                                                                                 self.quantum)
            self.timeline.set_quantum(self.quantum)
        elif self.link and clocks.link_available():
            reuse = handed.get("timeline") if handed else None
            if isinstance(reuse, clocks.LinkTimeline) and reuse.start_stop_sync == self.start_stop_sync:
                self.timeline = reuse
                self.timeline.set_quantum(self.quantum)
            else:
                self.timeline = clocks.LinkTimeline(self.tempo, self.quantum, self.start_stop_sync)
        elif handed and isinstance(handed.get("timeline"), clocks.LocalTimeline):
            self.timeline = handed["timeline"]
            self.timeline.set_quantum(self.quantum)
        else:
            self.timeline = clocks.LocalTimeline(self.tempo, self.quantum, start)
            self._own_timeline = True
        if handed:  # an edit rebuilt this node: go on from the step the last one reached
            if handed.get("timeline") is not self.timeline and handed.get("timeline") is not None:
                handed["timeline"].close()
            self._handed = None
            same_run = edited
            # given another's clock: its steps count from that beat 0, it joins on its bar (not each step to it late)
            joins = isinstance(self.timeline, clocks.FollowedTimeline) and handed.get("timeline") is not self.timeline
            if same_run and not joins:
                self._next_step, self._sent_step = regrid(handed.get("next_step"), handed.get("sent_step"),
                                                           handed.get("steps_per_beat", self.steps_per_beat),
                                                           self.steps_per_beat)
            self._last_due = handed.get("last_due", 0.0) if same_run else self._last_due
            # else a patch run again: its first step waits for its own sampler (the last run's stopped with it, and
            # a new one opens its stream a second later), then the next bar of the timeline it goes on with. Before,
            # it went on from the last run's step: the steps of the gap counted as late, those before the stream
            # opened dropped there, and the groove came back mid-bar. What it sent went to that run's sampler: a
            # step sent again here goes to another, on its time (not after the last one sent, 0.1 ms late).
            # What the control input changed lives on through an edit (the same run: its engine's context and run),
            # unless the edit changed that very parameter; a patch run again starts from its parameters.
            if same_run and handed.get("swing_param") == self.swing:
                self._swing = handed.get("swing", self._swing)
            if same_run and handed.get("playing_param") == self.playing:
                self._play = handed.get("play", self._play)
            if same_run and handed.get("slots") == list(self.slots):
                self._muted = set(handed.get("muted", ()))
            # till the bar, unless the grid or loop changed: written for the old one, they played wrong in the new one
            if same_run and self.change_at == "bar" and handed.get("patterns") is not None \
                    and (handed.get("steps_per_beat"), handed.get("length")) == (self.steps_per_beat, self.length):
                self._pending, self._patterns = self._patterns, handed["patterns"]
            if handed.get("tempo") != self.tempo and self.timeline.capture().tempo != self.tempo:
                self.set_tempo(self.tempo)  # as control does: Link's for the session, its own after the steps sent
        self._started_session = False
        self._master = MasterWatch(self.report_status)  # the MIDI clock master's silence and return, said
        # the groove stopped, or not started on a timeline of its own: it starts from the top, beat 0 one lookahead
        # later, the steps before it silent (sent from half a lookahead ahead, they came first: the loop's last ones)
        self._stopped = not self._play or self._own_timeline
        self._starts = self._master_starts()
        self.run_thread(self._run, name=f"{self.node_id}-pattern")

    def stop(self) -> None:
        self.stop_event.set()
        super().stop()
        clocks.withdraw(self.node_id)
        timeline = getattr(self, "timeline", None)
        handed = getattr(self, "_handed", None)
        if handed and handed.get("timeline") is not None and handed["timeline"] is not timeline:
            handed["timeline"].close()  # start() failed with the replaced node's Link peer still in the session
        if timeline is None:  # start() failed before it had a timeline: no groove to hand over
            return
        # No cancel here: an edit's rebuilt node goes on with what this one sent ahead, and one an edit removed
        # voided it in leaving(), while its links stood (they are cut before its stop()).
        with self._lock:
            patterns = self._pending if self._pending is not None else self._patterns
        give_handover(self.node_id, {"timeline": self.timeline, "next_step": self._next_step, "tempo": self.tempo,
                                      "last_due": self._last_due, "sent_step": self._sent_step, "patterns": patterns,
                                      "steps_per_beat": self.steps_per_beat, "length": self.length,
                                      "swing": self._swing, "swing_param": self.swing, "play": self._play,
                                      "playing_param": self.playing, "muted": set(self._muted),
                                      "slots": list(self.slots), "context": self.context,
                                      "run_id": self.context.run_id})

    def leaving(self) -> None:
        """Removed by an edit: the scheduler ends, and what it sent ahead (up to ``lookahead_ms``) is void from now,
        while its links stand. Voided in stop(), it reached nobody: the steps sent ahead played after the edit."""
        self.stop_event.set()
        for thread in self._threads:  # no step goes out after the cancel
            thread.join(timeout=2.0)
        if getattr(self, "_channels", None) is not None:  # start() got that far
            self._cancel(time.perf_counter())

    # -- live changes -----------------------------------------------------------------------------------------------

    def set_pattern(self, slot: str, steps: str, notes: str = "") -> None:
        """Give ``slot`` new steps (and notes), from the next step or bar (``change_at``); ``''`` silences it."""
        spec: dict[str, Any] = {slot: {"steps": steps, "notes": notes}} if steps.strip() else {}
        parsed = parse_patterns(spec, self.slots, self.root_note)
        with self._lock:
            base = dict(self._pending if self._pending is not None else self._patterns)
            for key in [k for k in base if k.lower() == slot.lower()]:
                del base[key]
            base.update(parsed)
            if self.change_at == "bar":
                self._pending = base
            else:
                self._patterns = base

    def set_tempo(self, bpm: float) -> None:
        """A new tempo, from now (with Link, for the whole session)."""
        bpm = max(20.0, min(999.0, float(bpm)))
        if isinstance(self.timeline, clocks.LocalTimeline):
            # from the last step sent ahead: from now, the steps after it at the faster tempo came before it, or
            # right after it (a flam 0.1 ms apart: 120 to 240 BPM in 32nds, 7 times in 10)
            self.timeline.set_tempo(bpm, self._last_due)
        else:
            self.timeline.set_tempo(bpm)

    def on_sync(self, message: Any) -> None:
        timeline = getattr(self, "timeline", None)
        if isinstance(timeline, MidiClockTimeline):
            # when it came to the MIDI input, where that input knows: stamped here, a burst handed on after a held
            # GIL came as ticks all at once, and the line through them was a tempo the master never played
            arrived = arrival_of(message)
            timeline.feed(message, time.perf_counter() if arrived is None else arrived)

    def on_control(self, value: ControlValue) -> None:
        target, _, what = value.name.rpartition(".")
        what = what.lower()
        if not target and what == "tempo" and self.clock:  # before, taken without a word, and nothing changed
            self._unknown_control(value.name, f"control {value.name!r}: this node plays by clock {self.clock!r}, at "
                                  f"its tempo: send tempo to {self.clock!r}")
        elif not target and what == "tempo":
            self.set_tempo(value.value)
        elif not target and what == "swing":
            self._swing = max(0.0, min(0.75, value.value))
        elif not target and what == "play":
            self._play = value.value >= 0.5
            if self.start_stop_sync and isinstance(self.timeline, clocks.LinkTimeline):
                # the session's transport, as Live's play button moves it: the other peers start and stop too
                self._started_session = True  # what the performer pressed, not "alone: start it", from now on
                playing = self.timeline.capture().playing
                if self._play and not playing:  # on a bar (alone: one lookahead from now), as at the start
                    self.timeline.start_playing(self.lookahead_ms / 1000.0)
                elif not self._play and playing:
                    self.timeline.stop_playing()
        elif target and what == "mute":
            lowered = [str(s).lower() for s in self.slots]
            if target.lower() in lowered:
                channel = lowered.index(target.lower())
            elif target.isdigit() and 1 <= int(target) <= 16:  # a slot numbered as in patterns ("9": x...)
                channel = int(target) - 1
            else:
                self._unknown_control(value.name, f"control {value.name!r}: no slot {target!r} (slots: "
                                      f"{', '.join(map(str, self.slots))}, or 1-16)")
                return
            (self._muted.add if value.value >= 0.5 else self._muted.discard)(channel % 16)
        else:
            self._unknown_control(value.name, f"unknown control {value.name!r}: use tempo, swing, play or <slot>.mute")

    def _unknown_control(self, name: str, text: str) -> None:
        """Say it once per name: one OSC controller often feeds the sampler too (its gains: a fader sends dozens a
        second), and every one of them was an error here."""
        if name not in self._unknown:
            self._unknown.add(name)
            self.report_error(text)

    def beat_clock(self) -> clocks.BeatClock:
        """The timeline now (tempo, beat, peers) for observers."""
        return self.timeline.capture()

    # -- the scheduler ------------------------------------------------------------------------------------------------

    def _run(self) -> None:
        last_status = 0.0
        while not self.stop_event.is_set():
            now = time.perf_counter()
            clock = self.timeline.capture()
            if (self.link and self.start_stop_sync and not self._started_session and not clock.playing and self._play
                    and clock.peers == 0 and isinstance(self.timeline, clocks.LinkTimeline)):
                # alone in the session: start it, as a transport would, on a bar one lookahead from now (not when
                # stopped: its play 0 stopped the session, and an edit must not start it again)
                self.timeline.start_playing(self.lookahead_ms / 1000.0)
                self._started_session = True
            clock = self._schedule(now, clock)
            if isinstance(self.timeline, MidiClockTimeline):
                self._master.tell(self.timeline, now)
            # Playing once the groove plays, by the timeline as it starts it: stopped by its control (play 0), the
            # sampler's swap loads a take at once; held for its sampler, a midi_clock sends no start yet (it sent one
            # on the bar the node began with, a second before the groove, then stopped and started its slave again).
            running = self._play and self._next_step is not None
            clocks.publish(self.node_id, clock if running or not clock.playing else replace(clock, playing=False))
            if now - last_status > STATUS_SECONDS:
                last_status = now
                # late_steps: steps a stalled host made it skip (see _schedule), as a stream counts xruns
                self.report_status(tempo=round(clock.tempo, 2), beat=round(clock.beat_at(now), 2), peers=clock.peers,
                                   playing=clock.playing and self._play, link=clock.link, late_steps=self.late_steps,
                                   follows=self.clock or ("MIDI clock" if self.follow_midi_clock else ""),
                                   # the session's transport, which the console tells (not the play control's)
                                   **({"session_playing": clock.playing} if self.start_stop_sync and clock.link
                                      else {}),
                                   **(master_fields(self.timeline) if isinstance(self.timeline, MidiClockTimeline)
                                      else {}))
            self.stop_event.wait(TICK_SECONDS)

    def _players_ready(self, now: float) -> bool:
        """Whether the samplers that play this clock can play (see :func:`clocks.add_player`). Before, the steps
        due before a sampler's stream opened were dropped there, and the groove began at whichever step came after
        it, mid-bar. Only at the node's start, and for at most :data:`PLAYER_WAIT`."""
        since = clocks.players_ready_since(self.node_id) if now < self._hold_until else None
        if now < self._hold_until and since is None:
            self._held = True
            return False
        self._ready_at = since if self._held and since is not None else -math.inf  # see _schedule
        self._hold_until = 0.0
        return True

    def _step_beat(self, step: int) -> float:
        return step_beat(step, self.steps_per_beat, self._swing)

    def _schedule(self, now: float, clock: clocks.BeatClock) -> clocks.BeatClock:
        """Send every step whose time falls before ``now + lookahead``, each stamped with that time; returns the
        timeline it went by (it moves beat 0 of its own to where the groove starts)."""
        looked, self._looked = self._looked, now
        if not (clock.playing and self._play):
            self._cancel(now)
            self._next_step = None
            self._stopped = True
            return clock
        lookahead = self.lookahead_ms / 1000.0
        horizon = now + lookahead
        if self._next_step is None and not self._players_ready(now):
            return clock
        # played again after a stop: from the top, as a sequencer's play button does, and where a midi_clock sends
        # its start (it went on from the running timeline: mid-bar, mid-loop, the slave starting its bar 1 elsewhere)
        again = self._stopped and self._next_step is None and isinstance(self.timeline, clocks.LocalTimeline)
        self._stopped = False
        if again or (self._held and self._own_timeline and self._sent_step is None
                     and isinstance(self.timeline, clocks.LocalTimeline)):
            # nobody else plays by this timeline and nothing was heard yet: beat 0 one lookahead from now, or from when
            # its samplers could play, as every other node held for them (see clocks.players_ready_since)
            ready = horizon if self._ready_at == -math.inf else self._ready_at + lookahead
            self.timeline.set_origin(max(ready, self._last_due + 1e-4))
            clock = self.timeline.capture()
            self._sent_step = None
        starts = self._master_starts()
        if starts != self._starts:
            # the master started (or continued) again while playing: from that beat, on its time. Within two beats of
            # the last start it read as no jump back: the groove went on at its old step, silent until the beat got
            # there, and the one came after the last step sent. What the old run sent ahead is void (it doubled the
            # new step 0), from before this run's first step (never due more than LATE_DROP ago).
            self._cancel(now - LATE_DROP)
            self._starts, self._next_step, self._sent_step, self._last_due = starts, None, None, 0.0
        first = math.ceil(clock.beat_at(horizon - lookahead / 2) * self.steps_per_beat)
        if self._next_step is None or self._next_step > first + 2 * self.steps_per_beat:
            if self._next_step is not None:
                # the session's beat jumped back: what was sent ahead on the old beats is void (the steps sent again
                # from here doubled it), from before this run's first step, as at a master's restart
                self._cancel(now - LATE_DROP)
            joins = self._next_step is None and isinstance(self.timeline, clocks.FollowedTimeline)
            self._next_step = first  # (re)start, or the session's beat jumped back: go on from where it is now
            self._quiet_until = None
            if self._held or again:  # the sampler could not play the steps before: start on the one, not mid-bar
                self._held = False
                bar_steps = max(1, round(clock.quantum * self.steps_per_beat))
                # not next_step itself: a bar line more than two beats ahead would read as the beat jumping back
                self._quiet_until = -(-first // bar_steps) * bar_steps
            start = math.ceil(clock.start_beat * self.steps_per_beat - 1e-6) if clock.start_beat > -math.inf else first
            if start < first and clock.time_at(start / self.steps_per_beat) >= min(now - LATE_DROP, looked):
                # the bar the session starts on is close, or came since the last look (this thread stalled): from
                # it, so that the loop counts its steps gone late in late_steps (they went uncounted) and plays the rest
                self._next_step = start
            if joins:
                # following another node's clock: on its bar still to play (it starts there, as a master's start's
                # first tick is ahead, or this node was added mid-bar: its next one), the followed node's one too
                bar_steps = max(1, round(clock.quantum * self.steps_per_beat))
                near = math.ceil(clock.beat_at(now - LATE_DROP) * self.steps_per_beat - 1e-6)
                self._quiet_until = -(-near // bar_steps) * bar_steps
                if clock.start_beat > -math.inf and start >= near:  # with it from where its master went on (mid-bar)
                    self._quiet_until = min(self._quiet_until, start)
                self._next_step = min(self._next_step, self._quiet_until)
            sent = self._sent_step
            if sent is not None and self._next_step <= sent <= first + 2 * self.steps_per_beat:
                self._next_step = sent + 1  # stopped and started within the lookahead: those steps are out already
        horizon = min(horizon, clock.placed_until)  # a master's tempo not read yet: no step ahead of its tick
        while True:
            step = self._next_step
            due = clock.time_at(self._step_beat(step))
            if due > horizon:
                return clock
            self._next_step = step + 1
            if step < clock.start_beat * self.steps_per_beat - 1e-6:
                continue  # before the bar the session's transport started on: the other peers are silent too
            if self._quiet_until is not None and step < self._quiet_until:
                continue  # waited for the sampler: the groove starts on the one
            if due < now - LATE_DROP:
                self.late_steps += 1
                continue
            due = max(due, self._last_due + 1e-4)  # a tempo change never reorders steps already sent
            self._last_due = due
            self._sent_step = step
            self._play_step(step, due, 60.0 / clock.tempo / self.steps_per_beat, clock.quantum)

    def _master_starts(self) -> int:
        """How many starts the MIDI clock master it follows has given (0 on its own timeline or Link's): a new one
        is bar 1 again."""
        return self.timeline.starts if isinstance(self.timeline, MidiClockTimeline) else 0

    def _cancel(self, at: float) -> None:
        """Void what was sent ahead for after ``at`` (it played on after a stop): an all-notes-off (CC 123) timed
        ``at`` on each channel played, which the sampler and ``midi_out`` take as "drop what came before me due after
        me, end what sounds": of this node's only, by the sender tag its messages carry. The steps sent are void
        even where none played a note (rests, muted slots): a quick start again sends them again, and the steps
        after a jump back go on their own times, not after the last one sent (they were squeezed 0.1 ms apart)."""
        self._sent_step = None
        self._last_due = at
        for channel in sorted(self._channels):
            self.emit("midi", sent_message(self._tag, "control_change", channel=channel, control=123, value=0,
                                           time=at))
        self._channels.clear()

    def _play_step(self, step: int, due: float, step_seconds: float, quantum: float) -> None:
        bar_steps = max(1, round(quantum * self.steps_per_beat))
        with self._lock:
            if self._pending is not None and (self.change_at == "step" or step % bar_steps == 0):
                self._patterns, self._pending = self._pending, None
            patterns, pending = self._patterns, self._pending
        # where the patterns waiting take over: a note's gate ends before their hit of its note there
        takeover = step + 1 if self.change_at == "step" else (step // bar_steps + 1) * bar_steps
        if time.perf_counter() - due > LATE_DROP:
            # stalled since _schedule checked it (this lock held by an edit, a host stall): the sampler would drop
            # it unseen as too late (its late_dropped), so it is skipped and counted here, where a performer looks
            self.late_steps += 1
            return
        for pattern in patterns.values():
            if pattern.channel in self._muted:
                continue
            index = slot_index(pattern, step, self.length)
            velocity = pattern.velocities[index]
            if velocity <= 0:
                continue
            note = pattern.notes[index]
            self._channels.add(pattern.channel)
            self.emit("midi", sent_message(self._tag, "note_on", channel=pattern.channel, note=note,
                                           velocity=velocity, time=due))
            off = due + gate_seconds(pattern, step, note, step_seconds, self.gate, self.steps_per_beat, self._swing,
                                     self.length, pending, takeover)
            self.emit("midi", sent_message(self._tag, "note_off", channel=pattern.channel, note=note, time=off))
        self.steps_played += 1
