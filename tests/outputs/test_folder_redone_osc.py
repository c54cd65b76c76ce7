"""A folder's file whose take reached the original Max for Live device (``ableton_max``) before the run ended, its
take not ended, is read again at the next start and not sent to the device a second time.

A performer's kill -9 mid-burst did it: 1 take of 45 got two ``/label`` after the restart, the one whose bundle had
gone out and whose end (Live, or the rest of the patch) had not come. The web recorder's takes were skipped (their
keys were in the sent log), a folder source's were not: ableton_max keys only a take a source stored
(``stored_at``), and a folder source's said nothing of it. Here the take is kept from ending as a kill would, by
``ableton_live`` beside it waiting for a busy Live (``live_standin``'s, the one mock the project allows, whose
display timer the test ticks only in the second run), and the run stopped: its journal says the file was in flight.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pythonosc.udp_client import SimpleUDPClient

import exsampling_ableton_remote as ableton_remote
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.registry import Registry
from exsampling_patch.runtime import TakeEnded
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import write_take

from .helpers import sine_take
from .live_standin import CInstance, Song, Track
from .test_ableton import OriginalDevice


@pytest.fixture
def device() -> Iterator[OriginalDevice]:
    d = OriginalDevice()
    yield d
    d.close()


def started(tmp_path: Path, device_port: int, live_port: int) -> tuple[Engine, list[TakeEnded]]:
    patch = Patch()
    patch.add_node(NodeSpec("inbox", "folder_source", {"folder": str(tmp_path / "inbox")}))
    patch.add_node(NodeSpec("slots", "fixed_slot", {"slot": "HH"}))
    patch.add_node(NodeSpec("max", "ableton_max", {"port": device_port, "folder": str(tmp_path / "max")}))
    patch.add_node(NodeSpec("live", "ableton_live", {"port": live_port, "answer_within": 30.0,
                                                     "folder": str(tmp_path / "live")}))
    patch.connect("inbox.take", "slots.take")
    patch.connect("slots.assignment", "max.assignment")
    patch.connect("slots.assignment", "live.assignment")
    engine = Engine(Registry.default(entry_points=False), base_dir=tmp_path)
    ended: list[TakeEnded] = []
    engine.events.subscribe(ended.append, TakeEnded)
    engine.start(patch)
    return engine, ended


def wait_for(condition: object, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition() and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.01)
    assert condition(), "timed out"  # type: ignore[operator]


def test_a_file_sent_to_the_device_and_read_again_after_the_run_is_not_sent_twice(device: OriginalDevice,
                                                                                   tmp_path: Path) -> None:
    (tmp_path / "inbox").mkdir()
    surface = ableton_remote.ExSamplingSurface(CInstance(Song([Track("HH")])), port=0)
    try:
        engine, _ = started(tmp_path, device.port, surface.port)
        try:
            write_take(sine_take(440.0, seconds=0.2), tmp_path / "knock.wav")
            os.replace(tmp_path / "knock.wav", tmp_path / "inbox" / "knock.wav")  # dropped into the inbox
            device.wait(1)
            wait_for(lambda: engine.status.get("live", {}).get("slot") == "HH")  # sent; Live, busy, has not read it
        finally:
            engine.stop()

        engine, ended = started(tmp_path, device.port, surface.port)
        try:
            def take_ended() -> bool:
                surface.update_display()
                return bool(ended)
            wait_for(take_ended)
            assert engine.status["inbox"].get("recovered") is True  # read again, as the last run's take
        finally:
            engine.stop()
        # After the device has read what came before it: a second /label of the take would be in its loads by then.
        SimpleUDPClient("127.0.0.1", device.port).send_message("/label", "marker")
        device.wait(2)
        assert [load["slot"] for load in device.loads] == ["HH", "marker"]
        assert engine.status["max"].get("already_sent") is True
    finally:
        surface.disconnect()
