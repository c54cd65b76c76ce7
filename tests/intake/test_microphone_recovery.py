"""The microphone's takes after a crash: each stored take reaches the patch once, a damaged one is told once
(issue 16: "nothing lost, every fate told").

For real, under the run's JACK dummy server: the microphone's stream is PortAudio's, and what it hears is played
by an output stream of this process, jack_connect-ed to the microphone's input port, as through a cable.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import exsampling_patch.nodes.microphone_passing as microphone_passing
from exsampling_patch.messages import Take
from exsampling_patch.node import NodeContext
from exsampling_patch.nodes.microphone import Microphone
from exsampling_patch.takes import DAMAGED_FOLDER, PROCESSED_JOURNAL, TakeStore
from tests.outputs.test_sampler_jack import client_ports, jack_connect
from tests.waiting import wait_for

pytestmark = pytest.mark.jack
RATE = 48000  # the JACK server's: PortAudio's JACK host opens streams at that rate only


class TrackingContext(NodeContext):
    """As in the runtime: the microphone writes a take down as done when told its end, not when it emits it."""

    tracks_takes = True


def make_mic(tmp_path: Path, context: NodeContext) -> Microphone:
    return Microphone("mic", {"sample_rate": RATE, "threshold_db": -20.0, "pre_roll": 0.0, "hang": 0.05,
                              "min_length": 0.05, "folder": str(tmp_path / "takes"), "buffer_seconds": 15.0},
                      context)


def start_mic(mic: Microphone) -> str:
    """Start the microphone; returns its stream's JACK input port (its input process's own JACK client's)."""
    mic.start()
    client = mic.jack_client
    assert client, "the microphone's stream has no JACK client"
    (port,) = {port for port in client_ports(client) if ":in_" in port}
    return port


class Player:
    """An output stream of this process, connected to the JACK input port ``target``: what it plays, the microphone
    hears; silence between."""

    def __init__(self, target: str) -> None:
        import sounddevice as sd

        from exsampling_patch.devices import jack_client_name

        client = jack_client_name()  # this process's PortAudio client (the microphone's is in its input process)
        assert client, "PortAudio has no JACK client"
        self._pending = np.zeros(0, np.float32)
        self._lock = threading.Lock()
        before = client_ports(client)
        self.stream = sd.OutputStream(samplerate=RATE, channels=1, dtype="float32", callback=self._callback)
        self.stream.start()
        try:
            (out,) = {port for port in client_ports(client) - before if ":out_" in port}
            jack_connect(out, target)
        except BaseException:
            self.close()
            raise

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, _status: Any) -> None:
        with self._lock:
            chunk, self._pending = self._pending[:frames], self._pending[frames:]
        outdata[: len(chunk), 0] = chunk
        outdata[len(chunk):, 0] = 0.0

    def play(self, samples: np.ndarray) -> None:
        """Play ``samples``; returns once the stream has taken the last of them."""
        with self._lock:
            self._pending = np.concatenate([self._pending, samples.astype(np.float32)])
        assert wait_for(lambda: not len(self._pending)), "the player's stream did not run"

    def close(self) -> None:
        self.stream.close()


def burst() -> np.ndarray:
    """0.3 s of a loud sine, then 0.3 s of silence: the hang time passes in it, and the take ends."""
    t = np.arange(int(0.3 * RATE)) / RATE
    return np.concatenate([0.5 * np.sin(2 * np.pi * 330 * t), np.zeros(int(0.3 * RATE))])


def emitted_ids(context: NodeContext) -> list[str]:
    return [take.take_id for port, take in list(context.emitted) if port == "take"]


def test_a_take_recorded_while_recovering_is_passed_on_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Before: the recovery thread listed the unfinished takes after recording had begun; a take recorded and
    stored before that (not done yet: its end had not come back) was listed too, and passed on twice."""
    store = TakeStore(tmp_path / "takes")
    crashed = store.store(Take(np.full(4800, 0.5, np.float32), RATE, take_id="mic-crashed", source="mic"))

    # The recovery thread is held at its first step, whichever it is (listing the takes, or reading one).
    main = threading.current_thread()
    holding, release = threading.Event(), threading.Event()

    def hold() -> None:
        if threading.current_thread() is not main:
            holding.set()
            assert release.wait(20)

    unfinished, read_take = TakeStore.unfinished, microphone_passing.read_take

    def held_unfinished(self: TakeStore) -> list[tuple[Path, dict[str, Any]]]:
        hold()
        return unfinished(self)

    def held_read_take(*args: Any, **kwargs: Any) -> Take:
        hold()
        return read_take(*args, **kwargs)

    monkeypatch.setattr(TakeStore, "unfinished", held_unfinished)
    monkeypatch.setattr(microphone_passing, "read_take", held_read_take)

    context = TrackingContext(tmp_path)
    mic = make_mic(tmp_path, context)
    player = None
    try:
        player = Player(start_mic(mic))
        assert holding.wait(5)
        player.play(np.zeros(int(0.2 * RATE)))
        assert wait_for(lambda: len(context.statuses) >= 2)  # take assembly is running: it hears what comes
        player.play(burst())
        assert wait_for(lambda: len(emitted_ids(context)) == 1)  # the new take, stored and passed on
        new_id = emitted_ids(context)[0]
        assert new_id != "mic-crashed"
        assert new_id not in store.processed_ids()  # in flight: its end has not come back
        release.set()
        assert wait_for(lambda: "mic-crashed" in emitted_ids(context))
        time.sleep(0.3)  # anything more would come now
    finally:
        release.set()
        if player is not None:
            player.close()
        mic.stop()
    assert context.errors == []
    assert sorted(emitted_ids(context)) == sorted(["mic-crashed", new_id])  # each once
    recovered = [take for _, take in context.emitted if take.take_id == "mic-crashed"]
    assert recovered[0].meta["recovered"] is True and recovered[0].path == crashed.path
    # told as the last run's take, with its length (the console's take line says so)
    assert {"take": "mic-crashed", "duration": round(recovered[0].duration, 2), "recovered": True} in context.statuses


def test_an_unreadable_stored_take_is_told_once_and_kept_aside(tmp_path: Path) -> None:
    """Before: the take was never written down as done; it was reported again at every start."""
    store = TakeStore(tmp_path / "takes")
    broken = store.store(Take(np.full(4800, 0.5, np.float32), RATE, take_id="mic-broken", source="mic"))
    assert broken.path is not None
    broken.path.write_bytes(b"RIFF\x00\x00not a wav")

    for run in range(2):
        context = TrackingContext(tmp_path)
        mic = make_mic(tmp_path, context)
        mic.start()
        try:
            if run == 0:
                assert wait_for(lambda: bool(context.errors))  # noqa: B023 - waited for at once
            time.sleep(0.3)
        finally:
            mic.stop()
        assert emitted_ids(context) == []
        if run == 0:
            assert len(context.errors) == 1 and "unreadable" in str(context.errors[0])
            assert DAMAGED_FOLDER in str(context.errors[0])
            ((take_id, recorder, fate, reason),) = context.ended  # its end, told by id
            assert (take_id, recorder, fate) == ("mic-broken", "mic", "error") and "unreadable" in reason
        else:
            assert context.errors == [] and context.ended == []  # told once
    kept = tmp_path / "takes" / DAMAGED_FOLDER / broken.path.name
    assert kept.read_bytes() == b"RIFF\x00\x00not a wav"  # moved, not deleted
    assert (kept.parent / (kept.name + ".json")).exists() and not broken.path.exists()
    assert "mic-broken" in (tmp_path / "takes" / PROCESSED_JOURNAL).read_text().split()


def test_an_unreadable_stored_take_ends_as_a_runtime_fate_event(tmp_path: Path) -> None:
    """Before: never emitted, the damaged take had no ``TakeEnded``: the console and the editor never saw its end."""
    from exsampling_patch.patch import NodeSpec, Patch
    from exsampling_patch.runtime.engine import Engine
    from exsampling_patch.runtime.events import TakeEnded

    from .conftest import registry

    store = TakeStore(tmp_path / "takes")
    broken = store.store(Take(np.full(4800, 0.5, np.float32), RATE, take_id="mic-broken", source="mic"))
    assert broken.path is not None
    broken.path.write_bytes(b"RIFF\x00\x00not a wav")
    patch = Patch()
    patch.add_node(NodeSpec("mic", "microphone", {"sample_rate": RATE, "folder": str(tmp_path / "takes")}))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("mic.take", "probe.take")
    engine = Engine(registry(), base_dir=tmp_path)
    ended: list[Any] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    try:
        assert wait_for(lambda: bool(ended))
        time.sleep(0.2)  # a second end would come now
    finally:
        engine.stop()
    (end,) = ended
    assert (end.take_id, end.recorder, end.fate) == ("mic-broken", "mic", "error")
    assert end.node_id == end.source == "mic"
    assert end.reason.startswith("error in mic: stored take unreadable")
    assert "unreadable" in engine.errors["mic"]


def test_a_take_is_told_with_its_length_before_it_flows_on(tmp_path: Path) -> None:
    """The console's line for a microphone take had no length ("take mic-...: -> HH"): the microphone reported its
    take after passing it on, without a duration, and a quick patch had ended the take before that."""

    class Ordered(TrackingContext):
        def __init__(self) -> None:
            super().__init__()
            self.order: list[tuple[str, Any]] = []

        def emit(self, node_id: str, port: str, message: Any) -> None:
            self.order.append(("emit", message.take_id))
            super().emit(node_id, port, message)

        def report_status(self, node_id: str, status: dict[str, Any]) -> None:
            if "take" in status:
                self.order.append(("status", dict(status)))
            super().report_status(node_id, status)

    context = Ordered()
    mic = make_mic(tmp_path, context)
    player = None
    try:
        player = Player(start_mic(mic))
        player.play(burst())
        assert wait_for(lambda: len(emitted_ids(context)) == 1)
    finally:
        if player is not None:
            player.close()
        mic.stop()
    (take_id,) = emitted_ids(context)
    told = next(i for i, (kind, what) in enumerate(context.order) if kind == "status" and what["take"] == take_id)
    assert context.order[told][1]["duration"] > 0.25, context.order
    assert told < context.order.index(("emit", take_id)), context.order


def test_a_kills_old_leftovers_in_the_take_folder_are_removed_at_the_start(tmp_path: Path) -> None:
    """A kill while a take was stored left its hidden temporary audio, or its sidecar without audio, for ever."""
    import os

    from exsampling_patch.takes import LEFTOVER_AGE

    folder = tmp_path / "takes"
    folder.mkdir()
    cut_off = [folder / ".mic-1.wav.abcdefgh.part", folder / "mic-2.wav.json"]
    cut_off[0].write_bytes(b"RIFF")
    cut_off[1].write_text('{"take_id": "mic-2"}')
    young = folder / ".mic-3.wav.abcdefgh.part"  # another process storing a take now
    young.write_bytes(b"RIFF")
    for path in cut_off:
        at = path.stat().st_mtime - LEFTOVER_AGE - 60
        os.utime(path, (at, at))
    mic = make_mic(tmp_path, TrackingContext())
    mic.start()
    mic.stop()
    assert [path.exists() for path in cut_off] == [False, False] and young.exists()
