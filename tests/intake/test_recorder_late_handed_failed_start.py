"""A take handed on late (:mod:`exsampling_patch.nodes.web_recorder.late`) to a recorder whose start then fails (its
port busy) is kept for the next start, which passes it on, and the failed start says so.

Before, the take went into the failed node's queue, which no thread ever took: stored in a take folder no run uses
any more (the recorder a live edit replaced stored it there after its stop), it waited there for good, its phone told
it was received, and nothing said what became of it. Real recorders run by engines, the take stored for real in the
old take folder and handed on through the state folder's taker, the port held by a real socket. The hand-on is made
at the start's load of its token: between the listing of its folders and its server's bind, the moment a late take
met a start that then failed."""

from __future__ import annotations

import socket
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from exsampling_patch.context import NodeContext
from exsampling_patch.messages import Take
from exsampling_patch.nodes.web_recorder import late, tls
from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine
from exsampling_patch.takes import TakeStore, take_metadata

from .conftest import probe_of, registry
from .rebuilt_rig import recorder_settings


def _patch(tmp_path: Path, port: int) -> Patch:
    patch = Patch()
    patch.add_node(NodeSpec("rec", "web_recorder", recorder_settings(tmp_path, port=port, https=False)))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("rec.take", "probe.take")
    return patch


def test_a_take_handed_on_late_to_a_start_that_fails_goes_through_at_the_next_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = TakeStore(tmp_path / "old-takes")  # the take folder of the recorder an edit replaced
    stored = old.store(Take(np.full(4800, 0.3, np.float32), 48000, take_id="late-1", source="Ana"))
    assert stored.path is not None
    handed: list[bool] = []
    load_token = tls.load_token

    def late_take_then_token(*args: Any, **kwargs: Any) -> str:
        if not handed:  # the first start only: the replaced recorder stores its take after its stop, now
            handed.append(late.hand_on(old.folder, (tmp_path / "state").resolve(), NodeContext(tmp_path), "rec",
                                       stored.path, take_metadata(stored)))
        return load_token(*args, **kwargs)

    monkeypatch.setattr(tls, "load_token", late_take_then_token)
    failed = Engine(registry(), base_dir=tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        try:
            failed.start(_patch(tmp_path, busy.getsockname()[1]))  # the node's error kept, not raised
            assert handed == [True], "the starting recorder did not take the late take: the test proves nothing"
            assert "rec" in failed.errors, failed.errors
            told = failed.status.get("rec", {}).get("warning", "")
        finally:
            stopping = threading.Thread(target=failed.stop, name="failed-run-stop", daemon=True)
            stopping.start()
            stopping.join(30)
    assert told == "the recorder did not start: 1 late take handed to it kept for its next start", told
    running = Engine(registry(), base_dir=tmp_path)  # the next Run, the port free
    running.start(_patch(tmp_path, 0))
    try:
        reached = probe_of(running).wait_for(1, 30)
        assert [take.take_id for take in reached] == ["late-1"], "the late take was lost with the failed start"
        warning = running.status.get("rec", {}).get("warning", "")
        assert warning == "1 late take kept from the last run, passed on now", running.status.get("rec")
    finally:
        running.stop()
