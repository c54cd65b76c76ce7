"""The microphone node: level cutting on its own, and takes from audio looped through a JACK dummy server."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any, cast

import numpy as np
import pytest

from exsampling_patch.devices import jack_client_name
from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import LevelCutter, Microphone
from tests.intake.tone_bursts import BurstPlayer
from tests.jack_tools import jack_command
from tests.waiting import wait_for

RATE = 48000


def cut(levels: list[float], **params: Any) -> list[tuple[float, float]]:
    """Feed 10 ms blocks with the given peaks; returns takes as (start, stop) in seconds."""
    settings = {"threshold": 0.1, "pre_roll": 0.0, "hang": 0.05, "min_length": 0.0, "max_length": 10.0, **params}
    cutter = LevelCutter(1000, **settings)
    found = []
    for i, peak in enumerate(levels):
        found += cutter.feed(peak, i * 10, (i + 1) * 10)
    return [(a / 1000, b / 1000) for a, b in found]


def test_level_cutter_threshold_pre_roll_hang_and_lengths() -> None:
    sound = [0.0] * 20 + [0.5] * 30 + [0.0] * 20 + [0.5] * 3 + [0.0] * 20
    assert cut(sound) == [(0.2, 0.55), (0.7, 0.78)]
    assert cut(sound, pre_roll=0.1) == [(0.1, 0.55), (0.6, 0.78)]
    assert cut(sound, min_length=0.1) == [(0.2, 0.55)]  # the 30 ms blip (+ hang) is dropped
    assert cut([*sound, *[0.0] * 20], hang=0.3) == [(0.2, 1.03)]  # the 200 ms gap is bridged
    assert cut([0.5] * 100 + [0.0] * 10, max_length=0.4) == [(0.0, 0.4), (0.4, 0.8), (0.8, 1.05)]


def test_level_cutter_cut_off_ends_the_take_at_the_last_frame_heard() -> None:
    cutter = LevelCutter(1000, threshold=0.1, pre_roll=0.0, hang=0.05, min_length=0.02, max_length=10.0)
    assert cutter.cut_off(100) == []  # nothing being recorded
    for i in range(10, 20):  # loud from 100 ms on; the stream stops at 200 ms
        assert cutter.feed(0.5, i * 10, (i + 1) * 10) == []
    assert cutter.cut_off(200) == [(100, 200)] and cutter.cut_off(200) == []
    cutter.feed(0.5, 300, 310)  # a take starts again; quiet after, and the stream stops within the hang time
    cutter.feed(0.0, 310, 320)
    cutter.feed(0.0, 320, 330)
    assert cutter.cut_off(330) == [(300, 330)]
    cutter.feed(0.5, 400, 410)  # too short to keep
    assert cutter.cut_off(410) == []


def jack_connect(source: str, target: str) -> None:
    jack_command("jack_connect", source, target).check_returncode()


@pytest.mark.jack
@pytest.mark.slow
def test_bursts_played_through_jack_come_back_as_takes(tmp_path: Path) -> None:
    import sounddevice as sd

    bursts = [(1.0, 0.4), (2.0, 0.8), (3.4, 0.25)]  # (start, length) in seconds
    play = BurstPlayer(bursts, 4.5, RATE)

    context = NodeContext(tmp_path)
    mic = Microphone("mic", {"threshold_db": -20.0, "pre_roll": 0.0, "hang": 0.1, "min_length": 0.1,
                             "folder": str(tmp_path / "takes"), "blocksize": 256}, context)
    mic.start()
    try:
        client = mic.jack_client  # its input process's
        assert client, "PortAudio did not register a JACK client"
        out = sd.OutputStream(samplerate=RATE, channels=1, dtype="float32", blocksize=256, callback=play)
        with out:
            ports = jack_command("jack_lsp").stdout.split()
            inputs = [p for p in ports if p.startswith(f"{client}:in")]
            outputs = [p for p in ports if p.startswith(f"{jack_client_name()}:out")]  # this process's
            assert inputs and outputs, ports
            jack_connect(outputs[0], inputs[0])  # the loop: what we play is what the microphone hears
            play.connected = True
            deadline = time.monotonic() + 15
            while not play.done and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(0.4)
    finally:
        mic.stop()
    assert context.errors == []
    takes: list[Take] = [m for port, m in context.emitted if port == "take"]
    assert not [t for t in takes if t.meta.get("recovered")]
    from exsampling_patch.takes import TakeStore
    stored = TakeStore(tmp_path / "takes")
    assert stored.unprocessed() == []
    crashed = stored.store(Take(np.ones(4800, np.float32) * 0.5, RATE, take_id="mic-crashed", source="mic"))
    again = NodeContext(tmp_path)
    mic = Microphone("mic", {"folder": str(tmp_path / "takes")}, again)
    mic.start()
    try:
        deadline = time.monotonic() + 5
        while not again.emitted and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        mic.stop()
    assert [(m.take_id, m.meta["recovered"], m.path) for _, m in again.emitted] == [("mic-crashed", True, crashed.path)]
    assert len(takes) == 3, [t.duration for t in takes]
    starts = [t.meta["stream_start_s"] for t in takes]
    for take, (_, length) in zip(takes, bursts, strict=True):
        assert take.duration - 0.1 == pytest.approx(length, abs=0.05)  # minus the hang time
        assert take.path is not None and take.path.exists() and take.meta["stored_at"] > 0
        loud = np.flatnonzero(np.abs(take.mono()) > 0.1)
        assert loud[0] / RATE < 0.05  # the burst starts where the take starts
        assert (take.frames - loud[-1]) / RATE == pytest.approx(0.1, abs=0.05)
    for (a, _), (b, _), sa, sb in zip(bursts, bursts[1:], starts, starts[1:], strict=False):
        assert sb - sa == pytest.approx(b - a, abs=0.05)


def test_jack_client_name_is_none_or_text() -> None:
    name = jack_client_name()
    assert name is None or isinstance(name, str)


@pytest.mark.jack
def test_audio_lost_to_a_slow_assembly_is_a_warning_not_a_standing_error(tmp_path: Path) -> None:
    """Take assembly that fell behind the audio (the machine stalled) lost some, then read the newest audio again:
    it was an error, which stood until the node restarted (nothing of the microphone opens again to end it), so
    the editor's badge and the end-of-show summary kept a loss long over. Now a warning, told each time."""
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.registry import Registry
    from exsampling_patch.runtime import Engine, Event, NodeError, NodeStatus

    patch = Patch()
    patch.add_node(NodeSpec("mic", "microphone", {"folder": str(tmp_path / "takes"), "sample_rate": RATE}))
    events: list[Event] = []
    engine = Engine(Registry.default(entry_points=False), workers=1, pin_workers=False)
    engine.events.subscribe(events.append, NodeError, NodeStatus)
    engine.start(patch)
    try:
        mic = cast(Microphone, engine.node("mic"))
        assert mic.jack_client, "PortAudio did not register a JACK client"
        # As if the JACK callback had written more than the ring holds while assembly stalled.
        jump = len(mic._ring.samples) + RATE
        target = mic._ring.written + jump
        mic._ring.counts[0] += jump
        time.sleep(0.05)
        if mic._ring.written < target:  # the input process's callback stored its count over ours meanwhile
            mic._ring.counts[0] += jump

        def warnings() -> list[str]:
            # The assembly's own: on a busy host the input process may also tell "the input stream dropped audio".
            return [e.status["warning"] for e in list(events) if isinstance(e, NodeStatus)
                    and str(e.status.get("warning", "")).startswith("take assembly")]

        # Waited for, not a fixed 0.2 s after the overrun counted: the assembly thread tells it after.
        assert wait_for(warnings), mic.overruns
        time.sleep(0.2)  # a second warning would come now
        assert mic.overruns == 1
        assert engine.errors == {}, engine.errors
        assert [e for e in events if isinstance(e, NodeError)] == []
        told = warnings()
        assert len(told) == 1 and re.fullmatch(
            r"take assembly fell \d+ frames behind; audio was lost \(1 time so far\)", told[0]), told
    finally:
        engine.stop()


def ring_files() -> int:
    """This process's descriptors of microphone rings (shared memory: each holds the ring's every page)."""
    count = 0
    for fd in Path("/proc/self/fd").iterdir():
        try:
            count += "exsampling-microphone" in str(fd.readlink())
        except OSError:
            continue
    return count


def test_a_microphone_that_cannot_start_holds_no_ring(tmp_path: Path) -> None:
    """Before: its ring of shared memory (5.8 MB at the defaults, every page taken at once) was made before the take
    folder; a folder that could not be made left the ring and its descriptor held until the run ended, once more at
    each start (a patch rebuilt live with that folder)."""
    (tmp_path / "a-file").write_text("not a folder", encoding="utf-8")
    before = ring_files()
    for _ in range(2):
        mic = Microphone("mic", {"folder": str(tmp_path / "a-file")}, NodeContext(tmp_path))
        with pytest.raises(FileExistsError):
            mic.start()
        mic.stop()
    assert ring_files() <= before  # <=: another test's ring may be freed meanwhile


def ring_mappings() -> set[int]:
    """The inodes of the microphone rings this process has mapped (``/proc/self/maps``): their memfd only, not a
    JACK semaphore named after an input process's client (``jack_sem.0_<server>_exsampling-microphone-<pid>``)."""
    found = set()
    for line in Path("/proc/self/maps").read_text(encoding="utf-8").splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and fields[5].startswith("/memfd:exsampling-microphone"):
            found.add(int(fields[4]))
    return found


@pytest.mark.jack
def test_a_stopped_microphone_or_one_that_failed_to_start_unmaps_its_ring(tmp_path: Path) -> None:
    """Before: stop (and a start whose stream would not open) closed the ring's descriptor only; its mapping, every
    page of it (5.8 MB at the defaults), stayed until the garbage collector came to the node's arrays."""
    before = ring_mappings()
    mic = Microphone("mic", {"folder": str(tmp_path / "takes")}, NodeContext(tmp_path))
    mic.start()
    try:
        assert mic.jack_client, "PortAudio did not register a JACK client"
        ours = ring_mappings() - before
        assert len(ours) == 1, ours
    finally:
        mic.stop()
    assert ring_mappings().isdisjoint(ours) and mic._ring.closed
    missing = Microphone("mic2", {"folder": str(tmp_path / "takes"), "device": "exs-no-such-input"},
                         NodeContext(tmp_path))
    with pytest.raises(RuntimeError, match="exs-no-such-input"):
        missing.start()
    missing.stop()
    assert ring_mappings() <= before and missing._ring.closed  # none of its own left
