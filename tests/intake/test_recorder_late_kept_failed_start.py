"""The late take kept for the next run (see test_recorder_late_kept_next_run) outlives a run whose recorder fails to
start (its port busy): the run after passes it on.

Before, the failing start had taken it from the kept ones and made it known, then its server's port was busy: the take
was thrown away with the node, and the run after (the port free again) received nothing; the failed run's notice said
"1 late take kept from the last run, passed on now" all the same. Now it is passed on, and said so, once the server
listens; a start failing before keeps it again. Real HTTPS recorders run by engines, the port held by a real socket."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from exsampling_patch.patch import NodeSpec, Patch
from exsampling_patch.runtime.engine import Engine

from .conftest import probe_of, registry
from .moved_rig import kept_late_for_next_run, moved_patch
from .rebuilt_rig import recorder_settings
from .test_recorder_stop_mid_upload import TAKE


def _on_port(tmp_path: Path, state: Path, port: int) -> Patch:
    """:func:`moved_patch`'s on ``port``."""
    patch = Patch()
    settings = recorder_settings(tmp_path, state, folder=str(tmp_path / "takes-again"), port=port)
    patch.add_node(NodeSpec("rec", "web_recorder", settings))
    patch.add_node(NodeSpec("probe", "test_probe", {}))
    patch.connect("rec.take", "probe.take")
    return patch


def test_a_kept_late_take_outlives_a_start_failing_on_a_busy_port(
        tmp_path: Path, recorder_state: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    take_id, answers, again = kept_late_for_next_run(tmp_path, recorder_state, monkeypatch, TAKE)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        failed = Engine(registry(), base_dir=tmp_path)  # a Run on a port another program holds
        try:
            failed.start(_on_port(tmp_path, again, busy.getsockname()[1]))  # the node's error kept, not raised
            assert "rec" in failed.errors, failed.errors
            assert "passed on" not in failed.status.get("rec", {}).get("warning", ""), failed.status.get("rec")
        finally:
            failed.stop()
    running = Engine(registry(), base_dir=tmp_path)  # the next Run, the port free
    running.start(moved_patch(tmp_path, again, "takes-again"))
    try:
        reached = probe_of(running).wait_for(1, 30)
        assert reached, "the kept late take was lost with the failed start"
        assert reached[0].take_id in {take_id, answers.retried[0][1]["take_id"]}, (reached, answers.retried)
        told = running.status.get("rec", {}).get("warning", "")
        assert told == "1 late take kept from the last run, passed on now", running.status.get("rec")
    finally:
        running.stop()
