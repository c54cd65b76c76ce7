"""The pattern node in an Ableton Link session with another peer: a second process that runs the Link library
alone (LinkPython-extern), found over loopback. The node follows the peer's tempo change within a beat, and
their beat phases agree within 1 ms."""

from __future__ import annotations

import contextlib
import gc
import itertools
import math
import subprocess
import sys
import textwrap
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

import pytest

from exsampling_patch.messages import ControlValue
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes import clock as clocks
from exsampling_patch.nodes.pattern import Pattern
from exsampling_patch.nodes.pattern_handover import take_handover

pytest.importorskip("link")
pytestmark = pytest.mark.slow

PEER = textwrap.dedent("""
    import sys, time
    import link
    peer = link.Link(120.0)
    peer.enabled = True
    print("up", flush=True)

    def where():  # the session's beat 0 on a bar of 4, when it started playing, whether it plays, its tempo
        state = peer.captureAppSessionState()
        return f"{state.timeAtBeat(0.0, 4.0)} {state.timeForIsPlaying()} {int(state.isPlaying())} {state.tempo()}"

    for line in sys.stdin:
        words = line.split()
        if words[0] == "peers":
            print(peer.numPeers(), flush=True)
        elif words[0] == "tempo":
            state = peer.captureAppSessionState()
            now = peer.clock().micros()
            state.setTempo(float(words[1]), now)
            peer.commitAppSessionState(state)
            print(now, flush=True)
        elif words[0] == "sync":
            peer.startStopSyncEnabled = True
            print("ok", flush=True)
        elif words[0] == "stop":
            state = peer.captureAppSessionState()
            state.setIsPlaying(False, peer.clock().micros())
            peer.commitAppSessionState(state)
            print("ok", flush=True)
        elif words[0] == "play":  # as LinkHut (and Live) start: beat 0 on the session's next bar; pressed mid-bar
            while not 1.0 <= peer.captureAppSessionState().phaseAtTime(peer.clock().micros(), 4.0) < 2.0:
                time.sleep(0.001)
            state = peer.captureAppSessionState()
            now = peer.clock().micros()
            state.setIsPlayingAndRequestBeatAtTime(True, now, 0.0, 4.0)
            peer.commitAppSessionState(state)
            print(now, where(), flush=True)
        elif words[0] == "where":
            print(where(), flush=True)
        elif words[0] == "playing":
            print(peer.captureAppSessionState().isPlaying(), flush=True)
        elif words[0] == "session_tempo":
            print(peer.captureAppSessionState().tempo(), flush=True)
        elif words[0] == "beat":
            state = peer.captureAppSessionState()
            print(" ".join(str(state.beatAtTime(int(w), 4.0)) for w in words[1:]), flush=True)
        elif words[0] == "quit":
            break
""")


class Peer:
    def __init__(self) -> None:
        self.process = subprocess.Popen([sys.executable, "-c", PEER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True)
        assert self._read() == "up"

    def _read(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline().strip()

    def ask(self, line: str) -> str:
        assert self.process.stdin is not None
        self.process.stdin.write(line + "\n")
        self.process.stdin.flush()
        return self._read()

    def close(self) -> None:
        with contextlib.suppress(BrokenPipeError, AssertionError):
            self.ask("quit")
        self.process.wait(timeout=5)


def wait_for_peers(node: Pattern, peer: Peer) -> None:
    """Until the node and the peer process have found each other over loopback, each seeing the other (10 s at
    most)."""
    deadline = time.monotonic() + 10
    while (node.beat_clock().peers < 1 or peer.ask("peers") == "0") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert node.beat_clock().peers >= 1, "the two Link peers did not find each other over loopback"


def stop_session(node: Pattern, peer: Peer) -> None:
    """The peer stops the session; returns once the node has seen it stop (10 s at most)."""
    assert peer.ask("stop") == "ok"
    deadline = time.monotonic() + 10
    while node.beat_clock().playing and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not node.beat_clock().playing, "the node did not see the peer stop the session"


def moved(before: list[str], after: list[str]) -> bool:
    """Whether the session (the peer's ``where``) has moved in between: its beat 0, its transport or its tempo. Its
    times may differ by a few microseconds from one capture to the next (Link measures its peers' clocks anew)."""
    beat0, started, playing, tempo = (float(w) for w in before)
    beat0_now, started_now, playing_now, tempo_now = (float(w) for w in after)
    return (abs(beat0_now - beat0) > 100 or abs(started_now - started) > 100 or playing_now != playing
            or tempo_now != pytest.approx(tempo))


def raw_to_perf() -> float:
    """perf_counter - CLOCK_MONOTONIC_RAW (Link's clock on Linux), read together: of five reads, the one that took
    least time, as the node maps Link's clock (``LinkTimeline._offset``). One read, preempted between the two
    clocks on a loaded 2-core machine, moved the mapping by half as long: 2 ms of a time slice put the node's
    beats 1 ms off the peer's in the phase check, the node's own mapping right."""
    best = (math.inf, 0.0)
    for _ in range(5):
        before = time.perf_counter()
        raw = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
        after = time.perf_counter()
        best = min(best, (after - before, (before + after) / 2 - raw))
    return best[1]


def leave_session(node: Pattern) -> None:
    """Stops the node, and closes the Link peer it keeps for an edit to take over (for 5 s): left in the session, it
    was another peer to the next test, which took it for another test run's (``Crowd``)."""
    node.stop()
    handed = take_handover(node.node_id)
    if handed is not None:
        handed["timeline"].close()


class Crowd:
    """Whether a Link peer other than the node and this test's peer process was seen in the session: another test run
    on this machine joins it over loopback (Link has no port or interface to choose) and may change its tempo, start
    or stop it, or move its beats."""

    def __init__(self, peer: Peer | None) -> None:
        self.peer = peer
        self.seen = False
        self._done = threading.Event()
        self._watcher: threading.Thread | None = None

    def watch(self, node: Pattern) -> None:
        """Looks through ``node`` every 10 ms until :meth:`close`, on a thread of its own (the peer process is asked
        on the test's only): a peer of another run that joined, moved the session and left between two of the
        attempt's looks (a second or so apart) went unseen, and the attempt it spoiled failed the test."""
        ours = self.peer is not None

        def watching() -> None:
            while not self._done.wait(0.01) and not self.seen:
                self.seen = node.beat_clock().peers > ours

        self._watcher = threading.Thread(target=watching, name="crowd-watch", daemon=True)
        self._watcher.start()

    def close(self) -> None:
        self._done.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)

    def look(self, node: Pattern | None = None) -> bool:
        """Looks once more, through the peer process and ``node`` (while it runs); returns whether one was seen."""
        ours = self.peer is not None  # the peers the node has with nobody else in the session
        if node is not None:
            self.seen = self.seen or node.beat_clock().peers > ours
        if self.peer is not None:
            self.seen = self.seen or int(self.peer.ask("peers")) > 1
        return self.seen


def made_again_if_crowded(attempt: Callable[[Crowd], None], peer: Peer | None = None,
                          node: Pattern | None = None) -> None:
    """Makes ``attempt`` up to 3 times. One whose assertion failed while another Link peer was in the session (as its
    ``Crowd`` saw, watching ``node`` all along where given) proves nothing either way and is made again; one that
    failed with nobody else in it fails the test. All 3 failed so: skipped."""
    for _attempt in range(3):
        crowd = Crowd(peer)
        if node is not None:
            crowd.watch(node)
        try:
            attempt(crowd)
            return
        except AssertionError:
            crowd.close()
            if not crowd.look():
                raise
        finally:
            crowd.close()
    pytest.skip("other Link peers on this machine joined the session and changed it during each attempt")


def test_follows_a_peers_tempo_within_a_beat_and_shares_its_phase() -> None:
    """Another test run on this machine may join the session and change its tempo or move its beats while this one
    measures: such an attempt is made again (``made_again_if_crowded``)."""
    peer = Peer()
    node = Pattern("pat-link", {"patterns": {"HH": "x"}, "link": True, "tempo": 120.0, "quantum": 4.0},
                   NodeContext())
    node.start()

    def attempt(crowd: Crowd) -> None:
        crowd.look(node)
        time.sleep(0.5)

        # phase: both say which beat it is at the same instants
        offset = raw_to_perf()
        now_raw = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
        instants = [now_raw + 0.01 * k for k in range(20)]
        theirs = [float(b) for b in peer.ask("beat " + " ".join(str(int(t * 1e6)) for t in instants)).split()]
        clock = node.beat_clock()
        ours = [clock.beat_at(t + offset) for t in instants]
        errors_ms = [((a - b + 2.0) % 4.0 - 2.0) * 60.0 / clock.tempo * 1000.0 for a, b in zip(ours, theirs,
                                                                                                 strict=True)]
        crowd.look(node)
        assert max(abs(e) for e in errors_ms) < 1.0, errors_ms

        # tempo: the peer changes it; the node follows within a beat (0.4 s at 150 BPM); a tempo the session does
        # not have (an attempt before, or another run, may have left 150)
        tempo = 150.0 if clock.tempo != pytest.approx(150.0) else 125.0
        node.context.emitted.clear()
        changed = int(peer.ask(f"tempo {tempo}")) / 1e6 + raw_to_perf()
        while node.beat_clock().tempo != pytest.approx(tempo) and time.perf_counter() < changed + 2.0:
            time.sleep(0.002)
        followed = time.perf_counter() - changed
        crowd.look(node)
        assert followed < 60.0 / tempo, f"followed after {followed * 1000:.0f} ms"
        time.sleep(1.0)
        crowd.look(node)
        late = [m.time for port, m in list(node.context.emitted) if m.type == "note_on" and m.time > changed + 0.5]
        steps = [b - a for a, b in itertools.pairwise(late)]
        # 16ths; Link's timeline converts beats to whole microseconds and each capture maps Link's clock onto
        # perf_counter anew (a busy 2-core machine moved that by 40 us once), so a step can be tens of us off: far
        # inside the 1 ms the issue asks
        assert steps and all(s == pytest.approx(15.0 / tempo, abs=1e-4) for s in steps), steps
        clock = node.beat_clock()
        offset = raw_to_perf()
        now_raw = time.clock_gettime(time.CLOCK_MONOTONIC_RAW)
        theirs = [float(peer.ask(f"beat {int(now_raw * 1e6)}"))]
        ours = [clock.beat_at(now_raw + offset)]
        assert abs(((ours[0] - theirs[0] + 2.0) % 4.0 - 2.0) * 60000.0 / tempo) < 1.0  # still in phase, in ms
        report: dict[str, Any] = {"phase_ms_max": max(abs(e) for e in errors_ms), "followed_ms": followed * 1000}
        print(report)

    try:
        wait_for_peers(node, peer)
        made_again_if_crowded(attempt, peer, node)
    finally:
        leave_session(node)
        peer.close()


def test_an_edit_of_the_tempo_sets_the_sessions_tempo() -> None:
    """The runtime rebuilds an edited node, which takes over the old one's Link peer: the tempo the edit gives is
    the session's, for the other peers too (before, the edit was ignored while the node played with Link).

    Another test run on this machine may join the session over loopback and change its tempo (to 150 once, between
    the edit and the check). An attempt that went wrong while such a peer was in the session proves nothing either way
    and is made again; one that went wrong with only the node and this test's peer in it fails."""
    peer = Peer()
    node = Pattern("pat-link-edit", {"patterns": {"HH": "x"}, "link": True, "tempo": 120.0}, NodeContext())
    node.start()
    running = node
    try:
        wait_for_peers(node, peer)
        for _attempt in range(3):
            # a tempo the session does not have (it may not be 120: the peer came first, or another session ran here)
            before = running.beat_clock().tempo
            tempo = 133.0 if before != pytest.approx(133.0) else 141.0
            running.stop()
            edited = Pattern("pat-link-edit", {"patterns": {"HH": "x"}, "link": True, "tempo": tempo}, NodeContext())
            edited.start()
            assert edited.timeline is running.timeline  # the same peer: the groove goes on
            running = edited
            ours = edited.beat_clock().tempo
            crowded = False  # another peer than the node seen in the session
            deadline = time.monotonic() + 10
            while True:
                crowded = crowded or int(peer.ask("peers")) > 1
                theirs = float(peer.ask("session_tempo"))
                moved = crowded and theirs not in (pytest.approx(before), pytest.approx(tempo))
                if theirs == pytest.approx(tempo) or moved or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            if not crowded or (ours == pytest.approx(tempo) and theirs == pytest.approx(tempo)):
                break
        else:
            pytest.skip("other Link peers on this machine joined the session and changed it during each attempt")
    finally:
        leave_session(running)
        peer.close()
    assert ours == pytest.approx(tempo), f"the edited node plays at {ours} BPM, not the edit's {tempo}"
    assert theirs == pytest.approx(tempo), f"the session's tempo is {theirs} BPM, not the edit's {tempo}"


def test_with_start_stop_sync_it_starts_on_the_bar_the_session_starts_on() -> None:
    """A peer (Live, LinkHut) pressed play mid-bar: it starts on the session's next bar, and so does the node.
    Before, the node began at once and played the rest of that bar alone.

    Another test run on this machine joins the session over loopback (Link has no port or interface to choose), and
    may change its tempo, start or stop it: an attempt during which the session's timeline or transport moved
    proves nothing either way, and is made again."""
    peer = Peer()
    assert peer.ask("sync") == "ok"
    node = Pattern("pat-link-sync", {"patterns": {"HH": "x"}, "link": True, "start_stop_sync": True, "tempo": 120.0},
                   NodeContext())
    node.start()
    try:
        wait_for_peers(node, peer)
        for _attempt in range(3):
            stop_session(node, peer)
            time.sleep(0.2)  # what was sent ahead before the stop has gone out
            node.context.emitted.clear()
            now, *session = peer.ask("play").split()
            pressed, bar = (int(w) / 1e6 + raw_to_perf() for w in (now, session[0]))
            deadline = time.monotonic() + 10
            while not node.context.emitted and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)
            ons = [m.time for port, m in list(node.context.emitted) if m.type == "note_on"]
            if not moved(session, peer.ask("where").split()):
                break
        else:
            pytest.skip("other Link peers on this machine moved the session during each attempt")
    finally:
        leave_session(node)
        peer.close()
    # two beats at least between the press and the bar (not 120 BPM: another run may have left another tempo)
    assert (bar - pressed) * float(session[3]) / 60.0 > 1.8
    assert ons and ons[0] == pytest.approx(bar, abs=0.002)  # nothing before the bar, the first step on it


def test_with_start_stop_sync_its_play_control_starts_and_stops_the_session() -> None:
    """The control input's play is the node's transport button: with start_stop_sync it starts and stops the whole
    session, as Live's does. Before, it only silenced the node; the other peers played on.

    Another test run on this machine may join the session and start or stop it between the node's play and the check
    (the play was once not seen so): such an attempt is made again (``made_again_if_crowded``)."""
    peer = Peer()
    assert peer.ask("sync") == "ok"
    node = Pattern("pat-link-play", {"patterns": {"HH": "x"}, "link": True, "start_stop_sync": True, "tempo": 120.0},
                   NodeContext())
    node.start()

    def peer_sees(playing: bool, crowd: Crowd) -> bool:
        deadline = time.monotonic() + 10
        while peer.ask("playing") != str(playing) and time.monotonic() < deadline:
            crowd.look(node)
            time.sleep(0.02)
        return peer.ask("playing") == str(playing)

    def attempt(crowd: Crowd) -> None:
        crowd.look(node)
        stop_session(node, peer)
        node.context.emitted.clear()
        node.handle("control", ControlValue("play", 1.0))
        assert peer_sees(True, crowd), "the node's play did not start the session"
        deadline = time.monotonic() + 10
        while not [m for port, m in list(node.context.emitted) if m.type == "note_on"] and time.monotonic() < deadline:
            crowd.look(node)
            time.sleep(0.01)
        assert [m for port, m in list(node.context.emitted) if m.type == "note_on"], "the node did not play"
        node.handle("control", ControlValue("play", 0.0))
        assert peer_sees(False, crowd), "the node's play 0 did not stop the session"
        crowd.look(node)
        assert not node.beat_clock().playing

    try:
        wait_for_peers(node, peer)
        made_again_if_crowded(attempt, peer)
    finally:
        leave_session(node)
        peer.close()


def test_edits_that_toggle_start_stop_sync_release_the_peers_they_replace() -> None:
    """Such an edit needs a new Link peer; the old one was only disabled, and kept its threads and sockets (three
    threads each) while anything held the stopped node or its handover: they piled up edit after edit."""
    context = NodeContext()
    nodes, peers = [], []
    for sync in (False, True, False, True):
        node = Pattern("pat-link-toggle", {"patterns": {"HH": "x"}, "link": True, "start_stop_sync": sync}, context)
        node.start()
        assert isinstance(node.timeline, clocks.LinkTimeline)
        nodes.append(node)  # as an observer (the editor, a test) may hold on to it
        peers.append(weakref.ref(node.timeline.link))
        time.sleep(0.1)
        node.stop()
    gc.collect()
    alive = [peer() is not None for peer in peers]
    assert alive == [False, False, False, True], alive  # the last waits for an edit that may take it over
    assert nodes[0].beat_clock().peers == 0  # a stopped node still answers, from its last capture


def test_after_waiting_for_its_sampler_it_starts_on_the_sessions_next_bar() -> None:
    """In a Link session the node cannot move beat 0: after waiting for its sampler's stream it starts on the
    session's next bar. A bar line more than two beats ahead read as the session's beat jumping back, and the node
    started at once, mid-bar.

    Another test run on this machine may join the session and move its beats or tempo in between: such an attempt is
    made again (``made_again_if_crowded``), each with a node of its own."""
    tries = itertools.count()

    def attempt(crowd: Crowd) -> None:
        name = f"pat-link-wait-{next(tries)}"  # not the last attempt's Link peer, which an equal id would take over
        can_play = threading.Event()
        clocks.add_player("smp-link-wait", name, can_play)  # a sampler whose stream is not open yet
        node = Pattern(name, {"patterns": {"HH": "x"}, "link": True, "tempo": 120.0, "quantum": 4.0}, NodeContext())
        node.start()
        try:
            time.sleep(0.3)
            assert not node.context.emitted
            deadline = time.monotonic() + 10
            while not 0.2 <= node.beat_clock().beat_at(time.perf_counter()) % 4.0 < 0.6 and time.monotonic() < deadline:
                time.sleep(0.002)
            can_play.set()  # early in a bar: its next bar line is more than three beats away
            opened = node.beat_clock().beat_at(time.perf_counter())
            deadline = time.monotonic() + 10
            while not node.context.emitted and time.monotonic() < deadline:
                time.sleep(0.01)
            time.sleep(0.3)
            clock = node.beat_clock()
            ons = [clock.beat_at(m.time) for port, m in list(node.context.emitted) if m.type == "note_on"]
            crowd.look(node)
        finally:
            leave_session(node)
            clocks.remove_player("smp-link-wait", can_play)
        assert ons and ons[0] == pytest.approx(math.ceil(opened / 4.0) * 4.0, abs=1e-3), (opened, ons[:4])
        assert node.late_steps == 0

    made_again_if_crowded(attempt)


def test_an_edit_does_not_start_a_session_its_play_control_stopped() -> None:
    """Alone in the session with start_stop_sync the node starts it; a node rebuilt by an edit did so again after the
    performer had stopped it with play 0 (the session played on with nobody playing, and play 1 then came in
    mid-bar instead of starting it).

    Another test run on this machine may be in the session, or join it and start it, before the check: such an attempt
    is made again (``made_again_if_crowded``), each with a node of its own."""
    tries = itertools.count()

    def attempt(crowd: Crowd) -> None:
        run = NodeContext()
        name = f"pat-link-edit-stopped-{next(tries)}"  # not the last attempt's Link peer
        params: dict[str, Any] = {"patterns": {"HH": "x"}, "link": True, "start_stop_sync": True, "tempo": 120.0}
        node = Pattern(name, params, run)
        node.start()
        edited: Pattern | None = None
        try:
            deadline = time.monotonic() + 10
            while not node.beat_clock().playing and time.monotonic() < deadline:
                time.sleep(0.01)
            assert not crowd.look(node), "another Link peer is in the session: the node is not alone in it"
            node.handle("control", ControlValue("play", 0.0))
            assert not node.beat_clock().playing
            crowd.look(node)
            node.stop()
            run.emitted.clear()
            edited = Pattern(name, {**params, "patterns": {"HH": "x.x."}}, run)
            edited.start()
            time.sleep(0.3)
            crowd.look(edited)
            assert not edited.beat_clock().playing and not edited.context.emitted
        finally:
            leave_session(edited or node)

    made_again_if_crowded(attempt)
